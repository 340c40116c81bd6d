"""Pydantic shapes of admission notices in and out."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from bedside.admissions.states import AdmissionKind, Priority

MAX_ID = 2**31 - 1  # row ids are 32-bit integers on PostgreSQL


class NoticeIn(BaseModel):
    patient_id: int = Field(gt=0, le=MAX_ID)
    department_id: int = Field(gt=0, le=MAX_ID)
    diagnosis: str = Field(min_length=1, max_length=200)
    kind: AdmissionKind = AdmissionKind.ELECTIVE
    priority: Priority = Priority.ROUTINE
    expected_date: date
    order_package: str | None = Field(default=None, max_length=100)
    note: str | None = Field(default=None, max_length=1000)
    # Green channel (绿色通道): an emergency admitted at once, paying later (admissions/green.py).
    green_channel: bool = False


class CancelIn(BaseModel):
    reason: str = Field(min_length=1, max_length=200)


class NoticeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    patient_id: int
    department_id: int
    diagnosis: str
    kind: str
    priority: str
    expected_date: date
    order_package: str | None
    state: str
    issued_at: datetime
    green_channel: bool = False
    deposit_due_at: datetime | None = None
