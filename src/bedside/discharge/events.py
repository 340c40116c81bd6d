"""What discharge announces."""

from __future__ import annotations

from dataclasses import dataclass

from bedside.core.events import Event, event_type


@event_type("discharge.ordered")
@dataclass(frozen=True)
class DischargeOrdered(Event):
    notice_id: int
    patient_id: int


@event_type("discharge.ready_to_settle")
@dataclass(frozen=True)
class ReadyToSettle(Event):
    notice_id: int
    patient_id: int
    reviewed: bool


@event_type("discharge.settled")
@dataclass(frozen=True)
class Settled(Event):
    notice_id: int
    patient_id: int
    settlement_id: int
    refund_fen: int
    refund_channels: tuple[str, ...]


@event_type("discharge.discharged")
@dataclass(frozen=True)
class Discharged(Event):
    notice_id: int
    patient_id: int


@event_type("discharge.settlement_reversed")
@dataclass(frozen=True)
class SettlementReversed(Event):
    notice_id: int
    patient_id: int
    settlement_id: int
    reason: str
