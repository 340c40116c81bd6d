"""What companion care announces to the patient."""

from __future__ import annotations

from dataclasses import dataclass

from bedside.core.events import Event, event_type


@event_type("care.bill_ready")
@dataclass(frozen=True)
class CareBillReady(Event):
    bill_id: int
    notice_id: int
    patient_id: int
    days: int
    amount_fen: int
    revision: int


@event_type("care.bill_paid")
@dataclass(frozen=True)
class CareBillPaid(Event):
    bill_id: int
    notice_id: int
    patient_id: int
    amount_fen: int
    receipt_no: str
