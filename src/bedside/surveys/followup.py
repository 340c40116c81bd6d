"""Follow-up after discharge: the daily job that sends due questionnaires and reminders, the
patient's answers (worrying ones flag the ward's nurses), and follow-up appointments."""

from __future__ import annotations

import hashlib
import logging
import threading
import time as monotonic
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bedside.accounts import service as accounts_service
from bedside.accounts.models import AccountPatient
from bedside.admissions import service as admissions_service
from bedside.admissions.models import AdmissionNotice
from bedside.core import audit, events
from bedside.core.audit import Actor
from bedside.core.clock import local_today
from bedside.core.db import utcnow
from bedside.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from bedside.core.i18n import N_
from bedside.discharge.models import Discharge
from bedside.notifications import service as notifications
from bedside.patients import service as patients_service
from bedside.settings import get_settings
from bedside.staff.models import StaffUser
from bedside.surveys import defaults, rules
from bedside.surveys.definitions import worrying
from bedside.surveys.events import FollowUpFlagged
from bedside.surveys.models import FollowUp, FollowUpAppointment, FollowUpPlan, Questionnaire
from bedside.surveys.plans import active_items
from bedside.surveys.service import (
    FOLLOW_UP_OPEN_DAYS,
    check_or_raise,
    current,
    definition_of,
    ensure_defaults,
    get_questionnaire,
)

log = logging.getLogger(__name__)
MAX_PLACE = 200
MAX_NOTE = 300


def _tz_day(at: datetime) -> date:
    return at.astimezone(get_settings().tz).date()


def _local_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=get_settings().tz).astimezone(UTC)


# -- the job ----------------------------------------------------------------------------------


def create_due(session: Session, today: date) -> int:
    """Creates and pushes every follow-up whose day has come (within the grace window) for the
    stays discharged recently, by the department's plan or the default one."""
    plans = list(session.scalars(select(FollowUpPlan)))
    fallback = max(day for day, _, _ in defaults.DEFAULT_PLAN)
    longest = max((item.day_offset for p in plans for item in active_items(p)), default=fallback)
    since = _local_start(today - timedelta(days=max(longest, fallback) + rules.GRACE_DAYS + 1))
    stays = session.execute(
        select(Discharge.discharged_at, AdmissionNotice)
        .join(AdmissionNotice, AdmissionNotice.id == Discharge.notice_id)
        .where(Discharge.state == "discharged", Discharge.discharged_at >= since)
        .order_by(Discharge.discharged_at)
    ).all()
    if not stays:
        return 0  # an idle hospital: the job writes nothing
    if not any(p.department_id is None for p in plans):
        ensure_defaults(session)
        plans = list(session.scalars(select(FollowUpPlan)))
    default = next((p for p in plans if p.department_id is None), None)
    by_department = {p.department_id: p for p in plans if p.department_id is not None}
    sent = session.execute(
        select(FollowUp.notice_id, FollowUp.plan_item_id, FollowUp.day_offset).where(
            FollowUp.notice_id.in_([n.id for _, n in stays])
        )
    ).all()
    existing = {(notice_id, item_id) for notice_id, item_id, _ in sent}
    # A stay that already had its day-N questionnaire (from the default plan, or from an item
    # since removed and added again) is not asked again when the department's plan changes.
    existing_days = {(notice_id, day) for notice_id, _, day in sent}
    questionnaires: dict[str, Questionnaire | None] = {}
    created = 0
    for discharged_at, notice in stays:
        plan = by_department.get(notice.department_id, default)
        if plan is None or discharged_at is None:
            continue
        discharged_on = _tz_day(discharged_at)
        for item in active_items(plan):
            if (notice.id, item.id) in existing or (notice.id, item.day_offset) in existing_days:
                continue
            if not rules.is_due(discharged_on, item.day_offset, today):
                continue
            if item.questionnaire_code not in questionnaires:
                questionnaires[item.questionnaire_code] = current(session, item.questionnaire_code)
            questionnaire = questionnaires[item.questionnaire_code]
            if questionnaire is None:
                log.warning(
                    "follow-up plan %s names unknown questionnaire %s", plan.id, item.questionnaire_code
                )
                continue
            row = FollowUp(
                notice_id=notice.id,
                patient_id=notice.patient_id,
                plan_item_id=item.id,
                department_id=notice.department_id,
                ward_id=notice.ward_id,
                questionnaire_id=questionnaire.id,
                day_offset=item.day_offset,
                due_on=rules.due_on(discharged_on, item.day_offset),
                remind_after_days=item.remind_after_days,
            )
            try:
                with session.begin_nested():
                    session.add(row)
                    session.flush()
            except IntegrityError:
                continue  # another worker created it a moment ago
            _push(session, row, "follow_up_due", f"follow_up:{row.id}")
            created += 1
    session.commit()
    return created


