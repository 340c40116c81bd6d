"""What payments announce."""

from __future__ import annotations

from dataclasses import dataclass

from bedside.core.events import Event, event_type


@event_type("payments.credited")
@dataclass(frozen=True)
class PaymentCredited(Event):
    order_id: int
    patient_id: int
    account_id: int
    amount_fen: int
    channel: str
    purpose: str
    late: bool


@event_type("payments.refund_finished")
@dataclass(frozen=True)
class RefundFinished(Event):
    refund_id: int
    order_id: int
    patient_id: int
    amount_fen: int
    channel: str
    route: str
