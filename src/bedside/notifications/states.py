"""A delivery's lifecycle on one external channel (SMS, WeChat, log).

    pending --send--> sent
    pending --retry--> pending     (attempt failed; next_attempt_at moves by the backoff)
    pending --hold--> pending      (quiet hours; next_attempt_at = the end of the quiet period)
    pending --fail--> failed       (max attempts reached, or a permanent error)
    pending --skip--> skipped      (opted out, template or channel switched off, no address)

Rows are also written directly as `skipped` when the opt-out is known at delivery time, so
staff can see why nothing went out."""

from __future__ import annotations

from enum import StrEnum

from bedside.core.states import Machine


class DeliveryState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


DELIVERY_TRANSITIONS = {
    (DeliveryState.PENDING, "send"): DeliveryState.SENT,
    (DeliveryState.PENDING, "retry"): DeliveryState.PENDING,
    (DeliveryState.PENDING, "hold"): DeliveryState.PENDING,
    (DeliveryState.PENDING, "fail"): DeliveryState.FAILED,
    (DeliveryState.PENDING, "skip"): DeliveryState.SKIPPED,
}

DELIVERY_MACHINE: Machine[DeliveryState] = Machine("notification_delivery", DELIVERY_TRANSITIONS)
