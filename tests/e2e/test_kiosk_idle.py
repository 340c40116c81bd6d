"""At the kiosk: sign in by resident ID; left idle, the kiosk signs out and keeps nothing."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from bedside.core.audit import SYSTEM
from bedside.kiosks import service as kiosks_service
from bedside.settings import get_settings
from tests import factories
from tests.e2e.conftest import KIOSK, shot

pytestmark = pytest.mark.browser


def test_kiosk_sign_in_and_idle_reset(session, new_page, monkeypatch, sms):
    monkeypatch.setattr(get_settings(), "kiosk_idle_seconds", 6)
    factories.hospital(session)
    patient = factories.patient(session, name="欧阳娜娜", male=False)
    _, key = kiosks_service.register(
        session,
        SYSTEM,
        code="K-E2E",
        name="测试机",
        location="大厅",
        model="ZK-43",
        serial="S",
        modules=["id_reader"],
    )
    page = new_page(KIOSK)
    page.goto("/kiosk/")
    expect(page.locator("h1")).to_have_text("激活本自助机")
    page.fill("#key", key)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("欢迎使用")
    shot(page, "kiosk-home")
    page.locator("[data-testid=login-resident-id]").click()
    for ch in patient.resident_id:
        page.click(f".keypad button[data-key='{ch}']")
    page.evaluate("sessionStorage.setItem('probe', 'x'); localStorage.setItem('probe', 'y')")
    page.locator("[data-testid=kiosk-login-submit]").click()
    # Typed, so the code texted to the patient's phone follows.
    page.fill("[data-testid=kiosk-sms-code]", sms.last_code(patient.phone) or "")
    page.locator("[data-testid=kiosk-login-submit]").click()
    expect(page.locator("[data-testid=kiosk-patient-name]")).to_contain_text("欧**娜")
    shot(page, "kiosk-patient")
    # Nobody touches the screen: back to the welcome screen with nothing personal left.
    expect(page.locator("h1")).to_have_text("欢迎使用", timeout=15000)
    assert "欧" not in page.content()
    assert page.evaluate(
        "[sessionStorage.length, localStorage.length, Object.keys(sessionStorage), Object.keys(localStorage)]"
    ) == [0, 0, [], []]
    page.goto("/kiosk/patient")
    expect(page.locator("h1")).to_have_text("欢迎使用")
