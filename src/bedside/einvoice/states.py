"""A bill's lifecycle at Bedside: pending (asked for, not yet confirmed by the platform),
issued, reversed by a red-letter bill, or void (its business was reversed before the platform
ever issued it, so it never will be)."""

from __future__ import annotations

from enum import StrEnum

from bedside.core.states import Machine


class BillState(StrEnum):
    PENDING = "pending"
    ISSUED = "issued"
    REVERSED = "reversed"
    VOID = "void"


BILL_MACHINE: Machine[BillState] = Machine(
    "einvoice_bill",
    {
        (BillState.PENDING, "issue"): BillState.ISSUED,
        (BillState.PENDING, "void"): BillState.VOID,
        # The platform answered an issue made before the business was reversed: it is reversed
        # by a red-letter bill like any issued one.
        (BillState.VOID, "late_issue"): BillState.PENDING,
        (BillState.ISSUED, "red_letter"): BillState.REVERSED,
    },
)
