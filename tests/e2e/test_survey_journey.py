"""After discharge in the browser: the family opens "please rate your stay" from the inbox on
the phone (390x844), rates and comments, and the manager sees it in the console's results."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import DESKTOP, PHONE, shot
from tests.integration.test_care_surveys import discharged_stay

pytestmark = pytest.mark.browser


def test_discharged_patient_rates_the_stay_from_the_inbox(session, sms, new_page):
    discharged_stay(session)
    factories.staff(session, "manager.sv", "manager")

    phone = new_page(PHONE)
    phone.goto("/phone/login")
    phone.fill("#phone", "13600000011")
    phone.click("button:has-text('获取验证码')")
    phone.fill("#code", sms.last_code("13600000011"))
    phone.click("button:has-text('登录')")
    phone.locator("[data-testid=inbox-link]").click()
    rate = phone.locator("[data-testid=message]", has=phone.locator("a[href^='/phone/surveys/']"))
    expect(rate).to_have_count(1)
    rate.locator("a[href^='/phone/surveys/']").click()
    expect(phone.locator("[data-testid=survey-form]")).to_be_visible()
    for question, stars in (
        ("overall", 5),
        ("doctors", 4),
        ("nurses", 5),
        ("environment", 3),
        ("process", 4),
    ):
        phone.locator(f"[data-testid=rate-{question}-{stars}]").check()
    phone.locator("[data-testid=text-comments]").fill("护士很耐心，出院手续很快。")
    shot(phone, "phone-survey")
    phone.locator("[data-testid=submit-survey]").click()
    expect(phone.locator("[data-testid=survey-done]")).to_be_visible()

    console = new_page(DESKTOP)
    console.goto("/console/login")
    console.fill("#username", "manager.sv")
    console.fill("#password", factories.PASSWORD)
    console.click("button[type=submit]")
    expect(console).to_have_url(re.compile(r"/console/$"))
    console.goto("/console/surveys")
    row = console.locator("[data-testid=results-row]")
    expect(row).to_have_count(1)
    expect(row.locator("[data-testid=answered]")).to_have_text("1")
    expect(row.locator("[data-testid=avg-environment]")).to_have_text("3.00")
    expect(console.locator("[data-testid=comment]")).to_contain_text("护士很耐心")
    shot(console, "console-survey-results")
