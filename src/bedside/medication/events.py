"""What discharge medication announces to the patient."""

from __future__ import annotations

from dataclasses import dataclass

from bedside.core.events import Event, event_type


@event_type("medication.moved")
@dataclass(frozen=True)
class MedicationMoved(Event):
    order_id: int
    notice_id: int
    patient_id: int
    state: str
