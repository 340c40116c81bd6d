"""What reports announce."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bedside.core.events import Event, event_type


@event_type("reports.ready")
@dataclass(frozen=True)
class ReportReady(Event):
    report_id: int
    patient_id: int
    title: str


@event_type("reports.exam_scheduled")
@dataclass(frozen=True)
class ExamScheduled(Event):
    exam_id: int
    patient_id: int
    notice_id: int
    title: str
    place: str
    scheduled_at: datetime
    preparation: str


@event_type("reports.exam_changed")
@dataclass(frozen=True)
class ExamChanged(Event):
    """A new time, place or preparation; `revision` tells one change from the next."""

    exam_id: int
    patient_id: int
    notice_id: int
    revision: int
    title: str
    place: str
    scheduled_at: datetime
    preparation: str


@event_type("reports.exam_cancelled")
@dataclass(frozen=True)
class ExamCancelled(Event):
    exam_id: int
    patient_id: int
    notice_id: int
    title: str
    place: str
    scheduled_at: datetime
