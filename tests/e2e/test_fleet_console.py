"""The fleet console in Chromium: a kiosk reporting through the agent's own reporter shows
online; when it falls silent the open page turns it offline by itself (server-sent events,
no reload), and a module fault shows as degraded the same way."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect
from pydantic import SecretStr

from bedside.core.audit import SYSTEM
from bedside.fleet import rules
from bedside.fleet import service as fleet_service
from bedside.kiosk_agent.app import build_devices
from bedside.kiosk_agent.config import AgentSettings
from bedside.kiosk_agent.telemetry import TelemetryReporter
from bedside.kiosks import service as kiosks_service
from tests import factories
from tests.e2e.conftest import shot
from tests.e2e.steps import console

pytestmark = pytest.mark.browser

# The shipped rules with a short silence, so that the test need not wait 90 seconds.
FAST = rules.parse("[fleet]\noffline_after_seconds = 4\n")


def test_a_kiosk_going_silent_turns_offline_on_the_open_console(
    session, new_page, live_server, monkeypatch, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(fleet_service, "current_rules", lambda: FAST)
    factories.hospital(session)
    factories.staff(session, "ops.live", "ops_engineer")
    _, key = kiosks_service.register(
        session,
        SYSTEM,
        code="K-LIVE",
        name="门诊大厅一号",
        location="门诊楼一层",
        model="ZK-43",
        serial="S-LIVE",
        modules=["receipt_printer"],
    )
    url = live_server.start()
    config = AgentSettings(
        _env_file=None,
        server_url=url,
        kiosk_key=SecretStr(key),
        output_dir=tmp_path / "out",
        telemetry_interval_seconds=1,
    )
    devices = build_devices(config)
    # The agent's reporter in its own thread, every second, as on a kiosk (every 30 s there).
    reporter = TelemetryReporter(config, devices)
    reporter.start()
    try:
        page = console(new_page, "ops.live")
        page.goto("/console/fleet")
        state = page.locator("[data-testid=fleet-state-K-LIVE]")
        expect(state).to_have_attribute("data-state", "online")
        page.evaluate("window.__notReloaded = true")

        devices.receipt_printer.inject("jam")  # type: ignore[attr-defined]
        expect(state).to_have_attribute("data-state", "degraded", timeout=10000)
        devices.receipt_printer.clear()
        expect(state).to_have_attribute("data-state", "online", timeout=10000)
    finally:
        reporter.stop()

    # No more reports: after the silence the page shows it offline without being reloaded.
    expect(state).to_have_attribute("data-state", "offline", timeout=15000)
    assert page.evaluate("window.__notReloaded === true")
    expect(page.locator("[data-count=offline]")).to_have_text("1")
    shot(page, "fleet-console-offline")
