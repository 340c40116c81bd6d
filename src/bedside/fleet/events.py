"""What the fleet announces: alerts raised and escalated (the on-call engineers are told)."""

from __future__ import annotations

from dataclasses import dataclass

from bedside.core.events import Event, event_type


@event_type("fleet.alert_raised")
@dataclass(frozen=True)
class FleetAlertRaised(Event):
    alert_id: int
    kiosk_id: int
    rule: str
    subject: str
    severity: str


@event_type("fleet.alert_escalated")
@dataclass(frozen=True)
class FleetAlertEscalated(Event):
    alert_id: int
    kiosk_id: int
    rule: str
    subject: str
    severity: str
