"""Searching the staff lists of stays (the doctor's notices, the inpatients): by the patient's
name (its start), the inpatient number, the notice number or a word of the diagnosis."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_

from bedside.admissions.models import AdmissionNotice
from bedside.patients.models import Patient

MAX_QUERY = 50


def search_clause(q: str) -> Any:
    """A condition over AdmissionNotice joined with Patient; None for an empty query."""
    text = q.strip()[:MAX_QUERY]
    if not text:
        return None
    parts = [
        Patient.name.startswith(text, autoescape=True),
        AdmissionNotice.inpatient_no == text.upper(),
        AdmissionNotice.diagnosis.contains(text, autoescape=True),
    ]
    if text.isdigit() and len(text) < 10:
        parts.append(AdmissionNotice.id == int(text))
    return or_(*parts)
