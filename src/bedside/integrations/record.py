"""The HIS as the system of record (BEDSIDE_HIS_RECORD): patients created and matched from its
demographics, merged when it says two are one; its inpatient numbers and discharge orders; its
orders-and-charges status for ward clearance. Every message is applied once, by the HIS's own
message id: a resend answers the first reply, the same id with another body is refused."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bedside.admissions.models import AdmissionNotice
from bedside.core import audit
from bedside.core.audit import Actor
from bedside.core.db import utcnow
from bedside.core.errors import Conflict, NotFound
from bedside.core.i18n import N_
from bedside.discharge import service as discharge_service
from bedside.integrations.models import HisMessage, HisPatientMerge, HisStayStatus
from bedside.patients import merge as patients_merge
from bedside.patients import service as patients_service
from bedside.settings import get_settings


def is_record(part: str) -> bool:
    return part in get_settings().his_record_set


def require_record(part: str) -> None:
    if not is_record(part):
        raise Conflict(
            N_("Bedside does not take this from the HIS here (BEDSIDE_HIS_RECORD)."),
            code="his_not_system_of_record",
            params={"part": part},
        )


def _digest(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def replay(session: Session, message_id: str, kind: str, body: dict[str, Any]) -> dict[str, Any] | None:
    """The stored reply when this message was applied before, else None."""
    done = session.scalar(select(HisMessage).where(HisMessage.message_id == message_id))
    if done is None:
        return None
    if done.kind != kind or done.body_sha256 != _digest(body):
        raise Conflict(
            N_("This message id was already used for a different message."),
            code="message_id_reused",
            field="message_id",
        )
    return dict(done.reply)


def remember(
    session: Session, message_id: str, kind: str, body: dict[str, Any], reply: dict[str, Any]
) -> None:
    session.add(HisMessage(message_id=message_id, kind=kind, body_sha256=_digest(body), reply=reply))


def stay_by_inpatient_no(session: Session, inpatient_no: str) -> AdmissionNotice:
    notice = (
        session.scalar(select(AdmissionNotice).where(AdmissionNotice.inpatient_no == inpatient_no))
        if 0 < len(inpatient_no) <= 20
        else None
    )
    if notice is None:
        raise NotFound(N_("No stay has this inpatient number."), code="stay_not_found")
    return notice


def check_inpatient_no_free(session: Session, inpatient_no: str) -> None:
    taken = session.scalar(select(AdmissionNotice.id).where(AdmissionNotice.inpatient_no == inpatient_no))
    if taken is not None:
        raise Conflict(
            N_("This inpatient number belongs to another stay."),
            code="inpatient_no_taken",
            field="inpatient_no",
        )


def upsert_patient(
    session: Session,
    actor: Actor,
    *,
    resident_id: str,
    name: str,
    birth_date: date | None,
    phone: str | None,
) -> dict[str, Any]:
    """The patient feed's create/update: the HIS's name and phone win over Bedside's."""
    require_record("patients")
    rid = patients_service.check_resident_id(resident_id)
    found = patients_service.by_resident_id(session, rid)
    if found is None:
        patient, _ = patients_service.match_or_register(
            session, actor, name=name, resident_id=rid, birth_date=birth_date, phone=phone, commit=False
        )
        return {"patient_id": patient.id, "outcome": "created", "changed": []}
    if birth_date is not None and birth_date != found.birth_date:
        raise Conflict(
            N_("The name or birth date does not match the patient registered with this resident ID."),
            code="patient_mismatch",
            field="birth_date",
        )
    changed = patients_service.update_from_record(session, actor, found, name=name, phone=phone)
    return {"patient_id": found.id, "outcome": "updated" if changed else "unchanged", "changed": changed}


def merge_patients(
    session: Session, actor: Actor, message_id: str, survivor_resident_id: str, merged_resident_id: str
) -> dict[str, Any]:
    require_record("patients")
    survivor_rid = patients_service.check_resident_id(survivor_resident_id, "survivor_resident_id")
    merged_rid = patients_service.check_resident_id(merged_resident_id, "merged_resident_id")
    survivor = patients_service.by_resident_id(session, survivor_rid)
    merged = patients_service.by_resident_id(session, merged_rid)
    if survivor is None or merged is None:
        raise NotFound(N_("Patient not found."), code="patient_not_found")
    moved = patients_merge.merge(session, actor, survivor.id, merged.id)
    session.add(
        HisPatientMerge(merged_id=merged.id, survivor_id=survivor.id, message_id=message_id, moved=moved)
    )
    return {"patient_id": survivor.id, "merged_id": merged.id, "moved": moved}


def order_discharge(
    session: Session, actor: Actor, notice: AdmissionNotice, planned: date, has_medication: bool, doctor: str
) -> dict[str, Any]:
    """The HIS's discharge order opens the discharge as a Bedside doctor's order would; the
    audit names the HIS client and the ordering doctor it gave."""
    require_record("stays")
    as_doctor = Actor(
        kind="his",
        id=actor.id,
        label=f"{actor.label}: {doctor}"[:100],
        roles=frozenset({"doctor"}),
    )
    d = discharge_service.order(session, as_doctor, notice.id, planned, has_medication=has_medication)
    return {"notice_id": notice.id, "discharge_id": d.id, "state": d.state}


def orders_status(
    session: Session, actor: Actor, notice: AdmissionNotice, message_id: str, pending: int, closed: bool
) -> dict[str, Any]:
    row = session.scalar(select(HisStayStatus).where(HisStayStatus.notice_id == notice.id))
    if row is None:
        row = HisStayStatus(notice_id=notice.id, message_id=message_id)
        session.add(row)
    row.pending_orders, row.charges_closed, row.message_id, row.reported_at = (
        pending,
        closed,
        message_id,
        utcnow(),
    )
    audit.record(
        session,
        actor,
        "his.orders_status",
        "admission_notice",
        notice.id,
        patient_id=notice.patient_id,
        pending_orders=pending,
        charges_closed=closed,
    )
    return {"notice_id": notice.id, "pending_orders": pending, "charges_closed": closed}


def stay_status(session: Session, notice_id: int) -> HisStayStatus | None:
    return session.scalar(select(HisStayStatus).where(HisStayStatus.notice_id == notice_id))
