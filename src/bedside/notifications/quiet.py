"""Quiet hours: a daily local-time window (hospital time zone) in which non-urgent messages
wait. The window may cross midnight (21:30-07:30); equal ends mean no quiet hours. Pure."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, tzinfo


def _at(day: datetime, clock: time, tz: tzinfo) -> datetime:
    return datetime.combine(day.date(), clock, tzinfo=tz)


def in_quiet_hours(now: datetime, start: time, end: time, tz: tzinfo) -> bool:
    if start == end:
        return False
    local = now.astimezone(tz).time()
    if start < end:
        return start <= local < end
    return local >= start or local < end


def quiet_hours_end(now: datetime, start: time, end: time, tz: tzinfo) -> datetime:
    """The UTC instant the quiet period containing `now` ends (`now` itself when not quiet)."""
    if not in_quiet_hours(now, start, end, tz):
        return now
    local = now.astimezone(tz)
    candidate = _at(local, end, tz)
    if candidate <= local:
        # Before midnight in a window that crosses it: the period ends tomorrow morning.
        candidate = _at(local + timedelta(days=1), end, tz)
    return candidate.astimezone(UTC)
