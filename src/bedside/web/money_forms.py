"""Reading a chosen or typed amount from a payment form (phone and kiosk)."""

from __future__ import annotations

from bedside.core.money import parse_amount
from bedside.payments.service import MAX_FEN, MIN_FEN


def amount_from_form(choice: str, custom: str) -> int:
    """`custom` is yuan as typed ("1234.50"); `choice` is a preset in fen. Custom wins. Either
    must be what one payment may be (payments.service.MIN_FEN..MAX_FEN), else InvalidInput."""
    if custom.strip() or not choice.strip():
        # Nothing chosen reads as nothing typed: the message asks for an amount in yuan.
        return parse_amount(custom, min_fen=MIN_FEN, max_fen=MAX_FEN)
    return parse_amount(choice, unit="fen", min_fen=MIN_FEN, max_fen=MAX_FEN)
