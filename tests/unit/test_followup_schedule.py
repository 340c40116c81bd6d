"""Follow-up calendar rules: day N after discharge across month and year ends, the grace
window, reminders and appointment reminders, report months."""

from __future__ import annotations

from datetime import date

import pytest

from bedside.surveys import rules


@pytest.mark.parametrize(
    ("discharged", "offset", "due"),
    [
        (date(2026, 1, 25), 7, date(2026, 2, 1)),
        (date(2026, 2, 28), 7, date(2026, 3, 7)),
        (date(2028, 2, 28), 7, date(2028, 3, 6)),  # leap year: 29 February counts
        (date(2026, 12, 28), 7, date(2027, 1, 4)),
        (date(2026, 1, 31), 30, date(2026, 3, 2)),
        (date(2026, 3, 31), 30, date(2026, 4, 30)),
        (date(2026, 12, 15), 30, date(2027, 1, 14)),
    ],
)
def test_due_date_is_calendar_days_after_discharge(discharged, offset, due):
    assert rules.due_on(discharged, offset) == due


def test_due_from_its_day_within_the_grace_window_only():
    left = date(2026, 2, 28)
    assert not rules.is_due(left, 7, date(2026, 3, 6))
    assert rules.is_due(left, 7, date(2026, 3, 7))
    assert rules.is_due(left, 7, date(2026, 3, 7 + rules.GRACE_DAYS))
    assert not rules.is_due(left, 7, date(2026, 3, 8 + rules.GRACE_DAYS))


def test_reminder_after_the_plan_items_wait():
    due = date(2026, 1, 30)
    assert not rules.reminder_due(due, 2, date(2026, 1, 31))
    assert rules.reminder_due(due, 2, date(2026, 2, 1))
    assert rules.reminder_due(due, 2, date(2026, 2, 20))
    assert not rules.reminder_due(due, 0, date(2026, 2, 20))  # 0: no reminder


def test_appointment_reminder_from_the_day_before():
    on = date(2026, 3, 1)
    assert not rules.appointment_reminder_due(on, date(2026, 2, 27))
    assert rules.appointment_reminder_due(on, date(2026, 2, 28))
    assert rules.appointment_reminder_due(on, on)
    assert not rules.appointment_reminder_due(on, date(2026, 3, 2))


def test_months():
    assert rules.month_of(date(2026, 2, 3)) == "2026-02"
    assert rules.month_range("2026-02") == (date(2026, 2, 1), date(2026, 3, 1))
    assert rules.month_range("2026-12") == (date(2026, 12, 1), date(2027, 1, 1))
    for bad in ("2026-13", "2026-2", "x", "", "2026/02", "0000-01", "2026-00"):
        with pytest.raises(ValueError):
            rules.month_range(bad)
