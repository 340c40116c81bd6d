"""Seed 003's repair loop in Chromium, with the kiosk agent's simulator: the receipt paper runs
out mid-day, the alert reaches the on-call engineer's phone by SMS, the engineer opens a repair
ticket from it on the phone, a spare stands in at the failed kiosk's place (the fleet console
shows the spare there, and a patient signs in and is served on it), the failed kiosk is
repaired and the ticket closed with its times recorded."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pydantic import SecretStr

from bedside.core.audit import SYSTEM
from bedside.core.db import utcnow
from bedside.core.events import dispatch_pending
from bedside.fleet import alerts as fleet_alerts
from bedside.fleet import service as fleet_service
from bedside.kiosk_agent.app import build_devices
from bedside.kiosk_agent.config import AgentSettings
from bedside.kiosk_agent.telemetry import TelemetryReporter
from bedside.kiosks import service as kiosks_service
from bedside.notifications.service import send_due
from tests import factories
from tests.conftest import DATABASE
from tests.e2e.conftest import KIOSK, PHONE, shot
from tests.e2e.steps import kiosk_sign_in

pytestmark = pytest.mark.browser
ENGINEER_PHONE = "13900000078"
PLACE = {"campus": "本部", "building": "门诊楼", "floor": "1F", "area": "挂号大厅"}


def test_paper_out_alert_ticket_spare_stands_in_repair_closed(
    session, new_page, live_server, sms, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    factories.hospital(session)
    engineer = factories.staff(session, "ops.eng", "ops_engineer", full_name="运维甲")
    fleet_alerts.set_on_call(session, SYSTEM, engineer.id, ENGINEER_PHONE, 1, True)
    patient = factories.patient(session)
    factories.account_for(session, patient.phone, patient)
    registered = {}
    for code, place in (("K-HALL", PLACE), ("K-SPARE", {"area": "库房", "spare": "1"})):
        kiosk, key = kiosks_service.register(
            session,
            SYSTEM,
            code=code,
            name=code,
            location="门诊楼",
            model="ZK-43",
            serial=f"S-{code}",
            modules=["receipt_printer", "id_reader"],
        )
        fleet_service.update_placement(session, SYSTEM, kiosk.id, place)
        registered[code] = (kiosk.id, key)
    session.commit()
    url = live_server.start()
    hall_id, hall_key = registered["K-HALL"]
    config = AgentSettings(_env_file=None, server_url=url, kiosk_key=SecretStr(hall_key), output_dir=tmp_path)
    devices = build_devices(config)
    reporter = TelemetryReporter(config, devices)
    assert reporter.report_once()

    # Mid-day the roll runs out on a receipt.
    printer = devices.receipt_printer
    printer.paper_mm = 1  # type: ignore[attr-defined]
    with pytest.raises(Exception):  # noqa: B017 - the driver's paper-out fault
        printer.print_escpos(b"\x1b@receipt\n" * 50)
    assert reporter.report_once()
    with DATABASE.session() as s:
        assert fleet_alerts.evaluate(s)["raised"] >= 1
    # The live server's own dispatcher and notifier may take the event and the first attempt:
    # wait for the text either way, a retry's backoff included.
    deadline = time.monotonic() + 15
    texted: list[str] = []
    while not texted and time.monotonic() < deadline:
        while dispatch_pending(DATABASE.session_factory):
            pass
        with DATABASE.session() as s:
            send_due(s, now=utcnow() + timedelta(minutes=2))
        texted = [m.text for m in sms.sent if m.phone == ENGINEER_PHONE]
        time.sleep(0.2)
    assert texted and "K-HALL" in texted[-1], texted
    assert not any("K-SPARE" in t for t in texted)  # a spare on the shelf is off, not down

    # The engineer, on the phone, opens the alert and a ticket from it.
    phone = new_page(PHONE)
    phone.goto("/console/login")
    phone.fill("#username", "ops.eng")
    phone.fill("#password", factories.PASSWORD)
    phone.click("button[type=submit]")
    phone.goto("/console/fleet/alerts")
    row = phone.locator("tr[data-rule=module_fault], tr[data-rule=consumable_low]").first
    expect(row).to_be_visible()
    row.locator("button:has-text('维修工单')").click()
    expect(phone).to_have_url(re.compile(r"/console/fleet/tickets/\d+$"))
    ticket_url = phone.url
    expect(phone.locator("[data-testid=ticket-state]")).to_have_attribute("data-state", "opened")
    shot(phone, "fleet-ticket-from-alert")

    # A spare stands in at the hall.
    phone.locator("select[name=spare_kiosk_id]").select_option(str(registered["K-SPARE"][0]))
    phone.locator("button:has-text('备用机')").click()
    expect(phone.locator("[data-testid=stand-in]")).to_contain_text("K-SPARE")
    phone.goto(f"/console/fleet/kiosks/{registered['K-SPARE'][0]}")
    expect(phone.locator("main")).to_contain_text("挂号大厅")
    phone.goto(f"/console/fleet/kiosks/{hall_id}")
    expect(phone.locator("[data-testid=kiosk-state]")).to_have_attribute("data-state", "out_of_service")
    expect(phone.locator("[data-testid=served-by]")).to_contain_text("K-SPARE")

    # A patient is served on the spare; the failed kiosk says it is out of service.
    kiosk = new_page(KIOSK)
    kiosk_sign_in(kiosk, registered["K-SPARE"][1], patient.resident_id)
    expect(kiosk.locator("[data-testid=home]")).to_be_visible()
    expect(kiosk.locator("[data-testid=out-of-service]")).to_have_count(0)
    hall = new_page(KIOSK)
    hall.goto(f"/kiosk/activate?key={hall_key}")
    hall.fill("#key", hall_key)
    hall.click("button[type=submit]")
    expect(hall.locator("[data-testid=out-of-service]")).to_be_visible()
    shot(hall, "kiosk-out-of-service")

    # Paper refilled, repaired on site, closed: the times are on the ticket.
    printer.refill()
    assert reporter.report_once()
    phone.goto(ticket_url)
    for step in ("diagnose", "repair", "close"):
        phone.locator(f"[data-testid=act-{step}]").click()
        expect(phone).to_have_url(ticket_url)
    expect(phone.locator("[data-testid=ticket-state]")).to_have_attribute("data-state", "closed")
    expect(phone.locator("[data-testid=repaired-at]")).not_to_have_text("—")
    phone.goto(f"/console/fleet/kiosks/{hall_id}")
    expect(phone.locator("[data-testid=kiosk-state]")).not_to_have_attribute("data-state", "out_of_service")
    shot(phone, "fleet-ticket-closed")
