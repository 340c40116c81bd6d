"""What admissions announce."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bedside.core.events import Event, event_type


@event_type("admissions.notice_issued")
@dataclass(frozen=True)
class AdmissionNoticeIssued(Event):
    notice_id: int
    patient_id: int
    department_id: int
    expected_date: date
    kind: str


@event_type("admissions.notice_cancelled")
@dataclass(frozen=True)
class AdmissionNoticeCancelled(Event):
    notice_id: int
    patient_id: int
    reason: str
