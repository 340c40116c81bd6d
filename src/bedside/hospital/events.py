"""What the hospital structure announces."""

from __future__ import annotations

from dataclasses import dataclass

from bedside.core.events import Event, event_type


@event_type("hospital.bed_state_changed")
@dataclass(frozen=True)
class BedStateChanged(Event):
    bed_id: int
    ward_id: int
    old_state: str
    new_state: str
