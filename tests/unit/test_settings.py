import secrets

import pytest

from bedside.settings import DEFAULT_SECRET, InsecureSettings, Settings, secret_weakness


def test_default_secret_is_refused_outside_demo():
    with pytest.raises((InsecureSettings, ValueError)):
        Settings(demo=False, secret_key=DEFAULT_SECRET)


def test_short_secret_is_refused_outside_demo():
    with pytest.raises((InsecureSettings, ValueError)):
        Settings(demo=False, secret_key="short")


def test_demo_mode_accepts_the_default_secret():
    s = Settings(demo=True, secret_key=DEFAULT_SECRET)
    assert s.time_zone == "Asia/Shanghai"
    assert s.locale == "zh_CN"


def test_unknown_locale_and_zone_are_refused():
    with pytest.raises(ValueError):
        Settings(demo=True, locale="fr")
    with pytest.raises(ValueError):
        Settings(demo=True, time_zone="Mars/Olympus")


@pytest.mark.parametrize(
    "secret",
    [
        "a" * 32,
        "abc" * 16,
        "password" * 6,
        "hospital" * 6,
        "correcthorsebattery" * 3,
        "0123456789" * 4,
        "short-but-random-Zq8",
    ],
)
def test_low_entropy_secrets_are_refused_with_how_to_make_one(secret):
    with pytest.raises(ValueError) as refused:
        Settings(demo=False, secret_key=secret)
    message = str(refused.value)
    assert "secrets.token_urlsafe(48)" in message
    assert secret not in message  # the refused value is not echoed into logs


# Made per test, not at collection: parallel workers must collect the same test ids.
@pytest.mark.parametrize(
    "make",
    [
        lambda: secrets.token_urlsafe(48),
        lambda: secrets.token_urlsafe(32),
        lambda: secrets.token_hex(32),
        lambda: "test-secret-key-that-is-long-enough-0123456789",  # the test suite's own
    ],
    ids=["urlsafe48", "urlsafe32", "hex32", "suite"],
)
def test_random_secrets_are_accepted(make):
    secret = make()
    assert secret_weakness(secret) is None
    assert Settings(demo=False, secret_key=secret).secret_key == secret


def test_demo_mode_accepts_a_weak_secret():
    assert Settings(demo=True, secret_key="a" * 32).demo


@pytest.mark.parametrize(
    "values",
    [
        {"rate_limit_otp_send_total": "lots"},
        {"rate_limit_staff_login_per_address": "10/fortnight"},
        {"rate_limit_storage": "memcached://127.0.0.1:11211"},
        # One address may fail 5 times per 15 minutes: 5 account-wide would let it lock anyone.
        {"login_max_failures": 5},
        {"login_max_failures": 12, "login_lockout_minutes": 60},
    ],
)
def test_unsound_rate_limit_settings_are_refused(values):
    with pytest.raises(ValueError):
        Settings(demo=True, **values)


def test_rate_limits_can_be_turned_off_and_stored_in_redis():
    s = Settings(demo=True, rate_limit_otp_send_per_address="", rate_limit_storage="redis://127.0.0.1:6379/0")
    assert s.rate_limit_storage.startswith("redis")
