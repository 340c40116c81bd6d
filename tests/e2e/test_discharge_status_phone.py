"""The phone during discharge (#14 item 6): after the doctor's order the home card changes at
each stage (ordered → ward cleared → ready to settle → settled) and its one button opens the
discharge status view, which shows each stage done with its time, the current one with what
happens now, and the one thing to do (settle, then the documents). The stay page of an admitted
patient links to the deposit top-up (item 8)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from bedside.charges import service as charges
from bedside.core.clock import local_today
from bedside.core.events import dispatch_pending
from bedside.discharge import service as discharge
from tests.conftest import DATABASE
from tests.e2e.conftest import PHONE, shot
from tests.e2e.steps import draw_signature, phone_sign_in
from tests.integration.discharge.conftest import HIS, admitted, line

pytestmark = pytest.mark.browser

PHONE_NO = "13600000011"  # the admitted patient's own account (see make_admission)


def _card(phone: Page, code: str) -> None:
    for _ in range(60):
        while dispatch_pending(DATABASE.session_factory):
            pass
        phone.goto("/phone/")
        if phone.locator(f"[data-testid=next-step][data-step={code}]").count():
            break
        phone.wait_for_timeout(250)
    expect(phone.locator("[data-testid=next-step]")).to_have_attribute("data-step", code)


def _stages(phone: Page) -> dict[str, str]:
    items = phone.locator("[data-testid=discharge-stages] li")
    return {li.get_attribute("data-stage") or "": li.get_attribute("data-status") or "" for li in items.all()}


def test_home_card_and_status_view_follow_each_discharge_stage(session, sms, new_page):
    ip = admitted(session)
    with DATABASE.session() as s:
        charges.post(s, HIS, ip.notice_id, [line("1", "A", 30000, "bed"), line("2", "A", 5000, "lab")])
    phone = new_page(PHONE)
    phone_sign_in(phone, sms, PHONE_NO)
    phone.goto(f"/phone/notices/{ip.notice_id}")
    expect(phone.locator("[data-testid=topup-link]")).to_have_attribute(
        "href", f"/phone/deposit/{ip.notice_id}"
    )
    phone.locator("[data-testid=discharge-status-link]").click()
    expect(phone.locator("[data-testid=discharge-none]")).to_be_visible()

    with DATABASE.session() as s:
        discharge.order(s, ip.doctor, ip.notice_id, local_today())
    _card(phone, "discharge_ordered")
    phone.locator("[data-testid=next-step-action]").click()
    assert _stages(phone) == {
        "ordered": "current",
        "ward_cleared": "todo",
        "insurance_reviewed": "todo",
        "ready_to_settle": "todo",
        "settled": "todo",
        "discharged": "todo",
    }
    expect(phone.locator("[data-testid=discharge-action]")).to_have_count(0)  # nothing to do yet

    with DATABASE.session() as s:
        discharge.clear_ward(s, ip.nurse, ip.notice_id, no_pending_orders=True, charges_posted=True)
    state = discharge_state(ip.notice_id)
    if state == "ward_cleared":  # an insured stay waits for the insurance office
        _card(phone, "discharge_ward_cleared")
        phone.locator("[data-testid=next-step-action]").click()
        assert _stages(phone)["ward_cleared"] == "current" and _stages(phone)["ordered"] == "done"
        with DATABASE.session() as s:
            discharge.review(s, ip.officer, ip.notice_id, "approve")
    _card(phone, "settle_now")
    phone.goto(f"/phone/stays/{ip.notice_id}/discharge")
    stages = _stages(phone)
    assert (stages["ordered"], stages["ward_cleared"], stages["ready_to_settle"]) == (
        "done",
        "done",
        "current",
    )
    assert stages["insurance_reviewed"] in ("done", "skipped")
    shot(phone, "phone-discharge-status")

    phone.locator("[data-testid=discharge-action]").click()  # → settle
    draw_signature(phone)
    phone.locator("[data-testid=confirm-settlement]").click()
    expect(phone.locator("[data-testid=settled]")).to_be_visible()
    phone.goto(f"/phone/stays/{ip.notice_id}/discharge")
    assert _stages(phone)["settled"] == "current"
    phone.locator("[data-testid=discharge-action]").click()
    expect(phone.locator("[data-testid=documents]")).to_be_visible()


def discharge_state(notice_id: int) -> str:
    with DATABASE.session() as s:
        return discharge.get(s, notice_id).state
