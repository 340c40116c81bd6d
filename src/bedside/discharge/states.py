"""The discharge lifecycle of a stay, with its undo paths (revoking the order; a cashier
reversing a settlement)."""

from __future__ import annotations

from enum import StrEnum

from bedside.core.states import Machine


class DischargeState(StrEnum):
    ORDERED = "ordered"
    WARD_CLEARED = "ward_cleared"
    INSURANCE_REVIEWED = "insurance_reviewed"
    READY_TO_SETTLE = "ready_to_settle"
    SETTLED = "settled"
    DISCHARGED = "discharged"
    REVOKED = "revoked"


S = DischargeState
DISCHARGE_TRANSITIONS: dict[tuple[DischargeState, str], DischargeState] = {
    (S.ORDERED, "clear_ward"): S.WARD_CLEARED,
    (S.WARD_CLEARED, "approve"): S.INSURANCE_REVIEWED,
    (S.WARD_CLEARED, "return_to_ward"): S.ORDERED,
    # Self-pay stays skip the insurance review; reviewed ones open at once.
    (S.WARD_CLEARED, "open_settlement"): S.READY_TO_SETTLE,
    (S.INSURANCE_REVIEWED, "open_settlement"): S.READY_TO_SETTLE,
    (S.READY_TO_SETTLE, "settle"): S.SETTLED,
    (S.SETTLED, "reverse_settlement"): S.READY_TO_SETTLE,
    (S.SETTLED, "leave"): S.DISCHARGED,
    (S.ORDERED, "revoke"): S.REVOKED,
    (S.WARD_CLEARED, "revoke"): S.REVOKED,
    (S.INSURANCE_REVIEWED, "revoke"): S.REVOKED,
    (S.READY_TO_SETTLE, "revoke"): S.REVOKED,
}
DISCHARGE_MACHINE: Machine[DischargeState] = Machine("discharge", DISCHARGE_TRANSITIONS)
OPEN = (S.ORDERED, S.WARD_CLEARED, S.INSURANCE_REVIEWED, S.READY_TO_SETTLE, S.SETTLED)
