"""Issuing and cancelling admission notices."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bedside.admissions.events import AdmissionNoticeCancelled, AdmissionNoticeIssued
from bedside.admissions.models import AdmissionNotice, NoticeTransition
from bedside.admissions.schemas import NoticeIn
from bedside.admissions.states import NOTICE_MACHINE, OPEN_STATES, NoticeState
from bedside.core import audit, events
from bedside.core.audit import Actor
from bedside.core.clock import local_today
from bedside.core.db import utcnow
from bedside.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from bedside.core.i18n import N_
from bedside.core.states import InvalidTransition
from bedside.hospital import service as hospital_service
from bedside.patients import service as patients_service

MAX_DAYS_AHEAD = 180


def issue(session: Session, actor: Actor, cmd: NoticeIn) -> AdmissionNotice:
    if not (actor.has_role("doctor") or actor.kind in ("his", "system")):
        raise Forbidden(N_("Only doctors can issue admission notices."), code="doctor_only")
    patient = patients_service.get(session, cmd.patient_id)
    hospital_service.get_department(session, cmd.department_id)
    today = local_today()
    if cmd.expected_date < today or cmd.expected_date > today + timedelta(days=MAX_DAYS_AHEAD):
        raise InvalidInput(
            N_("The expected admission date must be between today and %(days)s days ahead."),
            code="invalid_expected_date",
            params={"days": MAX_DAYS_AHEAD},
            field="expected_date",
        )
    diagnosis = cmd.diagnosis.strip()
    if not diagnosis:
        raise InvalidInput(N_("A diagnosis is required."), code="diagnosis_required", field="diagnosis")
    open_notice = session.scalar(
        select(AdmissionNotice.id).where(
            AdmissionNotice.patient_id == patient.id, AdmissionNotice.state.in_(OPEN_STATES)
        )
    )
    if open_notice is not None:
        raise Conflict(N_("This patient already has an open admission notice."), code="notice_already_open")
    notice = AdmissionNotice(
        patient_id=patient.id,
        department_id=cmd.department_id,
        diagnosis=diagnosis,
        kind=cmd.kind,
        priority=cmd.priority,
        expected_date=cmd.expected_date,
        order_package=(cmd.order_package or "").strip() or None,
        note=(cmd.note or "").strip() or None,
        issued_by_id=actor.id if actor.kind == "staff" else None,
        source="his" if actor.kind == "his" else "console",
    )
    session.add(notice)
    session.flush()
    if cmd.green_channel:
        from bedside.admissions import green

        green.open_for(session, actor, notice)
    audit.record(
        session,
        actor,
        "admission_notice.issue",
        "admission_notice",
        notice.id,
        patient_id=patient.id,
        department_id=cmd.department_id,
    )
    events.emit(
        session,
        AdmissionNoticeIssued(
            notice_id=notice.id,
            patient_id=patient.id,
            department_id=cmd.department_id,
            expected_date=cmd.expected_date,
            kind=notice.kind,
        ),
    )
    session.commit()
    return notice


def cancel(session: Session, actor: Actor, notice_id: int, reason: str) -> AdmissionNotice:
    if not (actor.has_role("doctor", "admission_center") or actor.kind in ("his", "system")):
        raise Forbidden()
    notice = session.get(AdmissionNotice, notice_id, with_for_update=True)
    if notice is None:
        raise NotFound(N_("Admission notice not found."), code="notice_not_found")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(N_("Give a reason."), code="reason_required", field="reason")
    transition(session, actor, notice, "cancel", reason)
    if notice.bed_id is not None:
        from bedside.admissions import beds

        beds.free_reserved(session, actor, notice.bed_id)
    events.emit(
        session, AdmissionNoticeCancelled(notice_id=notice.id, patient_id=notice.patient_id, reason=reason)
    )
    session.commit()
    return notice


def transition(
    session: Session, actor: Actor, notice: AdmissionNotice, action: str, reason: str | None = None
) -> None:
    old = NoticeState(notice.state)
    try:
        new = NOTICE_MACHINE.next_state(old, action, notice)
    except InvalidTransition as exc:
        raise Conflict(
            N_("This admission notice can no longer be changed this way."), code="notice_invalid_transition"
        ) from exc
    notice.state = new
    session.add(
        NoticeTransition(
            notice_id=notice.id,
            from_state=old,
            action=action,
            to_state=new,
            actor=f"{actor.kind}:{actor.id}",
            reason=reason,
            at=utcnow(),
        )
    )
    audit.record(
        session,
        actor,
        f"admission_notice.{action}",
        "admission_notice",
        notice.id,
        patient_id=notice.patient_id,
        old=old.value,
        new=new.value,
    )


def for_patients(session: Session, patient_ids: set[int]) -> list[AdmissionNotice]:
    if not patient_ids:
        return []
    return list(
        session.scalars(
            select(AdmissionNotice)
            .where(AdmissionNotice.patient_id.in_(patient_ids))
            .order_by(AdmissionNotice.issued_at.desc())
        )
    )


def get(session: Session, notice_id: int) -> AdmissionNotice:
    notice = session.get(AdmissionNotice, notice_id)
    if notice is None:
        raise NotFound(N_("Admission notice not found."), code="notice_not_found")
    return notice


def read_for_staff(session: Session, actor: Actor, notice_id: int) -> AdmissionNotice:
    """A notice carries a diagnosis: a staff read of it is audited like any personal data."""
    if actor.kind != "staff":
        raise Forbidden()
    notice = get(session, notice_id)
    audit.record(
        session, actor, "admission_notice.read", "admission_notice", notice.id, patient_id=notice.patient_id
    )
    session.commit()
    return notice


def get_for_patients(session: Session, notice_id: int, patient_ids: set[int]) -> AdmissionNotice:
    """A notice only if it belongs to one of these patients; otherwise 'not found'."""
    notice = session.get(AdmissionNotice, notice_id)
    if notice is None or notice.patient_id not in patient_ids:
        raise NotFound(N_("Admission notice not found."), code="notice_not_found")
    return notice


def recent_for_staff(
    session: Session, actor: Actor, limit: int = 50, *, q: str = "", where: Any = None
) -> list[AdmissionNotice]:
    """`q`: a search (admissions/lists.py); `where`: the staff member's role scope."""
    from bedside.admissions.lists import search_clause
    from bedside.patients.models import Patient

    if actor.kind != "staff":
        raise Forbidden()
    query = select(AdmissionNotice).order_by(AdmissionNotice.issued_at.desc()).limit(limit)
    if actor.has_role("doctor") and not actor.has_role("admin", "admission_center"):
        query = query.where(AdmissionNotice.issued_by_id == actor.id)
    if where is not None:
        query = query.where(where)
    if (found := search_clause(q)) is not None:
        query = query.join(Patient, Patient.id == AdmissionNotice.patient_id).where(found)
    return list(session.scalars(query))
