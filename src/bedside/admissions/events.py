"""What admissions announce."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

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


@event_type("admissions.bed_requested")
@dataclass(frozen=True)
class BedRequested(Event):
    notice_id: int
    patient_id: int
    department_id: int


@event_type("admissions.bed_assigned")
@dataclass(frozen=True)
class BedAssigned(Event):
    notice_id: int
    patient_id: int
    bed_id: int
    ward_id: int
    loan: bool


@event_type("admissions.bed_assignment_expired")
@dataclass(frozen=True)
class BedAssignmentExpired(Event):
    notice_id: int
    patient_id: int
    bed_id: int


@event_type("admissions.registered")
@dataclass(frozen=True)
class AdmissionRegistered(Event):
    notice_id: int
    patient_id: int


@event_type("admissions.admitted")
@dataclass(frozen=True)
class PatientAdmitted(Event):
    notice_id: int
    patient_id: int
    bed_id: int
    ward_id: int
    inpatient_no: str


@event_type("admissions.green_deposit_due")
@dataclass(frozen=True)
class GreenDepositDue(Event):
    """A green-channel stay still owes its first deposit (one event per reminder)."""

    notice_id: int
    patient_id: int
    due_at: datetime
    amount_fen: int
    overdue: bool
    at: datetime
