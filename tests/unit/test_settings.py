import pytest

from bedside.settings import DEFAULT_SECRET, InsecureSettings, Settings


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
