"""What the deposit ledger announces."""

from __future__ import annotations

from dataclasses import dataclass

from bedside.core.events import Event, event_type


@event_type("deposits.ledger_posted")
@dataclass(frozen=True)
class LedgerPosted(Event):
    account_id: int
    entry_id: int
    patient_id: int
    kind: str
    amount_fen: int
    balance_fen: int


@event_type("deposits.low_balance")
@dataclass(frozen=True)
class LowBalance(Event):
    account_id: int
    entry_id: int
    patient_id: int
    balance_fen: int
    threshold_fen: int
