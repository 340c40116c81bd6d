"""Admission notices (住院证) issued by doctors or received from the HIS, and the admission
stay that grows from each: bed request, bed assignment, registration details, admission."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from bedside.admissions.states import NoticeState
from bedside.core.db import Base, utcnow


class AdmissionNotice(Base):
    __tablename__ = "admission_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    diagnosis: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    priority: Mapped[str] = mapped_column(String(20))
    expected_date: Mapped[date]
    order_package: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default=NoticeState.ISSUED, index=True)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    source: Mapped[str] = mapped_column(String(10), default="console")  # console | his
    his_ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Set when the doctor (or a rule) says self-service must stop at a staffed window.
    review_reason: Mapped[str | None] = mapped_column(String(60))
    # Green channel (绿色通道): admitted at once, details and deposit after arrival (green.py).
    green_channel: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    deposit_due_at: Mapped[datetime | None] = mapped_column(index=True)
    deposit_reminded_at: Mapped[datetime | None]
    # bed request
    bed_requested_at: Mapped[datetime | None]
    earliest_date: Mapped[date | None]
    room_preference: Mapped[str | None] = mapped_column(String(20))
    # bed assignment
    bed_id: Mapped[int | None] = mapped_column(ForeignKey("beds.id"), index=True)
    ward_id: Mapped[int | None] = mapped_column(ForeignKey("wards.id"), index=True)
    bed_loan: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    assigned_at: Mapped[datetime | None]
    assignment_expires_at: Mapped[datetime | None] = mapped_column(index=True)
    # registration and admission
    insurance_type: Mapped[str | None] = mapped_column(String(20))
    insurance_no: Mapped[str | None] = mapped_column(String(32))
    registered_at: Mapped[datetime | None]
    inpatient_no: Mapped[str | None] = mapped_column(String(20), unique=True)
    admitted_at: Mapped[datetime | None]
    arrived_at: Mapped[datetime | None]


class AdmissionDetails(Base):
    """What the patient fills in before admission (入院登记信息)."""

    __tablename__ = "admission_details"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(
        ForeignKey("admission_notices.id", ondelete="CASCADE"), unique=True
    )
    address: Mapped[str] = mapped_column(String(200))
    emergency_name: Mapped[str] = mapped_column(String(50))
    emergency_phone: Mapped[str] = mapped_column(String(20))
    emergency_relation: Mapped[str] = mapped_column(String(20))
    occupation: Mapped[str] = mapped_column(String(50))
    marital_status: Mapped[str] = mapped_column(String(20))
    allergies: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AssessmentRecord(Base):
    """A pre-admission risk assessment as answered; the score and level are kept as computed
    at the time, so a later change of the questionnaire does not rewrite history."""

    __tablename__ = "admission_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("admission_notices.id", ondelete="CASCADE"), index=True)
    questionnaire: Mapped[str] = mapped_column(String(40))
    version: Mapped[str] = mapped_column(String(20))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    score: Mapped[int]
    level: Mapped[str] = mapped_column(String(20))
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    answered_by: Mapped[str] = mapped_column(String(100))
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)


class NoticeTransition(Base):
    """History row written by every state change of a notice."""

    __tablename__ = "admission_notice_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("admission_notices.id", ondelete="CASCADE"), index=True)
    from_state: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(30))
    to_state: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(default=utcnow)
