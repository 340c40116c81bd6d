"""The foundation's thin journey: a doctor issues an admission notice in the console; the
patient's account holder signs in on the phone and sees 'next step: request a bed'."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import DESKTOP, PHONE, shot

pytestmark = pytest.mark.browser


def test_doctor_issues_notice_and_patient_sees_next_step(session, sms, new_page):
    world = factories.hospital(session)
    factories.staff(session, "dr.chen", "doctor", department_id=world.department.id, full_name="陈建国")
    patient = factories.patient(session, name="张三丰", phone="13700000001")
    factories.account_for(session, "13700000001", patient)

    doctor = new_page(DESKTOP)
    doctor.goto("/console/")
    expect(doctor).to_have_url(re.compile(r"/console/login"))
    doctor.fill("#username", "dr.chen")
    doctor.fill("#password", factories.PASSWORD)
    doctor.click("button[type=submit]")
    doctor.get_by_role("link", name="住院证").first.click()
    doctor.get_by_role("link", name="开具住院证").click()
    doctor.fill("#q", patient.resident_id)
    doctor.locator("[data-testid=issue-notice]").click()  # the htmx search result
    expect(doctor.locator("[data-testid=notice-patient]")).to_contain_text("张三丰")
    doctor.fill("#diagnosis", "不稳定型心绞痛")
    doctor.fill("#expected_date", factories.tomorrow().isoformat())
    doctor.click("button:has-text('开具')")
    expect(doctor.locator("[role=status]")).to_contain_text("住院证已开具")
    expect(doctor.locator("[data-testid=notices]")).to_contain_text("不稳定型心绞痛")
    shot(doctor, "console-notice-issued")

    phone = new_page(PHONE)
    phone.goto("/phone/")
    expect(phone).to_have_url(re.compile(r"/phone/login"))
    phone.fill("#phone", "13700000001")
    phone.click("button:has-text('获取验证码')")
    expect(phone.locator("#code")).to_be_visible()
    phone.fill("#code", sms.last_code("13700000001"))
    phone.click("button:has-text('登录')")
    card = phone.locator("[data-testid=next-step]")
    expect(card).to_have_attribute("data-step", "request_bed")
    expect(card).to_contain_text("下一步：预约床位")
    expect(card).to_contain_text("心血管内科")
    shot(phone, "phone-home-next-step")
    phone.locator("[data-testid=next-step-action]").click()
    expect(phone.locator("[data-testid=notice-detail]")).to_contain_text("不稳定型心绞痛")

    # The notification travelled through the outbox to the inbox.
    for _ in range(50):
        phone.goto("/phone/")
        if phone.locator("[data-testid=unread]").count():
            break
        phone.wait_for_timeout(200)
    expect(phone.locator("[data-testid=unread]")).to_have_text("1")
    phone.locator("[data-testid=inbox-link]").click()
    expect(phone.locator("[data-testid=message]")).to_contain_text("陈建国医生为您开具了心血管内科住院证")


def test_english_switch(new_page):
    page = new_page(PHONE)
    page.goto("/phone/login")
    expect(page.locator("h1")).to_have_text("登录")
    page.get_by_role("link", name="English").click()
    expect(page.locator("h1")).to_have_text("Sign in")
