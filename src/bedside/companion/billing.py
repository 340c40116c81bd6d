"""The care bill by day, in whole fen. Standard library only, so it is tested by hand.

A calendar day (hospital time) with 12 hours of care or more is a full day, one with less a
half day. The day's rate is the latest rate in force on that day. Shared care (one caregiver
for several patients) splits the caregiver's rate evenly; each share rounds half up to the fen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

FULL_DAY_HOURS = 12


@dataclass(frozen=True)
class DayCharge:
    day: date
    full: bool
    rate_fen: int
    share_count: int
    amount_fen: int


def rate_on(rates: list[tuple[date, int]], day: date) -> int:
    """The rate in force on `day`; `rates` are (effective from, daily rate) pairs."""
    found = [fen for start, fen in sorted(rates) if start <= day]
    if not found:
        raise ValueError(f"no rate in force on {day}")
    return found[-1]


def share(rate_fen: int, full: bool, share_count: int) -> int:
    numerator = rate_fen * (2 if full else 1)
    denominator = 2 * share_count
    return (numerator + denominator // 2) // denominator


def bill_days(
    starts_at: datetime,
    ends_at: datetime,
    rates: list[tuple[date, int]],
    share_count: int,
    tz: tzinfo,
) -> list[DayCharge]:
    """Every calendar day the care touched, from `starts_at` up to (not including) `ends_at`."""
    if share_count < 1:
        raise ValueError("share_count must be at least 1")
    start, end = starts_at.astimezone(tz), ends_at.astimezone(tz)
    out: list[DayCharge] = []
    day = start.date()
    while True:
        midnight = datetime.combine(day, time(), tz)
        covered = min(end, midnight + timedelta(days=1)) - max(start, midnight)
        if covered <= timedelta(0):
            break
        full = covered >= timedelta(hours=FULL_DAY_HOURS)
        rate = rate_on(rates, day)
        out.append(DayCharge(day, full, rate, share_count, share(rate, full, share_count)))
        day += timedelta(days=1)
    return out
