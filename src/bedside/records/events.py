"""What record copies announce."""

from __future__ import annotations

from dataclasses import dataclass

from bedside.core.events import Event, event_type


@event_type("records.copy_changed")
@dataclass(frozen=True)
class RecordCopyChanged(Event):
    """A request was submitted or moved to a new state (one event per transition)."""

    request_id: int
    patient_id: int
    notice_id: int
    action: str
    state: str
