"""Daily statement files in the channels' own formats (WeChat Pay trade bill, Alipay business
detail archive): the sandbox writes them, reconciliation reads them.

Money is integer fen throughout; fees are computed with integers only."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

CN = ZoneInfo("Asia/Shanghai")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


class BillFormatError(ValueError):
    """A statement file does not have the shape (or the totals) its channel produces."""


@dataclass(frozen=True)
class StatementLine:
    kind: Literal["payment", "refund"]
    at: datetime  # aware; payments by success time, refunds by acceptance time
    out_trade_no: str
    channel_trade_no: str
    amount_fen: int  # the order's amount (positive)
    refund_fen: int = 0  # refund rows only (positive number)
    out_refund_no: str | None = None
    channel_refund_no: str | None = None
    refund_status: str = "SUCCESS"
    trade_type: str = "NATIVE"  # WeChat trade type; Alipay rows use it for nothing
    description: str = ""
    payer: str = ""  # openid / buyer account
    attach: str = ""

    def __post_init__(self) -> None:
        if self.kind not in ("payment", "refund"):
            raise ValueError(f"unknown statement line kind {self.kind!r}")
        if self.at.tzinfo is None:
            raise ValueError("statement times must be aware")
        for name in ("amount_fen", "refund_fen"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{name} is integer fen")
        if self.amount_fen <= 0:
            raise ValueError("amount_fen must be positive")
        if self.kind == "refund":
            if not 0 < self.refund_fen <= self.amount_fen:
                raise ValueError("a refund line needs 0 < refund_fen <= amount_fen")
            if not self.out_refund_no:
                raise ValueError("a refund line needs out_refund_no")
        elif self.refund_fen:
            raise ValueError("payment lines carry no refund_fen")


def fee_fen(amount_fen: int, fee_rate_bp: int) -> int:
    """Fee on one transaction, rounded half up to the fen (both channels charge per transaction)."""
    if amount_fen < 0 or fee_rate_bp < 0:
        raise ValueError("amount and rate must not be negative")
    return (amount_fen * fee_rate_bp + 5_000) // 10_000


def rate_text(fee_rate_bp: int) -> str:
    """60 -> '0.60%'."""
    return f"{fee_rate_bp // 100}.{fee_rate_bp % 100:02d}%"


def yuan(fen: int, places: int = 2) -> str:
    """Signed yuan text from fen with `places` (>= 2) decimals: -1234 -> '-12.34'."""
    sign = "-" if fen < 0 else ""
    whole, rest = divmod(abs(fen), 100)
    return f"{sign}{whole}.{rest:02d}{'0' * (places - 2)}"


def parse_fen(text: str, places: int = 2, what: str = "amount") -> int:
    """Yuan text with up to `places` decimals -> fen; digits beyond the fen must be zero."""
    match = re.fullmatch(rf"(-?)(\d{{1,12}})(?:\.(\d{{1,{places}}}))?", text)
    if match is None:
        raise BillFormatError(f"{what}: not an amount: {text!r}")
    sign, whole, frac = match.group(1), match.group(2), (match.group(3) or "").ljust(places, "0")
    if frac[2:].strip("0"):
        raise BillFormatError(f"{what}: not a whole number of fen: {text!r}")
    fen = int(whole) * 100 + int(frac[:2])
    return -fen if sign else fen


def format_time(moment: datetime) -> str:
    return moment.astimezone(CN).strftime(TIME_FORMAT)


def parse_time(text: str, what: str = "time") -> datetime:
    if not _TIME.match(text):
        raise BillFormatError(f"{what}: not a yyyy-MM-dd HH:mm:ss time: {text!r}")
    try:
        return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=CN)
    except ValueError as exc:
        raise BillFormatError(f"{what}: not a valid time: {text!r}") from exc


def day_bounds(bill_date: date) -> tuple[datetime, datetime]:
    """A bill day runs from 00:00 to 24:00 Beijing time, whatever the server's zone."""
    start = datetime.combine(bill_date, time(0, 0), tzinfo=CN)
    return start, start + timedelta(days=1)


def lines_of_day(lines: Iterable[StatementLine], bill_date: date) -> list[StatementLine]:
    start, end = day_bounds(bill_date)
    chosen = [line for line in lines if start <= line.at < end]
    # Payments before refunds at the same second keeps a same-second pay-and-refund readable.
    return sorted(chosen, key=lambda line: (line.at, line.kind != "payment", line.out_trade_no))
