"""Exam appointments coming up for the patient's screens. Receiving them from the HIS is
reports.exam_feed, re-exported here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bedside.core.db import utcnow
from bedside.reports.exam_feed import MAX_BATCH as MAX_BATCH
from bedside.reports.exam_feed import ExamIn as ExamIn
from bedside.reports.exam_feed import ExamResult as ExamResult
from bedside.reports.exam_feed import Outcome as Outcome
from bedside.reports.exam_feed import receive as receive
from bedside.reports.exam_feed import receive_many as receive_many
from bedside.reports.models import ExamAppointment
from bedside.reports.states import ExamState
from bedside.settings import get_settings


@dataclass(frozen=True)
class UpcomingExam:
    id: int
    notice_id: int
    title: str
    place: str
    scheduled_at: datetime
    preparation: str | None


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
