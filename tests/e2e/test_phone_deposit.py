"""On the phone: pay the first deposit, then a top-up, through the WeChat sandbox, and see
the balance change each time."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from bedside.admissions import service as admissions_service
from bedside.admissions.schemas import NoticeIn
from bedside.payments import registry
from bedside.staff import service as staff_service
from tests import factories
from tests.e2e.conftest import PHONE, shot

pytestmark = pytest.mark.browser


def _sign_in(page, sms, phone):  # type: ignore[no-untyped-def]
    page.goto("/phone/")
    page.fill("#phone", phone)
    page.click("button:has-text('获取验证码')")
    page.fill("#code", sms.last_code(phone))
    page.click("button:has-text('登录')")


def _pay_in_sandbox(page, mode="normal"):  # type: ignore[no-untyped-def]
    page.locator("[data-testid=pay]").click()
    page.locator("[data-testid=sandbox-pay]").click()
    if mode != "normal":
        page.locator("summary").click()
        page.select_option("[data-testid=sandbox-mode]", mode)
    page.locator("[data-testid=sandbox-confirm]").click()
    expect(page.locator("[data-testid=payment-status]")).to_have_attribute(
        "data-state", "paid", timeout=15000
    )


def test_first_deposit_then_top_up(session, sms, new_page):
    registry.reset()
    world = factories.hospital(session)
    doctor = factories.staff(session, "dr.wang", "doctor", department_id=world.department.id)
    patient = factories.patient(session, name="刘备", phone="13700000002")
    factories.account_for(session, "13700000002", patient)
    notice = admissions_service.issue(
        session,
        staff_service.actor_for(doctor),
        NoticeIn(
            patient_id=patient.id,
            department_id=world.department.id,
            diagnosis="心衰",
            expected_date=factories.tomorrow(),
        ),
    )

    page = new_page(PHONE)
    _sign_in(page, sms, "13700000002")
    page.goto(f"/phone/notices/{notice.id}")
    page.locator("[data-testid=deposit-link]").click()
    expect(page.locator("[data-testid=balance]")).to_have_text("¥0.00")
    expect(page.locator("form")).to_contain_text("¥5,000.00")  # the department's suggested first deposit
    _pay_in_sandbox(page)
    expect(page.locator("[data-testid=payment-status]")).to_contain_text("¥5,000.00")
    page.get_by_role("link", name="返回预交金").click()
    expect(page.locator("[data-testid=balance]")).to_have_text("¥5,000.00")
    page.fill("#custom", "1234.5")
    # The channel never sends this notification: the waiting page asks WeChat itself.
    _pay_in_sandbox(page, mode="missing")
    page.get_by_role("link", name="返回预交金").click()
    expect(page.locator("[data-testid=balance]")).to_have_text("¥6,234.50")
    expect(page.locator("[data-testid=ledger]")).to_contain_text("充值")
    shot(page, "phone-deposit")
    registry.reset()
