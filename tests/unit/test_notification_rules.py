"""Pure rules of notifications: quiet hours in the hospital's time zone (also across midnight),
retry backoff, the delivery machine, and the checking and filling of template texts."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bedside.core.errors import InvalidInput
from bedside.core.states import InvalidTransition
from bedside.notifications import overrides, rules, text
from bedside.notifications.quiet import in_quiet_hours, quiet_hours_end
from bedside.notifications.service import backoff
from bedside.notifications.states import DELIVERY_MACHINE, DeliveryState
from bedside.notifications.templates import TEMPLATES

SH = ZoneInfo("Asia/Shanghai")
NIGHT = (time(21, 30), time(7, 30))


def sh(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SH)


@pytest.mark.parametrize(
    ("when", "quiet"),
    [
        (sh(23, 21, 29), False),
        (sh(23, 21, 30), True),
        (sh(23, 23, 59), True),
        (sh(24, 0, 0), True),
        (sh(24, 7, 29), True),
        (sh(24, 7, 30), False),
        (sh(24, 12, 0), False),
    ],
)
def test_quiet_hours_cross_midnight(when, quiet):
    assert in_quiet_hours(when.astimezone(UTC), *NIGHT, SH) is quiet


def test_the_window_is_the_hospitals_local_time_not_utc():
    # 14:00 UTC is 22:00 in Shanghai (quiet) but only 14:00 on a UTC clock.
    instant = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    assert in_quiet_hours(instant, *NIGHT, SH)
    assert not in_quiet_hours(instant, *NIGHT, UTC)


def test_quiet_period_ends_next_morning_before_midnight_and_same_morning_after():
    assert quiet_hours_end(sh(23, 22, 0), *NIGHT, SH) == sh(24, 7, 30).astimezone(UTC)
    assert quiet_hours_end(sh(24, 1, 0), *NIGHT, SH) == sh(24, 7, 30).astimezone(UTC)
    noon = sh(24, 12, 0).astimezone(UTC)
    assert quiet_hours_end(noon, *NIGHT, SH) == noon
    # Month and year boundaries.
    new_year = datetime(2026, 12, 31, 23, 0, tzinfo=SH)
    assert quiet_hours_end(new_year, *NIGHT, SH) == datetime(2027, 1, 1, 7, 30, tzinfo=SH)


def test_window_within_one_day_and_no_window():
    early = (time(1, 0), time(6, 0))
    assert in_quiet_hours(sh(23, 3), *early, SH)
    assert not in_quiet_hours(sh(23, 23), *early, SH)
    assert quiet_hours_end(sh(23, 3), *early, SH) == sh(23, 6).astimezone(UTC)
    assert not in_quiet_hours(sh(23, 3), time(0, 0), time(0, 0), SH)


def test_backoff_doubles_to_an_hour():
    assert [backoff(n) for n in range(1, 9)] == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 32, 60, 60)]


def test_delivery_machine_walks_every_pair():
    for state in DeliveryState:
        for action in sorted(DELIVERY_MACHINE.actions()):
            target = DELIVERY_MACHINE.transitions.get((state, action))
            if target is None:
                with pytest.raises(InvalidTransition):
                    DELIVERY_MACHINE.next_state(state, action)
            else:
                assert DELIVERY_MACHINE.next_state(state, action) == target
    assert DELIVERY_MACHINE.allowed(DeliveryState.SENT) == []


def test_variables_of_a_template_come_from_its_defaults():
    assert rules.variables_of("deposit_low") == {"patient", "balance", "threshold"}
    assert rules.variables_of("admission_notice_issued") == {"patient", "doctor", "department", "date"}
    assert all(isinstance(rules.variables_of(k), set) for k in TEMPLATES)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("%(patient)s owes %(amount)s", "unknown_variable"),
        ("100% sure", "bad_placeholder"),
        ("%(patient)d", "bad_placeholder"),
        ("%(patient", "bad_placeholder"),
        ("x" * 1001, "text_too_long"),
    ],
)
def test_bad_texts_are_refused_with_a_stable_code(value, code):
    with pytest.raises(InvalidInput) as err:
        text.check(value, {"patient", "balance"}, field="body_en", max_length=1000)
    assert err.value.code == code
    assert err.value.field == "body_en"
    assert err.value.localized("en")


def test_good_texts_pass_and_fill_never_fails():
    text.check("%(patient)s: 100%% of %(balance)s", {"patient", "balance"}, field="b", max_length=100)
    assert text.fill("%(patient)s: 100%% of %(balance)s", {"patient": "张伟"}) == "张伟: 100% of -"
    assert text.fill("no variables", {}) == "no variables"


def test_override_check_names_the_field_and_refuses_unknown_channels():
    with pytest.raises(InvalidInput) as err:
        overrides.check("deposit_low", overrides.TemplateEdit(title_zh="余额 %(amount)s"))
    assert (err.value.code, err.value.field) == ("unknown_variable", "title_zh")
    with pytest.raises(InvalidInput) as err:
        overrides.check("deposit_low", overrides.TemplateEdit(channels=["fax"]))
    assert err.value.code == "unknown_channel"


def test_preview_fills_both_languages_with_samples():
    shown = overrides.preview("deposit_low", overrides.TemplateEdit(body_en="%(patient)s: %(balance)s left"))
    assert shown["en"][1] == "张伟: ¥1,850.00 left"
    assert shown["en"][0] == "Deposit balance is low"  # empty title: the default
    assert "张伟" in shown["zh_CN"][1]


def test_urgent_defaults_are_the_time_critical_templates():
    assert rules.URGENT == {"bed_assigned", "bed_expired", "ready_to_settle"}
    assert rules.default_rule("deposit_low").urgent is False
    assert rules.default_rule("bed_assigned").urgent is True


def test_settings_refuse_unknown_channels_and_bad_clock_times():
    from bedside.settings import Settings

    s = Settings(demo=True, notify_channels=" sms , log ", quiet_hours_start="22:00", quiet_hours_end="06:00")
    assert s.notify_channel_set == {"sms", "log"}
    assert s.quiet_hours == (time(22, 0), time(6, 0))
    for bad in ({"notify_channels": "sms,fax"}, {"quiet_hours_start": "25:00"}, {"quiet_hours_end": "late"}):
        with pytest.raises(ValueError):
            Settings(demo=True, **bad)
