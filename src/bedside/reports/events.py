"""What reports announce."""

from __future__ import annotations

from dataclasses import dataclass

from bedside.core.events import Event, event_type


@event_type("reports.ready")
@dataclass(frozen=True)
class ReportReady(Event):
    report_id: int
    patient_id: int
    title: str
