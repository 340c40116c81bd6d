"""Companion care in the browser: the vendor posts care for 3 days and bills it on its
portal → the patient opens the bill from the bedside QR card, disputes a day → the vendor
answers and re-bills it → the patient confirms, pays through the sandbox and sees the receipt."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from playwright.sync_api import expect

from bedside.companion import vendors
from bedside.core.audit import SYSTEM
from bedside.core.clock import local_today
from tests import factories
from tests.api.test_medication_flow import _stay
from tests.conftest import DATABASE
from tests.e2e.conftest import PHONE, shot
from tests.e2e.steps import console, pay_in_sandbox, phone_sign_in

pytestmark = pytest.mark.browser


def _local(days_ago: int) -> str:
    return datetime.combine(local_today() - timedelta(days=days_ago), time()).strftime("%Y-%m-%dT%H:%M")


def test_care_billed_confirmed_and_paid_at_the_bedside(session, sms, new_page):  # type: ignore[no-untyped-def]
    world = factories.hospital(session)
    patient, notice = _stay(session, world, world.beds[0], name="黄忠")
    nurse_user = factories.staff(session, "nurse", "nurse")
    nurse_user.ward_id = world.ward.id
    vendor_user = factories.staff(session, "vendor", "care_vendor")
    session.commit()
    with DATABASE.session() as s:
        vendor, _ = vendors.register(s, SYSTEM, "安心陪护", "1900000001")
        vendors.link_staff(s, SYSTEM, vendor_user.id, vendor.id)

    portal = console(new_page, "vendor")
    portal.goto("/console/care-vendor")
    portal.fill("[data-testid=caregiver-name]", "李阿姨")
    portal.fill("[data-testid=caregiver-phone]", "13912345678")
    portal.click("[data-testid=caregiver-add]")
    expect(portal.locator("[data-testid=caregiver]")).to_contain_text("李阿姨")
    portal.fill("[data-testid=care-inpatient-no]", notice.inpatient_no or "")
    portal.fill("[data-testid=care-rate]", "200")
    portal.fill("[data-testid=care-starts]", _local(3))
    portal.fill("[data-testid=care-ends]", _local(0))
    portal.click("[data-testid=care-post]")
    portal.click("[data-testid=care-bill-order]")
    expect(portal.locator("[data-testid=vendor-bill]")).to_have_attribute("data-state", "pending")

    nurse = console(new_page, "nurse")
    nurse.goto("/console/care/qr-cards")
    card = nurse.locator("[data-testid=qr-card]").first
    expect(card.locator("svg")).to_be_visible()
    url = card.get_attribute("data-url") or ""
    assert url.endswith(f"/phone/care/beds/{world.beds[0].id}")

    factories.account_for(session, patient.phone, patient)
    phone = new_page(PHONE)
    phone_sign_in(phone, sms, patient.phone)
    phone.goto("/" + url.split("/", 3)[3])  # the path the card's QR carries
    expect(phone.locator("[data-testid=care-total]")).to_have_text("¥600.00")
    expect(phone.locator("[data-testid=care-day]")).to_have_count(3)
    phone.locator("[data-testid=dispute-reason]").nth(1).fill("这天下午才来")
    phone.locator("[data-testid=dispute]").nth(1).click()
    expect(phone.locator("[data-testid=care-bill]")).to_have_attribute("data-state", "disputed")

    portal.goto("/console/care-vendor")
    portal.fill("[data-testid=answer-text]", "当天只陪护半天，按半天收费")
    portal.fill("[data-testid=answer-amount]", "100")
    portal.click("[data-testid=answer-submit]")
    expect(portal.locator("[data-testid=vendor-bill]")).to_contain_text("¥500.00")

    phone.reload()
    expect(phone.locator("[data-testid=care-answer]")).to_contain_text("按半天收费")
    expect(phone.locator("[data-testid=care-total]")).to_have_text("¥500.00")
    phone.click("[data-testid=care-confirm]")
    expect(phone.locator("[data-testid=care-bill]")).to_have_attribute("data-state", "confirmed")
    pay_in_sandbox(phone)
    phone.goto(f"/phone/stays/{notice.id}/care")
    expect(phone.locator("[data-testid=care-receipt]")).to_contain_text("CR")
    expect(phone.locator("[data-testid=care-bill]")).to_have_attribute("data-state", "paid")
    shot(phone, "companion-care-paid")
