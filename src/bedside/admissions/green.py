"""Green channel (绿色通道, seed 004 "开通绿色通道"): an emergency the doctor or the HIS flags is
admitted at once. The admission center assigns the bed without the queue, the stay registers
as soon as it has a bed, the questionnaire and the details wait until after arrival, and the
first deposit is deferred to a due time with reminders: treat first, pay later."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bedside.admissions import service as notices
from bedside.admissions.events import AdmissionRegistered, GreenDepositDue
from bedside.admissions.models import AdmissionNotice
from bedside.admissions.states import AdmissionKind, NoticeState, Priority
from bedside.core import audit, events
from bedside.core.audit import SYSTEM, Actor
from bedside.core.db import utcnow
from bedside.settings import get_settings


def relaxed(notice: AdmissionNotice) -> bool:
    """Whether the stay's blockers, readiness and deposit minimum give way: the hook
    admissions/stay.py consults, so nothing stands between a green-channel patient and the
    ward."""
    return bool(notice.green_channel) and notice.state != NoticeState.CANCELLED


def open_for(session: Session, actor: Actor, notice: AdmissionNotice) -> None:
    """Flags a notice being issued (in the caller's transaction): an emergency, urgent, with
    the deposit due some hours from now."""
    notice.green_channel = True
    notice.kind = AdmissionKind.EMERGENCY
    notice.priority = Priority.URGENT
    notice.deposit_due_at = utcnow() + timedelta(hours=get_settings().green_deposit_hours)
    session.flush()
    audit.record(
        session,
        actor,
        "admission.green_channel",
        "admission_notice",
        notice.id,
        patient_id=notice.patient_id,
        deposit_due_at=notice.deposit_due_at.isoformat(),
    )


def register_on_bed(session: Session, actor: Actor, notice_id: int) -> bool:
    """Called once a bed is assigned: a green-channel stay registers at once, without the
    details, insurance or questionnaires (filled in after arrival), and its bed is held
    until it is taken up rather than expiring."""
    notice = session.get(AdmissionNotice, notice_id, with_for_update=True)
    if notice is None or not notice.green_channel or notice.state != NoticeState.BED_ASSIGNED:
        return False
    notices.transition(session, actor, notice, "register_green", "green_channel")
    notice.registered_at = utcnow()
    notice.assignment_expires_at = None
    events.emit(session, AdmissionRegistered(notice_id=notice.id, patient_id=notice.patient_id))
    session.commit()
    return True


@dataclass(frozen=True)
class DepositStatus:
    due_at: datetime | None
    paid: bool
    overdue: bool


def deposit_status(notice: AdmissionNotice, balance_fen: int, minimum_fen: int) -> DepositStatus | None:
    """What the ward's list shows for a green-channel stay; None for any other stay."""
    if not notice.green_channel:
        return None
    paid = balance_fen >= minimum_fen
    due = notice.deposit_due_at
    return DepositStatus(due_at=due, paid=paid, overdue=bool(due and not paid and due <= utcnow()))


def remind_due(session: Session, now: datetime | None = None) -> int:
    """The timers' pass: each green-channel stay still owing its first deposit is reminded
    every `green_reminder_hours` (the first time as soon as it is admitted); a paid one stops
    being looked at. Returns the reminders sent."""
    from bedside.deposits import service as deposits_service
    from bedside.hospital import service as hospital_service

    now = now or utcnow()
    every = timedelta(hours=get_settings().green_reminder_hours)
    ids = list(
        session.scalars(
            select(AdmissionNotice.id).where(
                AdmissionNotice.green_channel.is_(True),
                AdmissionNotice.deposit_due_at.is_not(None),
                AdmissionNotice.state == NoticeState.ADMITTED,
                or_(
                    AdmissionNotice.deposit_reminded_at.is_(None),
                    AdmissionNotice.deposit_reminded_at <= now - every,
                ),
            )
        )
    )
    session.commit()
    sent = 0
    for notice_id in ids:
        notice = session.get(AdmissionNotice, notice_id, with_for_update=True)
        if notice is None or notice.deposit_due_at is None:
            session.rollback()
            continue
        account = deposits_service.account_for_notice(session, notice.patient_id, notice.id)
        minimum = hospital_service.get_department(session, notice.department_id).suggested_deposit_fen
        if account.balance_fen >= minimum:
            audit.record(
                session,
                SYSTEM,
                "admission.green_deposit_paid",
                "admission_notice",
                notice.id,
                patient_id=notice.patient_id,
            )
            notice.deposit_due_at = None
        else:
            notice.deposit_reminded_at = now
            events.emit(
                session,
                GreenDepositDue(
                    notice_id=notice.id,
                    patient_id=notice.patient_id,
                    due_at=notice.deposit_due_at,
                    amount_fen=minimum - account.balance_fen,
                    overdue=notice.deposit_due_at <= now,
                    at=now,
                ),
            )
            sent += 1
        session.commit()
    return sent
