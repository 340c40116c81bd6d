"""The HIS's system-of-record feeds: patients (create/update, merge), a stay's discharge order
and its orders-and-charges status. Bearer integration keys as for the other HIS feeds; every
message carries the HIS's message_id and is applied once."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError

from bedside.core.audit import Actor
from bedside.integrations import record
from bedside.integrations.api import _client
from bedside.medication import service as medication
from bedside.medication.schemas import DrugIn
from bedside.web import security
from bedside.web.deps import DbSession
from bedside.web.problems import API_ERRORS, problem_responses

router = APIRouter(
    prefix="/api/v1/his",
    tags=["his"],
    dependencies=[Depends(security.refuse_control_characters)],
    responses=problem_responses(*API_ERRORS),
)
PatientClient = Annotated[Actor, _client("patients")]
OrderClient = Annotated[Actor, _client("orders")]
InpatientNo = Annotated[str, Path(min_length=1, max_length=20)]
MessageId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[\x21-\x7e]+$")]


class Reply(BaseModel):
    message_id: str
    replayed: bool
    result: dict[str, Any]


def _once(session: DbSession, message_id: str, kind: str, body: BaseModel, apply: Any) -> Reply:
    """Runs `apply` once per message id: the reply is stored with the change it made."""
    data = body.model_dump(mode="json")
    done = record.replay(session, message_id, kind, data)
    if done is not None:
        return Reply(message_id=message_id, replayed=True, result=done)
    result = apply()
    record.remember(session, message_id, kind, data, result)
    try:
        session.commit()
    except IntegrityError:  # the same message raced us: answer with what the winner stored
        session.rollback()
        done = record.replay(session, message_id, kind, data)
        if done is None:
            raise
        return Reply(message_id=message_id, replayed=True, result=done)
    return Reply(message_id=message_id, replayed=False, result=result)


class PatientIn(BaseModel):
    message_id: MessageId
    resident_id: str = Field(min_length=15, max_length=18)
    name: str = Field(min_length=1, max_length=50)
    birth_date: date | None = None
    phone: str | None = Field(default=None, max_length=20)


@router.post("/patients")
def patient(body: PatientIn, session: DbSession, me: PatientClient) -> Reply:
    """Creates the patient, or updates the name and phone of the one with this resident ID."""
    return _once(
        session,
        body.message_id,
        "patient",
        body,
        lambda: record.upsert_patient(
            session,
            me,
            resident_id=body.resident_id,
            name=body.name,
            birth_date=body.birth_date,
            phone=body.phone,
        ),
    )


class MergeIn(BaseModel):
    message_id: MessageId
    survivor_resident_id: str = Field(min_length=15, max_length=18)
    merged_resident_id: str = Field(min_length=15, max_length=18)


@router.post("/patients/merge")
def merge(body: MergeIn, session: DbSession, me: PatientClient) -> Reply:
    """Moves the merged-away patient's stays, accounts and links to the survivor (audited)."""
    return _once(
        session,
        body.message_id,
        "patient_merge",
        body,
        lambda: record.merge_patients(
            session, me, body.message_id, body.survivor_resident_id, body.merged_resident_id
        ),
    )


class DischargeOrderIn(BaseModel):
    message_id: MessageId
    planned_date: date
    has_medication: bool = False
    doctor: str = Field(min_length=1, max_length=50)


@router.post("/stays/{inpatient_no}/discharge-order")
def discharge_order(
    inpatient_no: InpatientNo, body: DischargeOrderIn, session: DbSession, me: OrderClient
) -> Reply:
    """The doctor's discharge order as written in the HIS."""
    notice = record.stay_by_inpatient_no(session, inpatient_no)
    return _once(
        session,
        body.message_id,
        "discharge_order",
        body,
        lambda: record.order_discharge(
            session, me, notice, body.planned_date, body.has_medication, body.doctor
        ),
    )


class OrdersStatusIn(BaseModel):
    message_id: MessageId
    pending_orders: int = Field(ge=0, le=10_000)
    charges_closed: bool


@router.post("/stays/{inpatient_no}/orders-status")
def orders_status(
    inpatient_no: InpatientNo, body: OrdersStatusIn, session: DbSession, me: OrderClient
) -> Reply:
    """How many of the stay's orders are still open and whether its charges are closed: the
    ward-clearance guards read this when BEDSIDE_HIS_RECORD includes orders."""
    notice = record.stay_by_inpatient_no(session, inpatient_no)
    return _once(
        session,
        body.message_id,
        "orders_status",
        body,
        lambda: record.orders_status(
            session, me, notice, body.message_id, body.pending_orders, body.charges_closed
        ),
    )


class DischargeMedicationIn(BaseModel):
    message_id: MessageId
    doctor: str = Field(min_length=1, max_length=50)
    drugs: list[DrugIn] = Field(min_length=1, max_length=20)


@router.post("/stays/{inpatient_no}/discharge-medication")
def discharge_medication(
    inpatient_no: InpatientNo, body: DischargeMedicationIn, session: DbSession, me: OrderClient
) -> Reply:
    """The doctor's discharge-medication order as written in the HIS: it starts the ward
    delivery (nurse confirmation, pharmacy, bag, counselling) as a console order does."""
    notice = record.stay_by_inpatient_no(session, inpatient_no)
    as_doctor = Actor(
        kind="his", id=me.id, label=f"{me.label}: {body.doctor}"[:100], roles=frozenset({"doctor"})
    )

    def apply() -> dict[str, Any]:
        row = medication.order(
            session, as_doctor, notice.id, body.drugs, source="his", his_ref=body.message_id
        )
        return {"notice_id": notice.id, "order_id": row.id, "state": row.state}

    return _once(session, body.message_id, "discharge_medication", body, apply)
