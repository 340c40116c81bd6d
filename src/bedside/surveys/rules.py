"""Calendar rules of follow-up and reporting, on the hospital's local dates. Pure."""

from __future__ import annotations

from datetime import date, timedelta

# A follow-up found due later than this (the job was down, the plan changed) is not sent: a
# "7 days after discharge" questionnaire arriving on day 40 would only confuse.
GRACE_DAYS = 7


def due_on(discharged_on: date, day_offset: int) -> date:
    """Day N after discharge, counted in calendar days (day 7 of a 28 Feb discharge is 7 March)."""
    return discharged_on + timedelta(days=day_offset)


def is_due(discharged_on: date, day_offset: int, today: date, grace_days: int = GRACE_DAYS) -> bool:
    due = due_on(discharged_on, day_offset)
    return due <= today <= due + timedelta(days=grace_days)


def reminder_due(due: date, remind_after_days: int, today: date) -> bool:
    """Unanswered N days after it was due: remind (the caller makes sure it is only once)."""
    return remind_after_days > 0 and today >= due + timedelta(days=remind_after_days)


def appointment_reminder_due(appointment_on: date, today: date) -> bool:
    """From the day before the appointment; one booked for today or tomorrow is reminded at once."""
    return appointment_on - timedelta(days=1) <= today <= appointment_on


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_range(month: str) -> tuple[date, date]:
    """'2026-02' -> (2026-02-01, 2026-03-01); ValueError for anything else."""
    if len(month) != 7 or month[4] != "-":
        raise ValueError(month)
    first = date(int(month[:4]), int(month[5:]), 1)
    nxt = date(first.year + 1, 1, 1) if first.month == 12 else date(first.year, first.month + 1, 1)
    return first, nxt
