"""What posting charges announces: one event per batch, never one per line (a stay's HIS
sends thousands of lines a day, and a per-line event is an outbox row and a dispatch each)."""

from __future__ import annotations

from dataclasses import dataclass

from bedside.core.events import Event, event_type


@event_type("charges.posted")
@dataclass(frozen=True)
class ChargesPosted(Event):
    """New lines reached a stay's bill; `amount_fen` is their signed sum (reversals negative)."""

    notice_id: int
    patient_id: int
    account_id: int
    lines: int
    amount_fen: int
    balance_fen: int
