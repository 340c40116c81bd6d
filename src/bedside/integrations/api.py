"""The HIS feed: admission notices and a stay's charges, sent by the hospital's systems with
an integration key (Authorization: Bearer bi_...). No browser session, so no CSRF; every
write is idempotent on the HIS's own reference."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from bedside.admissions import service as admissions_service
from bedside.admissions.models import AdmissionNotice
from bedside.admissions.schemas import NoticeIn, NoticeOut
from bedside.admissions.states import AdmissionKind, Priority
from bedside.charges import service as charges_service
from bedside.core.audit import Actor
from bedside.core.errors import Conflict, InvalidInput, NotFound
from bedside.core.i18n import N_
from bedside.hospital.models import Department
from bedside.integrations import record, service
from bedside.patients import service as patients_service
from bedside.reports import exams as exams_service
from bedside.reports import service as reports_service
from bedside.web import security
from bedside.web.deps import DbSession
from bedside.web.problems import API_ERRORS, problem_responses

router = APIRouter(
    prefix="/api/v1/his",
    tags=["his"],
    dependencies=[Depends(security.refuse_control_characters)],
    responses=problem_responses(*API_ERRORS),
)


def _client(scope: str):  # type: ignore[no-untyped-def]
    def check(session: DbSession, authorization: Annotated[str, Header()] = "") -> Actor:
        key = authorization.removeprefix("Bearer ").strip()
        return service.actor_for(service.authenticate(session, key, scope))

    return Depends(check)


NoticeClient = Annotated[Actor, _client("admission_notices")]
ChargeClient = Annotated[Actor, _client("charges")]
ReportClient = Annotated[Actor, _client("reports")]


class HisNoticeIn(BaseModel):
    his_ref: str = Field(min_length=1, max_length=64)
    resident_id: str = Field(min_length=15, max_length=18)
    department_code: str = Field(min_length=1, max_length=32)
    diagnosis: str = Field(min_length=1, max_length=200)
    kind: AdmissionKind = AdmissionKind.ELECTIVE
    priority: Priority = Priority.ROUTINE
    expected_date: date
    order_package: str | None = Field(default=None, max_length=100)
    note: str | None = Field(default=None, max_length=1000)
    # Demographics: a patient Bedside has not seen is created from them where the HIS is the
    # record of patients (BEDSIDE_HIS_RECORD=patients); a known one must match them.
    name: str | None = Field(default=None, min_length=1, max_length=50)
    birth_date: date | None = None
    phone: str | None = Field(default=None, max_length=20)
    # The HIS's own inpatient number, kept where it is the record of stays.
    inpatient_no: str | None = Field(default=None, pattern=r"^[A-Z0-9]{4,20}$")
    # Green channel (绿色通道): the emergency is admitted at once and pays later.
    green_channel: bool = False


class NoticeChanged(Conflict):
    """Refused rather than applied: by the time the HIS resends, the patient may have chosen
    a date, been given a bed or paid a deposit on the notice as first sent."""

    code = "notice_conflict"
    message = N_("Notice %(his_ref)s was already received with different content: %(fields)s.")

    def __init__(self, his_ref: str, differences: list[str]) -> None:
        super().__init__(params={"his_ref": his_ref, "fields": ", ".join(differences)}, field=differences[0])
        self.differences = differences

    def problem(self, locale: str) -> dict[str, Any]:
        return {**super().problem(locale), "differences": self.differences}


def _differences(session: DbSession, done: AdmissionNotice, body: HisNoticeIn) -> list[str]:
    """The inputs in which a resend differs from the stored notice, compared as issue() stores
    them; demographics belong to the patient record and are not part of the notice."""
    patient = patients_service.by_resident_id(session, body.resident_id)
    dept = session.scalar(select(Department.id).where(Department.code == body.department_code))
    sent = {
        "resident_id": patient.id if patient else None,
        "department_code": dept,
        "diagnosis": body.diagnosis.strip(),
        # A green-channel notice is stored as an urgent emergency (admissions/green.py).
        "kind": AdmissionKind.EMERGENCY if body.green_channel else body.kind,
        "priority": Priority.URGENT if body.green_channel else body.priority,
        "green_channel": body.green_channel,
        "expected_date": body.expected_date,
        "order_package": (body.order_package or "").strip() or None,
        "note": (body.note or "").strip() or None,
    }
    stored = {
        "resident_id": done.patient_id,
        "department_code": done.department_id,
        "diagnosis": done.diagnosis,
        "kind": done.kind,
        "priority": done.priority,
        "green_channel": done.green_channel,
        "expected_date": done.expected_date,
        "order_package": done.order_package,
        "note": done.note,
    }
    if body.inpatient_no and record.is_record("stays"):
        sent["inpatient_no"], stored["inpatient_no"] = body.inpatient_no, done.inpatient_no
    return [name for name, value in sent.items() if value != stored[name]]


@router.post("/admission-notices", status_code=201)
def notice(body: HisNoticeIn, session: DbSession, me: NoticeClient) -> NoticeOut:
    done = session.scalar(select(AdmissionNotice).where(AdmissionNotice.his_ref == body.his_ref))
    if done is not None:  # the HIS retried: answer with the first notice, if it is the same one
        if differences := _differences(session, done, body):
            raise NoticeChanged(body.his_ref, differences)
        return NoticeOut.model_validate(done)
    rid = patients_service.check_resident_id(body.resident_id)
    dept = session.scalar(select(Department).where(Department.code == body.department_code))
    if dept is None:
        raise InvalidInput(N_("Unknown department."), code="unknown_department", field="department_code")
    inpatient_no = body.inpatient_no if record.is_record("stays") else None
    if inpatient_no:
        record.check_inpatient_no_free(session, inpatient_no)
    patient = patients_service.by_resident_id(session, rid)
    if body.name is not None and (patient is not None or record.is_record("patients")):
        # Checks a known patient against the demographics, or creates the unknown one.
        patient, _ = patients_service.match_or_register(
            session,
            me,
            name=body.name,
            resident_id=rid,
            birth_date=body.birth_date,
            phone=body.phone,
            commit=False,
        )
    if patient is None:
        raise NotFound(N_("Patient not found."), code="patient_not_found")
    created = admissions_service.issue(
        session,
        me,
        NoticeIn(
            patient_id=patient.id,
            department_id=dept.id,
            diagnosis=body.diagnosis,
            kind=body.kind,
            priority=body.priority,
            expected_date=body.expected_date,
            order_package=body.order_package,
            note=body.note,
            green_channel=body.green_channel,
        ),
    )
    created.his_ref = body.his_ref
    created.inpatient_no = inpatient_no  # else Bedside numbers the stay at admission
    session.commit()
    return NoticeOut.model_validate(created)


class ChargesIn(BaseModel):
    lines: list[charges_service.ChargeIn] = Field(min_length=1, max_length=charges_service.MAX_BATCH)


class ChargesOut(BaseModel):
    created: int
    duplicates: int


@router.post("/inpatients/{inpatient_no}/charges")
def post_charges(inpatient_no: str, body: ChargesIn, session: DbSession, me: ChargeClient) -> ChargesOut:
    if len(inpatient_no) > 20:
        raise NotFound(N_("No stay has this inpatient number."), code="stay_not_found")
    result = charges_service.post_to_inpatient(session, me, inpatient_no, body.lines)
    return ChargesOut(created=result.created, duplicates=result.duplicates)


class ReportOut(BaseModel):
    id: int
    created: bool


@router.post("/reports", status_code=201)
def report(body: reports_service.ReportIn, session: DbSession, me: ReportClient) -> ReportOut:
    """An exam or lab report (LIS / PACS through the HIS); resending it changes nothing."""
    done = reports_service.receive_many(session, me, [body])[0]
    return ReportOut(id=done.id, created=done.created)


class ReportsIn(BaseModel):
    reports: list[reports_service.ReportIn] = Field(min_length=1, max_length=reports_service.MAX_BATCH)


class ReportItemOut(ReportOut):
    his_ref: str


class ReportsOut(BaseModel):
    created: int
    duplicates: int
    reports: list[ReportItemOut]


@router.post("/reports/batch")
def reports_batch(body: ReportsIn, session: DbSession, me: ReportClient) -> ReportsOut:
    """Up to 100 reports at once, stored all together or, if one is refused, none of them;
    the ones already received are answered as such."""
    done = reports_service.receive_many(session, me, body.reports)
    created = sum(r.created for r in done)
    return ReportsOut(
        created=created,
        duplicates=len(done) - created,
        reports=[ReportItemOut(his_ref=r.his_ref, id=r.id, created=r.created) for r in done],
    )


class ExamOut(BaseModel):
    id: int
    state: str
    outcome: exams_service.Outcome


@router.post(
    "/inpatients/{inpatient_no}/exam-appointments",
    status_code=201,
    responses={200: {"model": ExamOut, "description": "Moved, cancelled or resent: the stored appointment"}},
)
def exam_appointment(
    inpatient_no: str, body: exams_service.ExamIn, response: Response, session: DbSession, me: ReportClient
) -> ExamOut:
    """Books, moves (same his_ref, new time or place) or cancels (`"cancelled": true`) an exam;
    the patient is told each time. A resend answers 200 with the stored appointment."""
    row, outcome = exams_service.receive(session, me, inpatient_no, body)
    if outcome != "created":
        response.status_code = 200
    return ExamOut(id=row.id, state=row.state, outcome=outcome)


class ExamsIn(BaseModel):
    appointments: list[exams_service.ExamIn] = Field(min_length=1, max_length=exams_service.MAX_BATCH)


class ExamItemOut(ExamOut):
    his_ref: str


class ExamsOut(BaseModel):
    appointments: list[ExamItemOut]


@router.post("/inpatients/{inpatient_no}/exam-appointments/batch")
def exam_appointments_batch(
    inpatient_no: str, body: ExamsIn, session: DbSession, me: ReportClient
) -> ExamsOut:
    """Up to 500 bookings, moves, cancellations and closings for one stay, each reference
    once: applied all together or, if one is refused, none of them."""
    done = exams_service.receive_many(session, me, inpatient_no, body.appointments)
    return ExamsOut(
        appointments=[ExamItemOut(his_ref=r.his_ref, id=r.id, state=r.state, outcome=r.outcome) for r in done]
    )
