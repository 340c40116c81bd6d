"""Money is an integer number of fen (1 yuan = 100 fen); never a float."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from typing import Literal

from bedside.core.errors import InvalidInput
from bedside.core.i18n import N_

FEN_PER_YUAN = 100
# Plain decimal notation only: no exponents, no NaN, at most 12 digits of yuan.
_AMOUNT = re.compile(r"^-?\d{1,12}(\.\d{1,2})?$")
# What a person or a form may send: ASCII digits (after NFKC, so a Chinese keyboard's
# full-width "１２３．５" counts), no sign, no exponent, at most two decimals.
_INPUT_YUAN = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,2})?")
_INPUT_FEN = re.compile(r"[0-9]{1,14}")
# ¥10,000,000: beyond any one payment or stay, and within a 32-bit amount column.
MAX_AMOUNT_FEN = 1_000_000_000


class MoneyFormatError(ValueError):
    pass


def format_yuan(fen: int, symbol: bool = True) -> str:
    """12345 -> '¥123.45'; negative amounts keep their sign before the symbol."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError("amounts are integer fen")
    sign = "-" if fen < 0 else ""
    yuan, rest = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}{'¥' if symbol else ''}{yuan:,}.{rest:02d}"


def parse_yuan(text: str) -> int:
    """'123.4' -> 12340 fen. More than two decimals, or anything not a number, is refused."""
    cleaned = text.strip().replace(",", "").removeprefix("¥").strip()
    if not _AMOUNT.match(cleaned):
        raise MoneyFormatError(f"not an amount with at most two decimals: {text!r}")
    return int(Decimal(cleaned) * FEN_PER_YUAN)


def parse_amount(
    text: str,
    *,
    unit: Literal["yuan", "fen"] = "yuan",
    min_fen: int = 1,
    max_fen: int = MAX_AMOUNT_FEN,
    field: str = "amount",
) -> int:
    """An amount as entered ("1,234.50", "¥20", a preset "50000" in fen) -> integer fen within
    [min_fen, max_fen]. Anything else is an InvalidInput with a stable code: invalid_amount
    (not a plain amount: NaN, 1e9, -5, 1.005, abc) or amount_out_of_range."""
    cleaned = unicodedata.normalize("NFKC", text).strip()
    if unit == "yuan":
        cleaned = cleaned.removeprefix("¥").strip().replace(",", "")
        if not _INPUT_YUAN.fullmatch(cleaned):
            raise InvalidInput(
                N_("Enter an amount in yuan, e.g. 500 or 1234.50."), code="invalid_amount", field=field
            )
        fen = int(Decimal(cleaned) * FEN_PER_YUAN)
    else:
        if not _INPUT_FEN.fullmatch(cleaned):
            raise InvalidInput(
                N_("The amount must be a whole number of fen (1 yuan = 100 fen)."),
                code="invalid_amount",
                field=field,
            )
        fen = int(cleaned)
    if fen < min_fen:
        raise InvalidInput(
            N_("The amount must be at least %(min)s."),
            code="amount_out_of_range",
            params={"min": format_yuan(min_fen)},
            field=field,
        )
    if fen > max_fen:
        raise InvalidInput(
            N_("The amount must be at most %(max)s."),
            code="amount_out_of_range",
            params={"max": format_yuan(max_fen)},
            field=field,
        )
    return fen
