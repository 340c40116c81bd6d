"""What the patients domain announces."""

from __future__ import annotations

from dataclasses import dataclass

from bedside.core.events import Event, event_type


@event_type("patients.registered")
@dataclass(frozen=True)
class PatientRegistered(Event):
    patient_id: int
