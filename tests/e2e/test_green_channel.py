"""A green-channel emergency reaches the ward and pays later (seed 004 "开通绿色通道"): the
doctor flags the notice, the admission center assigns the bed straight from the emergencies,
the ward nurse admits without details or deposit and sees the badge and the due time, the
patient is reminded on the phone and pays the deposit after arrival through the deposit pages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from bedside.payments import registry
from tests import factories
from tests.e2e.conftest import PHONE, shot
from tests.e2e.steps import console, pay_in_sandbox, phone_sign_in

pytestmark = pytest.mark.browser


def test_a_green_channel_emergency_reaches_the_ward_and_pays_later(session, sms, new_page):
    registry.reset()
    world = factories.hospital(session)
    factories.staff(session, "dr.er", "doctor", department_id=world.department.id)
    factories.staff(session, "clerk.er", "admission_center")
    factories.staff(session, "rn.er", "nurse", ward_id=world.ward.id, department_id=world.department.id)
    patient = factories.patient(session, name="黄忠", phone="13700000044")
    factories.account_for(session, "13700000044", patient)
    bed_id = world.beds[0].id

    # The doctor issues the notice with the green-channel flag.
    doctor = console(new_page, "dr.er")
    doctor.goto(f"/console/notices/new?patient_id={patient.id}")
    doctor.fill("#diagnosis", "急性心肌梗死")
    doctor.locator("[data-testid=green-channel]").check()
    doctor.click("form[action='/console/notices'] button[type=submit]")
    expect(doctor.locator("[data-testid=notices]")).to_contain_text("绿色通道")
    notice_id = int(doctor.locator("[data-testid=notices] tbody tr td").first.inner_text())

    # The admission center assigns a bed straight from the emergencies, no queue.
    center = console(new_page, "clerk.er")
    center.goto(f"/console/beds?department={world.department.id}")
    row = center.locator(f"[data-testid=bed-queue] tr[data-notice='{notice_id}']")
    expect(row.locator(f"[data-testid=green-{notice_id}]")).to_be_visible()
    row.locator("[data-testid^=pick-bed-]").click()
    picker = center.locator("[data-testid=bed-picker]")
    picker.locator(f"[data-testid=assign-bed-{bed_id}]").click()
    expect(center.locator("[role=status]")).to_contain_text("床位已分配")

    # The ward: the badge, the due time, and Admit with nothing filled in and nothing paid.
    nurse = console(new_page, "rn.er")
    nurse.goto("/console/ward-admissions")
    expect(nurse.locator(f"[data-testid=green-{notice_id}]")).to_be_visible()
    expect(nurse.locator(f"[data-testid=deposit-due-{notice_id}]")).to_be_visible()
    nurse.locator(f"[data-testid=admit-{notice_id}]").click()
    nurse.locator(f"[data-testid=arrived-{notice_id}]").click()
    expect(nurse.locator(f"[data-testid=deposit-due-{notice_id}]")).to_be_visible()  # still owed
    shot(nurse, "green-channel-ward")

    # After arrival the patient is reminded on the phone and pays through the deposit pages.
    phone = new_page(PHONE)
    phone_sign_in(phone, sms, "13700000044")
    phone.goto("/phone/inbox")
    reminder = phone.locator("[data-testid=message]", has_text="绿色通道").first
    expect(reminder).to_be_visible(timeout=15000)
    reminder.get_by_role("link").click()
    expect(phone.locator("[data-testid=balance]")).to_have_text("¥0.00")
    pay_in_sandbox(phone)
    phone.get_by_role("link", name="返回预交金").click()
    expect(phone.locator("[data-testid=balance]")).to_have_text("¥5,000.00")

    # Paid: the ward no longer shows the due time.
    nurse.reload()
    expect(nurse.locator(f"[data-testid=deposit-due-{notice_id}]")).to_have_count(0)
    registry.reset()
