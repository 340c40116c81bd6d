"""What a patient account sees of the patients it acts for (masked identifiers)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel


class MyPatientOut(BaseModel):
    id: int
    name: str
    gender: str
    birth_date: date
    relation: str
    resident_id_masked: str


class NextStepOut(BaseModel):
    patient_id: int
    code: str
    title: str
    reason: str
    action: str | None
    url: str | None
