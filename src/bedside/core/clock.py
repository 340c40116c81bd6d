"""The hospital's local calendar day (Asia/Shanghai by default); instants stay in UTC."""

from __future__ import annotations

from datetime import date, datetime

from bedside.settings import get_settings


def local_now() -> datetime:
    return datetime.now(get_settings().tz)


def local_today() -> date:
    return local_now().date()
