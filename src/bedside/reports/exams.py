"""Exam appointments from the HIS feed: booked, moved, cancelled or done, idempotent on the
HIS's reference, and the ones coming up for the patient's screens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bedside.admissions.models import AdmissionNotice
from bedside.core import audit, events
from bedside.core.audit import Actor
from bedside.core.db import utcnow
from bedside.core.errors import Conflict, InvalidInput, NotFound
from bedside.core.i18n import N_
from bedside.core.states import InvalidTransition
from bedside.reports.events import ExamCancelled, ExamChanged, ExamScheduled
from bedside.reports.models import ExamAppointment
from bedside.reports.states import EXAM_MACHINE, ExamState
from bedside.settings import get_settings

# The HIS may send a booking late (the exam was this morning); older than this is a mistake.
PAST_GRACE = timedelta(days=1)
FUTURE_LIMIT = timedelta(days=366)

Outcome = Literal["created", "unchanged", "changed", "cancelled", "done"]


class ExamIn(BaseModel):
    his_ref: str = Field(min_length=1, max_length=64)
    # Required to book or move; a cancellation needs only the reference.
    title: str | None = Field(default=None, max_length=200)
    place: str | None = Field(default=None, max_length=200)
    scheduled_at: datetime | None = None
    preparation: str | None = Field(default=None, max_length=500)
    cancelled: bool = False
    done: bool = False


@dataclass(frozen=True)
class _Booking:
    title: str
    place: str
    scheduled_at: datetime
    preparation: str | None


@dataclass(frozen=True)
class UpcomingExam:
    id: int
    notice_id: int
    title: str
    place: str
    scheduled_at: datetime
    preparation: str | None


def _stay(session: Session, inpatient_no: str) -> AdmissionNotice:
    notice = (
        session.scalar(select(AdmissionNotice).where(AdmissionNotice.inpatient_no == inpatient_no))
        if 0 < len(inpatient_no) <= 20
        else None
    )
    if notice is None:
        raise NotFound(N_("No stay has this inpatient number."), code="stay_not_found")
    return notice


def _booking(data: ExamIn) -> _Booking:
    title = (data.title or "").strip()
    place = (data.place or "").strip()
    if not title:
        raise InvalidInput(N_("Name the exam."), code="invalid_exam_title", field="title")
    if not place:
        raise InvalidInput(N_("Say where the exam is."), code="invalid_place", field="place")
    at = data.scheduled_at
    if at is None:
        raise InvalidInput(N_("Give the exam's time."), code="invalid_exam_time", field="scheduled_at")
    if at.tzinfo is None:
        raise InvalidInput(
            N_("Give the exam time with its time zone."), code="naive_time", field="scheduled_at"
        )
    return _Booking(title, place, at.astimezone(UTC), (data.preparation or "").strip() or None)


def _check_time(b: _Booking, now: datetime) -> None:
    if b.scheduled_at < now - PAST_GRACE:
        raise InvalidInput(N_("The exam time is in the past."), code="exam_time_past", field="scheduled_at")
    if b.scheduled_at > now + FUTURE_LIMIT:
        raise InvalidInput(
            N_("The exam must be within the next year."), code="exam_time_too_far", field="scheduled_at"
        )


def _same(row: ExamAppointment, b: _Booking) -> bool:
    return (row.title, row.place, row.scheduled_at, row.preparation) == (
        b.title,
        b.place,
        b.scheduled_at,
        b.preparation,
    )


def _snapshot(row: ExamAppointment) -> dict[str, str]:
    return {
        "title": row.title,
        "place": row.place,
        "scheduled_at": row.scheduled_at.astimezone(UTC).isoformat(),
        "preparation": row.preparation or "",
    }


def _move(row: ExamAppointment, action: str) -> None:
    try:
        row.state = EXAM_MACHINE.next_state(ExamState(row.state), action)
    except InvalidTransition:
        if row.state == ExamState.CANCELLED:
            raise Conflict(
                N_("This exam appointment was cancelled; book a new one."), code="exam_cancelled"
            ) from None
        raise Conflict(N_("This exam has already taken place."), code="exam_done") from None


def receive(
    session: Session, actor: Actor, inpatient_no: str, data: ExamIn, now: datetime | None = None
) -> tuple[ExamAppointment, Outcome]:
    """Books, moves, cancels or closes the appointment named by `his_ref`; a resent message
    changes nothing. All checks come before any write."""
    try:
        return _receive(session, actor, inpatient_no, data, now or utcnow())
    except IntegrityError:
        # The same booking sent twice at once: the other request stored it first.
        session.rollback()
        return _receive(session, actor, inpatient_no, data, now or utcnow())


def _receive(
    session: Session, actor: Actor, inpatient_no: str, data: ExamIn, now: datetime
) -> tuple[ExamAppointment, Outcome]:
    notice = _stay(session, inpatient_no)
    if data.cancelled and data.done:
        raise InvalidInput(N_("An exam cannot be both cancelled and done."), code="invalid_exam_state")
    row = session.scalar(
        select(ExamAppointment).where(ExamAppointment.his_ref == data.his_ref).with_for_update()
    )
    if row is not None and row.notice_id != notice.id:
        raise Conflict(
            N_("This reference belongs to another stay's exam."), code="exam_ref_conflict", field="his_ref"
        )
    if data.cancelled or data.done:
        if row is None:
            raise NotFound(N_("Exam appointment not found."), code="exam_not_found")
        target = ExamState.CANCELLED if data.cancelled else ExamState.DONE
        if row.state == target:
            session.rollback()
            return row, "unchanged"
        _move(row, "cancel" if data.cancelled else "finish")
        row.updated_at = utcnow()
        audit.record(
            session,
            actor,
            f"exam.{'cancel' if data.cancelled else 'finish'}",
            "exam_appointment",
            row.id,
            patient_id=row.patient_id,
        )
        if data.cancelled:
            events.emit(
                session,
                ExamCancelled(
                    exam_id=row.id,
                    patient_id=row.patient_id,
                    notice_id=row.notice_id,
                    title=row.title,
                    place=row.place,
                    scheduled_at=row.scheduled_at,
                ),
            )
        session.commit()
        return row, "cancelled" if data.cancelled else "done"
    booking = _booking(data)
    if row is not None and _same(row, booking):
        # A resend (even a late one, after the exam was cancelled or done) is answered as is.
        session.rollback()
        return row, "unchanged"
    _check_time(booking, now)
    if row is None:
        row = ExamAppointment(
            his_ref=data.his_ref,
            patient_id=notice.patient_id,
            notice_id=notice.id,
            title=booking.title,
            place=booking.place,
            scheduled_at=booking.scheduled_at,
            preparation=booking.preparation,
            state=ExamState.SCHEDULED,
            revision=1,
        )
        session.add(row)
        session.flush()
        audit.record(session, actor, "exam.schedule", "exam_appointment", row.id, patient_id=row.patient_id)
        events.emit(
            session,
            ExamScheduled(
                exam_id=row.id,
                patient_id=row.patient_id,
                notice_id=row.notice_id,
                title=row.title,
                place=row.place,
                scheduled_at=row.scheduled_at,
                preparation=row.preparation or "",
            ),
        )
        session.commit()
        return row, "created"
    _move(row, "change")
    old = _snapshot(row)
    row.title, row.place = booking.title, booking.place
    row.scheduled_at, row.preparation = booking.scheduled_at, booking.preparation
    row.revision += 1
    row.updated_at = utcnow()
    audit.record(
        session,
        actor,
        "exam.change",
        "exam_appointment",
        row.id,
        patient_id=row.patient_id,
        old=old,
        new=_snapshot(row),
    )
    events.emit(
        session,
        ExamChanged(
            exam_id=row.id,
            patient_id=row.patient_id,
            notice_id=row.notice_id,
            revision=row.revision,
            title=row.title,
            place=row.place,
            scheduled_at=row.scheduled_at,
            preparation=row.preparation or "",
        ),
    )
    session.commit()
    return row, "changed"


def _scheduled(
    session: Session, patient_id: int, start: datetime, end: datetime | None
) -> list[UpcomingExam]:
    stmt = select(ExamAppointment).where(
        ExamAppointment.patient_id == patient_id,
        ExamAppointment.state == ExamState.SCHEDULED,
        ExamAppointment.scheduled_at >= start,
    )
    if end is not None:
        stmt = stmt.where(ExamAppointment.scheduled_at < end)
    return [
        UpcomingExam(
            id=r.id,
            notice_id=r.notice_id,
            title=r.title,
            place=r.place,
            scheduled_at=r.scheduled_at,
            preparation=r.preparation,
        )
        for r in session.scalars(stmt.order_by(ExamAppointment.scheduled_at, ExamAppointment.id))
    ]


def upcoming_exams(session: Session, patient_id: int, now: datetime | None = None) -> list[UpcomingExam]:
    """Scheduled exams from now to the end of tomorrow (the hospital's calendar), soonest first."""
    now = now or utcnow()
    tz = get_settings().tz
    day_after = now.astimezone(tz).date() + timedelta(days=2)
    end = datetime.combine(day_after, time(0), tzinfo=tz).astimezone(UTC)
    return _scheduled(session, patient_id, now, end)


def scheduled_exams(session: Session, patient_id: int, now: datetime | None = None) -> list[UpcomingExam]:
    """Every scheduled exam from now on, soonest first (the reports pages)."""
    return _scheduled(session, patient_id, now or utcnow(), None)
