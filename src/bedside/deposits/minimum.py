"""The department's minimum first deposit (Department.suggested_deposit_fen). Paying less is
allowed, since a family may pay in parts, or in cash note by note; but the payer is warned
before paying, as admission is refused until the deposit covers the minimum (stay.admit)."""

from __future__ import annotations


def due_fen(*, before_admission: bool, balance_fen: int, minimum_fen: int) -> int:
    """What is still missing to reach the minimum. After admission the minimum no longer gates
    anything (the ward's low-balance reminders take over), so nothing is due then."""
    if not before_admission:
        return 0
    return max(0, minimum_fen - balance_fen)
