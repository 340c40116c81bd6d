"""Exam appointments from the HIS feed: booked, moved, cancelled or done, idempotent on the
HIS's reference. One message or a batch for a stay: every message is checked before anything
is written, and a batch is stored whole or not at all (see core.bulk)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from bedside.admissions.models import AdmissionNotice
from bedside.core import audit, bulk, events
from bedside.core.audit import Actor
from bedside.core.db import utcnow
from bedside.core.errors import Conflict, InvalidInput, NotFound
from bedside.core.events import Event
from bedside.core.i18n import N_
from bedside.core.states import InvalidTransition
from bedside.reports.events import ExamCancelled, ExamChanged, ExamScheduled
from bedside.reports.models import ExamAppointment
from bedside.reports.states import EXAM_MACHINE, ExamState

# The HIS may send a booking late (the exam was this morning); older than this is a mistake.
PAST_GRACE = timedelta(days=1)
FUTURE_LIMIT = timedelta(days=366)
MAX_BATCH = 500

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
class ExamResult:
    his_ref: str
    id: int
    state: str
    outcome: Outcome


@dataclass(frozen=True)
class _Booking:
    title: str
    place: str
    scheduled_at: datetime
    preparation: str | None


@dataclass(frozen=True)
class _Same:
    """A resend, or a closing already done: answered with the stored appointment."""

    data: ExamIn
    row: ExamAppointment


@dataclass(frozen=True)
class _Book:
    data: ExamIn
    booking: _Booking


@dataclass(frozen=True)
class _Move:
    data: ExamIn
    row: ExamAppointment
    booking: _Booking
    state: ExamState


@dataclass(frozen=True)
class _Close:
    data: ExamIn
    row: ExamAppointment
    outcome: Literal["cancelled", "done"]
    state: ExamState


_Step = _Same | _Book | _Move | _Close
_Trail = list[tuple[str, object, int | None, dict[str, Any]]]


def receive(
    session: Session, actor: Actor, inpatient_no: str, data: ExamIn, now: datetime | None = None
) -> tuple[ExamResult, Outcome]:
    """Books, moves, cancels or closes the appointment named by `his_ref`; a resent message
    changes nothing."""
    result = receive_many(session, actor, inpatient_no, [data], now)[0]
    return result, result.outcome


def receive_many(
    session: Session, actor: Actor, inpatient_no: str, batch: Sequence[ExamIn], now: datetime | None = None
) -> list[ExamResult]:
    """`receive` for each message of a batch for one stay, all or nothing; a reference may
    appear once (its messages' order within a batch would be a guess)."""
    if not batch or len(batch) > MAX_BATCH:
        raise InvalidInput(N_("Send between 1 and 500 exam appointments at a time."), code="invalid_batch")
    refs = [d.his_ref for d in batch]
    if len(set(refs)) != len(refs):
        raise InvalidInput(N_("An exam appears twice in the batch."), code="duplicate_exam")
    at = now or utcnow()

    def attempt(phases: bulk.Phases) -> list[ExamResult]:
        notice = _stay(session, inpatient_no)
        steps = _plan(notice, batch, _rows(session, refs, lock=False), at)
        if all(isinstance(s, _Same) for s in steps):
            return [_result(s) for s in steps if isinstance(s, _Same)]
        with phases.writing():
            # Locked and read afresh: another message for the same exam may have come since.
            steps = _plan(notice, batch, _rows(session, refs, lock=True), at)
            return _apply(session, actor, notice, steps)

    return bulk.run(session, attempt)


def _stay(session: Session, inpatient_no: str) -> AdmissionNotice:
    notice = (
        session.scalar(select(AdmissionNotice).where(AdmissionNotice.inpatient_no == inpatient_no))
        if 0 < len(inpatient_no) <= 20
        else None
    )
    if notice is None:
        raise NotFound(N_("No stay has this inpatient number."), code="stay_not_found")
    return notice


def _rows(session: Session, refs: list[str], *, lock: bool) -> dict[str, ExamAppointment]:
    query = select(ExamAppointment).where(ExamAppointment.his_ref.in_(refs))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return {row.his_ref: row for row in session.scalars(query)}


def _plan(
    notice: AdmissionNotice, batch: Sequence[ExamIn], rows: dict[str, ExamAppointment], now: datetime
) -> list[_Step]:
    return [_step(notice, data, rows.get(data.his_ref), now) for data in batch]


def _step(notice: AdmissionNotice, data: ExamIn, row: ExamAppointment | None, now: datetime) -> _Step:
    if data.cancelled and data.done:
        raise InvalidInput(N_("An exam cannot be both cancelled and done."), code="invalid_exam_state")
    if row is not None and row.notice_id != notice.id:
        raise Conflict(
            N_("This reference belongs to another stay's exam."), code="exam_ref_conflict", field="his_ref"
        )
    if data.cancelled or data.done:
        if row is None:
            raise NotFound(N_("Exam appointment not found."), code="exam_not_found")
        target = ExamState.CANCELLED if data.cancelled else ExamState.DONE
        if row.state == target:
            return _Same(data, row)
        _next(row, "cancel" if data.cancelled else "finish")
        return _Close(data, row, "cancelled" if data.cancelled else "done", target)
    booking = _booking(data)
    if row is not None and _same(row, booking):
        # A resend (even a late one, after the exam was cancelled or done) is answered as is.
        return _Same(data, row)
    _check_time(booking, now)
    if row is None:
        return _Book(data, booking)
    return _Move(data, row, booking, _next(row, "change"))


def _next(row: ExamAppointment, action: str) -> ExamState:
    try:
        return EXAM_MACHINE.next_state(ExamState(row.state), action)
    except InvalidTransition:
        if row.state == ExamState.CANCELLED:
            raise Conflict(
                N_("This exam appointment was cancelled; book a new one."), code="exam_cancelled"
            ) from None
        raise Conflict(N_("This exam has already taken place."), code="exam_done") from None


def _apply(session: Session, actor: Actor, notice: AdmissionNotice, steps: list[_Step]) -> list[ExamResult]:
    now = utcnow()
    books = [s for s in steps if isinstance(s, _Book)]
    new_ids = bulk.insert_ids(
        session,
        ExamAppointment,
        [_new_row(notice, s, now) for s in books],
    )
    booked = dict(zip((s.data.his_ref for s in books), new_ids, strict=True))
    results: list[ExamResult] = []
    trail: _Trail = []
    announce: list[Event] = []
    for s in steps:
        if isinstance(s, _Book):
            exam_id, b = booked[s.data.his_ref], s.booking
            trail.append(("exam.schedule", exam_id, notice.patient_id, {}))
            announce.append(
                ExamScheduled(
                    exam_id=exam_id,
                    patient_id=notice.patient_id,
                    notice_id=notice.id,
                    title=b.title,
                    place=b.place,
                    scheduled_at=b.scheduled_at,
                    preparation=b.preparation or "",
                )
            )
            results.append(ExamResult(s.data.his_ref, exam_id, ExamState.SCHEDULED, "created"))
        elif isinstance(s, _Close):
            results.append(_close(s, now, trail, announce))
        elif isinstance(s, _Move):
            results.append(_move(s, now, trail, announce))
        else:
            results.append(_result(s))
    session.flush()  # the moved and closed exams: one UPDATE per kind of change
    audit.record_many(session, actor, "exam_appointment", trail)
    events.emit_many(session, announce)
    return results


def _close(s: _Close, now: datetime, trail: _Trail, announce: list[Event]) -> ExamResult:
    row = s.row
    row.state = s.state
    row.updated_at = now
    trail.append(("exam.cancel" if s.outcome == "cancelled" else "exam.finish", row.id, row.patient_id, {}))
    if s.outcome == "cancelled":
        announce.append(
            ExamCancelled(
                exam_id=row.id,
                patient_id=row.patient_id,
                notice_id=row.notice_id,
                title=row.title,
                place=row.place,
                scheduled_at=row.scheduled_at,
            )
        )
    return ExamResult(s.data.his_ref, row.id, row.state, s.outcome)


def _move(s: _Move, now: datetime, trail: _Trail, announce: list[Event]) -> ExamResult:
    row, b = s.row, s.booking
    old = _snapshot(row)
    row.state = s.state
    row.title, row.place = b.title, b.place
    row.scheduled_at, row.preparation = b.scheduled_at, b.preparation
    row.revision += 1
    row.updated_at = now
    trail.append(("exam.change", row.id, row.patient_id, {"old": old, "new": _snapshot(row)}))
    announce.append(
        ExamChanged(
            exam_id=row.id,
            patient_id=row.patient_id,
            notice_id=row.notice_id,
            revision=row.revision,
            title=row.title,
            place=row.place,
            scheduled_at=row.scheduled_at,
            preparation=row.preparation or "",
        )
    )
    return ExamResult(s.data.his_ref, row.id, row.state, "changed")


def _new_row(notice: AdmissionNotice, s: _Book, now: datetime) -> dict[str, Any]:
    return {
        "his_ref": s.data.his_ref,
        "patient_id": notice.patient_id,
        "notice_id": notice.id,
        "title": s.booking.title,
        "place": s.booking.place,
        "scheduled_at": s.booking.scheduled_at,
        "preparation": s.booking.preparation,
        "state": ExamState.SCHEDULED.value,
        "revision": 1,
        "received_at": now,
        "updated_at": None,
    }


def _result(s: _Same) -> ExamResult:
    return ExamResult(s.data.his_ref, s.row.id, s.row.state, "unchanged")


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