def _push(session: Session, row: FollowUp, template: str, dedupe_key: str) -> None:
    notifications.deliver(
        session,
        accounts_service.account_ids_for(session, row.patient_id),
        template=template,
        params={"patient": patients_service.get(session, row.patient_id).name, "days": row.day_offset},
        dedupe_key=dedupe_key,
        patient_id=row.patient_id,
        link=f"/phone/followups/{row.id}",
    )


def send_reminders(session: Session, today: date) -> int:
    """One reminder per unanswered follow-up, once its plan item's wait has passed."""
    rows = list(
        session.scalars(
            select(FollowUp).where(
                FollowUp.answered_at.is_(None),
                FollowUp.reminded_at.is_(None),
                FollowUp.due_on >= today - timedelta(days=FOLLOW_UP_OPEN_DAYS),
            )
        )
    )
    sent = 0
    for row in rows:
        if not rules.reminder_due(row.due_on, row.remind_after_days, today):
            continue
        claimed = session.execute(
            update(FollowUp)
            .where(FollowUp.id == row.id, FollowUp.reminded_at.is_(None))
            .values(reminded_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if getattr(claimed, "rowcount", 0) == 1:
            _push(session, row, "follow_up_reminder", f"follow_up_reminder:{row.id}")
            sent += 1
    session.commit()
    return sent


def remind_appointments(session: Session, today: date, now: datetime | None = None) -> int:
    now = now or utcnow()
    rows = list(
        session.scalars(
            select(FollowUpAppointment).where(
                FollowUpAppointment.reminded_at.is_(None),
                FollowUpAppointment.cancelled_at.is_(None),
                FollowUpAppointment.at > now,
                FollowUpAppointment.at < now + timedelta(days=2),
            )
        )
    )
    tz = get_settings().tz
    sent = 0
    for row in rows:
        local = row.at.astimezone(tz)
        if not rules.appointment_reminder_due(local.date(), today):
            continue
        # Conditional, so an appointment changed or cancelled meanwhile is not reminded as it was.
        claimed = session.execute(
            update(FollowUpAppointment)
            .where(
                FollowUpAppointment.id == row.id,
                FollowUpAppointment.reminded_at.is_(None),
                FollowUpAppointment.cancelled_at.is_(None),
                FollowUpAppointment.at == row.at,
            )
            .values(reminded_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if getattr(claimed, "rowcount", 0) != 1:
            continue
        _tell(session, row, "follow_up_appointment", _reminder_key(row))
        sent += 1
    session.commit()
    return sent


def _reminder_key(row: FollowUpAppointment) -> str:
    # One reminder per time and place: a changed appointment is reminded again.
    digest = hashlib.sha256(f"{row.at.astimezone(UTC).isoformat()}|{row.place}".encode()).hexdigest()
    return f"appointment_reminder:{row.id}:{digest[:16]}"


def _tell(session: Session, row: FollowUpAppointment, template: str, dedupe_key: str) -> None:
    local = row.at.astimezone(get_settings().tz)
    notifications.deliver(
        session,
        accounts_service.account_ids_for(session, row.patient_id),
        template=template,
        params={
            "patient": patients_service.get(session, row.patient_id).name,
            "date": local.strftime("%Y-%m-%d"),
            "time": local.strftime("%H:%M"),
            "place": row.place,
        },
        dedupe_key=dedupe_key,
        patient_id=row.patient_id,
        link="/phone/surveys",
    )


def run(factory: sessionmaker[Session], today: date | None = None, now: datetime | None = None) -> None:
    today = today or local_today()
    with factory() as session:
        create_due(session, today)
    with factory() as session:
        send_reminders(session, today)
    with factory() as session:
        remind_appointments(session, today, now)


EVERY_SECONDS = 300.0
_last_run = {"at": -EVERY_SECONDS}
_lock = threading.Lock()


def run_periodically(factory: sessionmaker[Session]) -> None:
    """Called every second by the timers loop; does the work every few minutes (an appointment
    booked this afternoon for tomorrow must still be reminded today)."""
    with _lock:
        if monotonic.monotonic() - _last_run["at"] < EVERY_SECONDS:
            return
        _last_run["at"] = monotonic.monotonic()
    try:
        run(factory)
    except Exception:  # noqa: BLE001 - the timers loop's other work must still run
        log.exception("follow-up job failed; it runs again in %s s", EVERY_SECONDS)


# -- answering --------------------------------------------------------------------------------


def follow_up_for(session: Session, follow_up_id: int, patient_ids: set[int]) -> FollowUp:
    row = session.get(FollowUp, follow_up_id)
    if row is None or row.patient_id not in patient_ids:
        raise NotFound(N_("Follow-up not found."), code="follow_up_not_found")
    return row


def answer(
    session: Session, actor: Actor, follow_up_id: int, form: Mapping[str, str], locale: str = "zh_CN"
) -> FollowUp:
    if actor.kind != "account" or actor.id is None:
        raise Forbidden()
    patient_ids = set(
        session.scalars(select(AccountPatient.patient_id).where(AccountPatient.account_id == actor.id))
    )
    row = follow_up_for(session, follow_up_id, patient_ids)
    if row.answered_at is not None:
        raise Conflict(
            N_("These questions have already been answered. Thank you."), code="follow_up_answered"
        )
    definition = definition_of(get_questionnaire(session, row.questionnaire_id))
    answers = check_or_raise(definition, form, locale)
    flags = worrying(definition, answers)
    done = session.execute(
        update(FollowUp)
        .where(FollowUp.id == row.id, FollowUp.answered_at.is_(None))
        .values(
            answers=answers,
            answered_at=utcnow(),
            answered_by_account_id=actor.id,
            flagged=bool(flags),
            flag_items=flags,
        )
        .execution_options(synchronize_session=False)
    )
    if getattr(done, "rowcount", 0) != 1:
        session.rollback()
        raise Conflict(
            N_("These questions have already been answered. Thank you."), code="follow_up_answered"
        )
    audit.record(
        session,
        actor,
        "follow_up.answer",
        "follow_up",
        row.id,
        patient_id=row.patient_id,
        flagged=bool(flags),
    )
    if flags:
        events.emit(
            session,
            FollowUpFlagged(
                follow_up_id=row.id, notice_id=row.notice_id, patient_id=row.patient_id, ward_id=row.ward_id
            ),
        )
    session.commit()
    session.refresh(row)
    return row


def for_patients(session: Session, patient_ids: set[int]) -> list[FollowUp]:
    if not patient_ids:
        return []
    return list(
        session.scalars(
            select(FollowUp)
            .where(FollowUp.patient_id.in_(patient_ids))
            .order_by(FollowUp.due_on.desc(), FollowUp.id.desc())
        )
    )


def for_notice(session: Session, notice_id: int) -> list[FollowUp]:
    return list(
        session.scalars(select(FollowUp).where(FollowUp.notice_id == notice_id).order_by(FollowUp.due_on))
    )


# -- nurses' flags ----------------------------------------------------------------------------


def _scoped(stmt, user: StaffUser):  # type: ignore[no-untyped-def]
    # A nurse sees their ward; one without a ward their department; one with neither, all.
    if user.ward_id is not None:
        return stmt.where(FollowUp.ward_id == user.ward_id)
    if user.department_id is not None:
        return stmt.where(FollowUp.department_id == user.department_id)
    return stmt


def flags_for(session: Session, user: StaffUser, *, acknowledged: bool = False) -> list[FollowUp]:
    stmt = select(FollowUp).where(FollowUp.flagged.is_(True))
    stmt = stmt.where(
        FollowUp.acknowledged_at.is_not(None) if acknowledged else FollowUp.acknowledged_at.is_(None)
    )
    return list(session.scalars(_scoped(stmt, user).order_by(FollowUp.answered_at.desc()).limit(200)))


def open_flag_count(session: Session, user: StaffUser) -> int:
    stmt = (
        select(func.count())
        .select_from(FollowUp)
        .where(FollowUp.flagged.is_(True), FollowUp.acknowledged_at.is_(None))
    )
    return session.scalar(_scoped(stmt, user)) or 0


def acknowledge(session: Session, actor: Actor, user: StaffUser, follow_up_id: int) -> FollowUp:
    if not actor.has_role("nurse"):
        raise Forbidden()
    row = session.scalar(
        _scoped(select(FollowUp).where(FollowUp.id == follow_up_id, FollowUp.flagged.is_(True)), user)
    )
    if row is None:
        raise NotFound(N_("Follow-up not found."), code="follow_up_not_found")
    if row.acknowledged_at is None:
        row.acknowledged_at, row.acknowledged_by = utcnow(), actor.label[:100]
        audit.record(session, actor, "follow_up.acknowledge", "follow_up", row.id, patient_id=row.patient_id)
        session.commit()
    return row


# -- appointments -----------------------------------------------------------------------------


@dataclass(frozen=True)
class AppointmentIn:
    day: str
    time: str
    place: str
    note: str = ""


def _checked(data: AppointmentIn) -> tuple[datetime, str, str]:
    """(when in UTC, place, note) of a valid appointment, or InvalidInput."""
    try:
        day = date.fromisoformat(data.day.strip())
        clock = time.fromisoformat(data.time.strip())
    except ValueError:
        raise InvalidInput(
            N_("Give the appointment's date and time."), code="invalid_appointment_time", field="day"
        ) from None
    at = datetime.combine(day, clock.replace(tzinfo=None), tzinfo=get_settings().tz).astimezone(UTC)
    now = utcnow()
    if not now < at <= now + timedelta(days=366):
        raise InvalidInput(
            N_("The appointment must be within the next year."), code="invalid_appointment_time", field="day"
        )
    place, note = data.place.strip(), data.note.strip()
    if not place or len(place) > MAX_PLACE:
        raise InvalidInput(N_("Say where the appointment is."), code="invalid_place", field="place")
    if len(note) > MAX_NOTE:
        raise InvalidInput(N_("The note is too long."), code="invalid_note", field="note")
    return at, place, note


def add_appointment(
    session: Session, actor: Actor, notice_id: int, data: AppointmentIn
) -> FollowUpAppointment:
    if not actor.has_role("nurse", "doctor"):
        raise Forbidden()
    notice = admissions_service.get(session, notice_id)
    at, place, note = _checked(data)
    row = FollowUpAppointment(
        notice_id=notice.id,
        patient_id=notice.patient_id,
        at=at,
        place=place,
        note=note or None,
        created_by=actor.label[:100],
    )
    session.add(row)
    session.flush()
    audit.record(
        session, actor, "follow_up.appointment", "follow_up_appointment", row.id, patient_id=notice.patient_id
    )
    session.commit()
    return row


def _appointment(session: Session, notice_id: int, appointment_id: int) -> FollowUpAppointment:
    row = session.scalar(
        select(FollowUpAppointment)
        .where(FollowUpAppointment.id == appointment_id, FollowUpAppointment.notice_id == notice_id)
        .with_for_update()
    )
    if row is None:
        raise NotFound(N_("Appointment not found."), code="appointment_not_found")
    if row.cancelled_at is not None:
        raise Conflict(N_("This appointment was cancelled."), code="appointment_cancelled")
    if row.at <= utcnow():
        raise Conflict(N_("This appointment has already taken place."), code="appointment_past")
    return row


def _snapshot(row: FollowUpAppointment) -> dict[str, str]:
    return {"at": row.at.astimezone(UTC).isoformat(), "place": row.place, "note": row.note or ""}


def change_appointment(
    session: Session, actor: Actor, notice_id: int, appointment_id: int, data: AppointmentIn
) -> FollowUpAppointment:
    """New time, place or note. The patient is told at once, and a new time or place is
    reminded again the day before (even if the old one already was)."""
    if not actor.has_role("nurse", "doctor"):
        raise Forbidden()
    row = _appointment(session, notice_id, appointment_id)
    at, place, note = _checked(data)
    old = _snapshot(row)
    moved = at != row.at or place != row.place
    if not moved and (row.note or "") == note:
        session.rollback()
        return row  # nothing changed: no audit, no message
    row.at, row.place, row.note = at, place, note or None
    if moved:
        row.reminded_at = None
    session.flush()
    audit.record(
        session,
        actor,
        "follow_up.appointment_change",
        "follow_up_appointment",
        row.id,
        patient_id=row.patient_id,
        old=old,
        new=_snapshot(row),
    )
    if moved:
        _tell(session, row, "follow_up_appointment_changed", f"appointment_changed:{_reminder_key(row)}")
    session.commit()
    return row


def cancel_appointment(session: Session, actor: Actor, notice_id: int, appointment_id: int) -> None:
    """Marks the appointment cancelled (kept on both screens, never reminded) and tells the
    patient."""
    if not actor.has_role("nurse", "doctor"):
        raise Forbidden()
    row = _appointment(session, notice_id, appointment_id)
    audit.record(
        session,
        actor,
        "follow_up.appointment_cancel",
        "follow_up_appointment",
        row.id,
        patient_id=row.patient_id,
        **_snapshot(row),
    )
    _tell(session, row, "follow_up_appointment_cancelled", f"appointment_cancelled:{row.id}")
    row.cancelled_at = utcnow()
    row.cancelled_by = actor.label
    session.commit()


def appointments_for_patients(
    session: Session, patient_ids: set[int], upcoming: bool = True
) -> list[FollowUpAppointment]:
    if not patient_ids:
        return []
    stmt = select(FollowUpAppointment).where(FollowUpAppointment.patient_id.in_(patient_ids))
    if upcoming:
        stmt = stmt.where(FollowUpAppointment.at > utcnow() - timedelta(hours=12))
    return list(session.scalars(stmt.order_by(FollowUpAppointment.at)))


def appointments_for_notice(session: Session, notice_id: int) -> list[FollowUpAppointment]:
    return list(
        session.scalars(
            select(FollowUpAppointment)
            .where(FollowUpAppointment.notice_id == notice_id)
            .order_by(FollowUpAppointment.at)
        )
    )


@dataclass(frozen=True)
class DischargedStay:
    notice: AdmissionNotice
    discharged_at: datetime | None
    follow_ups: int
    answered: int
    open_flags: int


def recent_discharges(session: Session, user: StaffUser, days: int = 60) -> list[DischargedStay]:
    stmt = (
        select(AdmissionNotice, Discharge.discharged_at)
        .join(Discharge, Discharge.notice_id == AdmissionNotice.id)
        .where(Discharge.state == "discharged", Discharge.discharged_at >= utcnow() - timedelta(days=days))
        .order_by(Discharge.discharged_at.desc())
        .limit(300)
    )
    if user.ward_id is not None:
        stmt = stmt.where(AdmissionNotice.ward_id == user.ward_id)
    elif user.department_id is not None:
        stmt = stmt.where(AdmissionNotice.department_id == user.department_id)
    out = []
    for notice, at in session.execute(stmt).all():
        rows = for_notice(session, notice.id)
        out.append(
            DischargedStay(
                notice,
                at,
                len(rows),
                sum(1 for r in rows if r.answered_at),
                sum(1 for r in rows if r.flagged and r.acknowledged_at is None),
            )
        )
    return out
