"""The care bill and its days. A disputed day goes back to the vendor, whose answer re-bills
it (at the same or a corrected amount); the bill is confirmed only with no day in dispute."""

from __future__ import annotations

from enum import StrEnum

from bedside.core.states import Machine


class BillState(StrEnum):
    PENDING = "pending"  # waiting for the patient
    DISPUTED = "disputed"  # a day is waiting for the vendor's answer
    CONFIRMED = "confirmed"
    PAID = "paid"


class DayState(StrEnum):
    BILLED = "billed"
    DISPUTED = "disputed"
    CONFIRMED = "confirmed"


B, D = BillState, DayState
BILL_TRANSITIONS: dict[tuple[BillState, str], BillState] = {
    (B.PENDING, "confirm"): B.CONFIRMED,
    (B.PENDING, "dispute"): B.DISPUTED,
    (B.DISPUTED, "dispute"): B.DISPUTED,
    (B.DISPUTED, "answer"): B.PENDING,
    (B.CONFIRMED, "pay"): B.PAID,
}
BILL_MACHINE: Machine[BillState] = Machine("care_bill", BILL_TRANSITIONS)

DAY_TRANSITIONS: dict[tuple[DayState, str], DayState] = {
    (D.BILLED, "confirm"): D.CONFIRMED,
    (D.BILLED, "dispute"): D.DISPUTED,
    (D.DISPUTED, "answer"): D.BILLED,
}
DAY_MACHINE: Machine[DayState] = Machine("care_day", DAY_TRANSITIONS)
