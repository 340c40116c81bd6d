"""Discrepancy classes, what to do about each, and the lifecycles of a discrepancy and a day."""

from __future__ import annotations

from enum import StrEnum

from bedside.core.i18n import N_
from bedside.core.states import Machine


class Kind(StrEnum):
    MISSING_OURS = "missing_ours"  # 长款: the channel has it, our ledger does not
    MISSING_CHANNEL = "missing_channel"  # 短款: our ledger has it, the channel does not
    AMOUNT_DIFFERS = "amount_differs"
    STATUS_DIFFERS = "status_differs"  # we say paid, the channel says closed / revoked
    DUPLICATE = "duplicate"
    REFUND_MISSING = "refund_missing"  # our refund succeeded, the channel lists none
    REFUND_EXTRA = "refund_extra"  # the channel lists a refund we never made
    FEE_DIFFERS = "fee_differs"
    CASH_MISMATCH = "cash_mismatch"  # counted in the box != notes the kiosk reported


class Action(StrEnum):
    CREDIT = "credit"  # credit the stay through the money core (and notify)
    REFUND = "refund"  # refund through the to-refund list
    QUERY = "query"  # ask the channel what it knows of the trade
    WRITE_OFF = "write_off"  # with an approver


SUGGESTED: dict[Kind, Action] = {
    Kind.MISSING_OURS: Action.CREDIT,
    Kind.MISSING_CHANNEL: Action.QUERY,
    Kind.AMOUNT_DIFFERS: Action.QUERY,
    Kind.STATUS_DIFFERS: Action.QUERY,
    Kind.DUPLICATE: Action.REFUND,
    Kind.REFUND_MISSING: Action.QUERY,
    Kind.REFUND_EXTRA: Action.QUERY,
    Kind.FEE_DIFFERS: Action.WRITE_OFF,
    Kind.CASH_MISMATCH: Action.WRITE_OFF,
}

CAUSES: dict[Kind, str] = {
    Kind.MISSING_OURS: N_("The channel took this payment but our ledger has no credit for it."),
    Kind.MISSING_CHANNEL: N_(
        "Our ledger credited this payment but the channel's statement does not list it."
    ),
    Kind.AMOUNT_DIFFERS: N_("The channel's amount differs from ours."),
    Kind.STATUS_DIFFERS: N_("We recorded it as done; the channel says it is closed or revoked."),
    Kind.DUPLICATE: N_("The statement lists this trade more than once."),
    Kind.REFUND_MISSING: N_("Our refund succeeded but the channel's statement does not list it."),
    Kind.REFUND_EXTRA: N_("The channel lists a refund our books do not have as done."),
    Kind.FEE_DIFFERS: N_("The channel's fee differs from the agreed rate."),
    Kind.CASH_MISMATCH: N_("The cash counted in the kiosk's box differs from the notes it reported."),
}


class DiscrepancyState(StrEnum):
    OPEN = "open"
    AWAITING_APPROVAL = "awaiting_approval"
    RESOLVED = "resolved"
    WRITTEN_OFF = "written_off"
    CARRIED_OVER = "carried_over"


DISCREPANCY_TRANSITIONS: dict[tuple[DiscrepancyState, str], DiscrepancyState] = {
    (DiscrepancyState.OPEN, "resolve"): DiscrepancyState.RESOLVED,
    (DiscrepancyState.OPEN, "request_write_off"): DiscrepancyState.AWAITING_APPROVAL,
    (DiscrepancyState.AWAITING_APPROVAL, "approve_write_off"): DiscrepancyState.WRITTEN_OFF,
    (DiscrepancyState.AWAITING_APPROVAL, "reject_write_off"): DiscrepancyState.OPEN,
    (DiscrepancyState.OPEN, "carry_over"): DiscrepancyState.CARRIED_OVER,
}
DISCREPANCY_MACHINE: Machine[DiscrepancyState] = Machine("discrepancy", DISCREPANCY_TRANSITIONS)
SETTLED = frozenset({DiscrepancyState.RESOLVED, DiscrepancyState.WRITTEN_OFF, DiscrepancyState.CARRIED_OVER})


class DayState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


DAY_TRANSITIONS: dict[tuple[DayState, str], DayState] = {(DayState.OPEN, "close"): DayState.CLOSED}
DAY_MACHINE: Machine[DayState] = Machine("recon_day", DAY_TRANSITIONS)

LABELS: dict[str, str] = {
    Kind.MISSING_OURS: N_("Not in our books (长款)"),
    Kind.MISSING_CHANNEL: N_("Not at the channel (短款)"),
    Kind.AMOUNT_DIFFERS: N_("Amount differs"),
    Kind.STATUS_DIFFERS: N_("Status differs"),
    Kind.DUPLICATE: N_("Duplicate"),
    Kind.REFUND_MISSING: N_("Refund missing at the channel"),
    Kind.REFUND_EXTRA: N_("Refund not in our books"),
    Kind.FEE_DIFFERS: N_("Fee differs"),
    Kind.CASH_MISMATCH: N_("Cash count differs"),
    Action.CREDIT: N_("Credit the stay"),
    Action.REFUND: N_("Refund"),
    Action.QUERY: N_("Query the channel"),
    Action.WRITE_OFF: N_("Write off"),
    DiscrepancyState.OPEN: N_("To be worked"),
    DiscrepancyState.AWAITING_APPROVAL: N_("Awaiting approval"),
    DiscrepancyState.RESOLVED: N_("Cleared"),
    DiscrepancyState.WRITTEN_OFF: N_("Written off"),
    DiscrepancyState.CARRIED_OVER: N_("Carried over"),
    DayState.CLOSED: N_("Day closed"),
}
