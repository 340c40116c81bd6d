"""The one-stop admission, played end to end in the browser: the doctor issues a notice → the
patient requests a bed on the phone → the admission prep center assigns one → the phone shows
"your bed is ready"; the patient answers the health questions, fills in the details and the
insurance, pays the deposit through the sandbox → at a kiosk the patient signs in, completes
admission and gets the wristband → the bed board shows the bed occupied.

The patient needs one phone session (one sign-in) and one kiosk visit (one sign-in)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from bedside.core.audit import SYSTEM
from bedside.kiosks import service as kiosks_service
from tests import factories
from tests.e2e.conftest import KIOSK, PHONE, shot
from tests.e2e.steps import (
    answer_health_questions,
    assign_bed,
    console,
    fill_admission_details,
    kiosk_sign_in,
    pay_in_sandbox,
    phone_sign_in,
)

pytestmark = pytest.mark.browser


def test_whole_admission_in_one_phone_session_and_one_kiosk_visit(session, sms, new_page):
    world = factories.hospital(session)
    factories.staff(session, "dr.liu", "doctor", department_id=world.department.id, full_name="刘医生")
    factories.staff(session, "center.wu", "admission_center")
    patient = factories.patient(session, name="马超", phone="13700000021")
    factories.account_for(session, "13700000021", patient)
    _, kiosk_key = kiosks_service.register(
        session,
        SYSTEM,
        code="K-ADM",
        name="入院机",
        location="入院大厅",
        model="ZK-43",
        serial="S-ADM",
        modules=["id_reader", "receipt_printer", "wristband_printer"],
    )
    bed = world.beds[0]
    phone_sign_ins = kiosk_sign_ins = 0

    # 1. The doctor issues the notice.
    doctor = console(new_page, "dr.liu")
    doctor.get_by_role("link", name="住院证").first.click()
    doctor.get_by_role("link", name="开具住院证").click()
    doctor.fill("#q", patient.resident_id)
    doctor.locator("[data-testid=issue-notice]").click()
    doctor.fill("#diagnosis", "冠状动脉粥样硬化性心脏病")
    doctor.fill("#expected_date", factories.tomorrow().isoformat())
    doctor.click("button:has-text('开具')")
    expect(doctor.locator("[role=status]")).to_contain_text("住院证已开具")

    # 2. The patient requests a bed on the phone.
    phone = new_page(PHONE)
    phone_sign_in(phone, sms, "13700000021")
    phone_sign_ins += 1
    phone.locator("[data-testid=next-step-action]").click()
    phone.locator("[data-testid=request-bed]").click()
    phone.locator("[data-testid=submit-bed-request]").click()
    expect(phone.locator("[data-testid=queue-place]")).to_contain_text("第 1 位")
    shot(phone, "phone-queue")

    # 3. The admission prep center assigns a bed from the queue.
    center = console(new_page, "center.wu")
    assign_bed(center, bed.id)
    expect(center.locator(f"[data-bed='{bed.id}']")).to_have_attribute("data-state", "reserved")
    shot(center, "console-bed-board")

    # 4. The phone is told; the patient completes admission.
    for _ in range(50):
        phone.goto("/phone/")
        if phone.locator("[data-step=complete_admission]").count():
            break
        phone.wait_for_timeout(200)
    expect(phone.locator("[data-testid=next-step]")).to_have_attribute("data-step", "complete_admission")
    phone.locator("[data-testid=next-step-action]").click()
    expect(phone.locator("[data-testid=bed-ready]")).to_contain_text(bed.code)
    answer_health_questions(phone, "178", "72")
    fill_admission_details(phone)  # the questionnaire leads to the details, the details to the deposit
    expect(phone).to_have_url(re.compile(r"/phone/deposit/\d+$"))
    pay_in_sandbox(phone)
    phone.goto("/phone/")
    expect(phone.locator("[data-testid=next-step]")).to_have_attribute("data-step", "print_wristband")
    assert "/phone/login" not in phone.url  # still the same phone session

    # 5. One kiosk visit: sign in, complete admission, wristband.
    kiosk = new_page(KIOSK)
    kiosk_sign_in(kiosk, kiosk_key, patient.resident_id)
    kiosk_sign_ins += 1
    kiosk.locator("[data-testid^=kiosk-stay-]").first.click()
    kiosk.locator("[data-testid=admit]").click()
    inpatient_no = kiosk.locator("[data-testid=inpatient-no]")
    expect(inpatient_no).to_have_text(re.compile(r"^ZY\d{10}$"))
    expect(kiosk.locator("[data-testid=wristband]")).to_contain_text("过敏")
    zpl = kiosk.request.get(kiosk.locator("[data-testid=wristband]").get_attribute("data-zpl-url")).text()
    assert zpl.startswith("^XA") and inpatient_no.inner_text() in zpl
    shot(kiosk, "kiosk-wristband")

    # 6. The bed board shows the bed occupied.
    center.goto("/console/beds")
    expect(center.locator(f"[data-bed='{bed.id}']")).to_have_attribute("data-state", "occupied")
    assert (phone_sign_ins, kiosk_sign_ins) == (1, 1)
