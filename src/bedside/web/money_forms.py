"""Reading a chosen or typed amount from a payment form (phone and kiosk)."""

from __future__ import annotations

from bedside.core.errors import InvalidInput
from bedside.core.i18n import N_
from bedside.core.money import MoneyFormatError, parse_yuan


def amount_from_form(choice: str, custom: str) -> int:
    """`custom` is yuan as typed ("1234.50"); `choice` is a preset in fen. Custom wins."""
    try:
        if custom.strip():
            return parse_yuan(custom.strip())
        return int(choice.strip())
    except (MoneyFormatError, ValueError) as exc:
        raise InvalidInput(
            N_("Enter an amount in yuan, e.g. 500 or 1234.50."), code="invalid_amount", field="amount"
        ) from exc
