"""What the deposit ledger announces: only a fall under the low-balance line. An event for
every entry had no subscriber and cost a charge batch one outbox row per line."""

from __future__ import annotations

from dataclasses import dataclass

from bedside.core.events import Event, event_type


@event_type("deposits.low_balance")
@dataclass(frozen=True)
class LowBalance(Event):
    account_id: int
    entry_id: int
    patient_id: int
    balance_fen: int
    threshold_fen: int
