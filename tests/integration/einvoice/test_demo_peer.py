"""`bedside demo`'s fiscal e-invoice peer and the settings it hands out work together: the
real client's connection check is accepted."""

from __future__ import annotations

from bedside.connections import check_einvoice
from bedside.settings import get_settings
from bedside.simulators.demo import start_einvoice


def test_the_demo_peer_accepts_the_settings_it_hands_out(monkeypatch):  # type: ignore[no-untyped-def]
    running, env = start_einvoice()
    try:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        result = check_einvoice(get_settings())
        assert result.status == "ok", result.detail
        assert env["BEDSIDE_EINVOICE_APP_ID"] in result.detail
    finally:
        running.stop()
        monkeypatch.undo()
        get_settings.cache_clear()
