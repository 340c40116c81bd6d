"""Money is an integer number of fen (1 yuan = 100 fen); never a float."""

from __future__ import annotations

import re
from decimal import Decimal

FEN_PER_YUAN = 100
# Plain decimal notation only: no exponents, no NaN, at most 12 digits of yuan.
_AMOUNT = re.compile(r"^-?\d{1,12}(\.\d{1,2})?$")


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
