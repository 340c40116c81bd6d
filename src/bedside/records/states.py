"""A record copy request's lifecycle: the fee is paid, the record office checks the
requester's identity and copies, then the copies are picked up or mailed. Refused or
cancelled before copying, the fee goes back by its own route."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from bedside.core.i18n import N_
from bedside.core.states import Machine


class CopyState(StrEnum):
    AWAITING_PAYMENT = "awaiting_payment"
    RECEIVED = "received"  # paid; waiting for the record office's identity check
    COPYING = "copying"
    READY_FOR_PICKUP = "ready_for_pickup"
    PICKED_UP = "picked_up"
    MAILED = "mailed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


S = CopyState
COPY_TRANSITIONS: dict[tuple[CopyState, str], CopyState] = {
    (S.AWAITING_PAYMENT, "pay"): S.RECEIVED,
    (S.AWAITING_PAYMENT, "cancel"): S.CANCELLED,
    # The timers close a request whose fee never came (settings.record_copy_payment_hours).
    (S.AWAITING_PAYMENT, "expire"): S.CANCELLED,
    (S.RECEIVED, "approve"): S.COPYING,
    (S.RECEIVED, "reject"): S.REJECTED,
    (S.RECEIVED, "cancel"): S.CANCELLED,
    (S.COPYING, "ready"): S.READY_FOR_PICKUP,
    (S.COPYING, "mail"): S.MAILED,
    (S.READY_FOR_PICKUP, "pick_up"): S.PICKED_UP,
}


def _pickup(request: Any) -> str | None:
    return None if getattr(request, "delivery", None) == "pickup" else N_("These copies are to be mailed.")


def _mail(request: Any) -> str | None:
    return None if getattr(request, "delivery", None) == "mail" else N_("These copies are to be picked up.")


COPY_MACHINE: Machine[CopyState] = Machine(
    "record_copy", COPY_TRANSITIONS, guards={"ready": (_pickup,), "pick_up": (_pickup,), "mail": (_mail,)}
)
# States in which the fee was taken and the work is not yet done (a refund is due if stopped).
PAID_NOT_COPIED = frozenset({S.RECEIVED})
FINAL = frozenset({S.PICKED_UP, S.MAILED, S.REJECTED, S.CANCELLED})
# The record office's actions (the patient's are pay and cancel).
STAFF_ACTIONS = ("approve", "reject", "ready", "pick_up", "mail")
