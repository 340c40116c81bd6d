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
from tests.e2e.conftest import DESKTOP, KIOSK, PHONE, shot

pytestmark = pytest.mark.browser


def _staff_login(page, username):  # type: ignore[no-untyped-def]
    page.goto("/console/login")
    page.fill("#username", username)
    page.fill("#password", factories.PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/console/$"))


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
    doctor = new_page(DESKTOP)
    _staff_login(doctor, "dr.liu")
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
    phone.goto("/phone/login")
    phone.fill("#phone", "13700000021")
    phone.click("button:has-text('获取验证码')")
    phone.fill("#code", sms.last_code("13700000021"))
    phone.click("button:has-text('登录')")
    phone_sign_ins += 1
    phone.locator("[data-testid=next-step-action]").click()
    phone.locator("[data-testid=request-bed]").click()
    phone.locator("[data-testid=submit-bed-request]").click()
    expect(phone.locator("[data-testid=queue-place]")).to_contain_text("第 1 位")
    shot(phone, "phone-queue")

    # 3. The admission prep center assigns a bed from the queue.
    center = new_page(DESKTOP)
    _staff_login(center, "center.wu")
    center.goto("/console/beds")
    row = center.locator("[data-testid=bed-queue] tbody tr").first
    row.locator("select[name=bed_id]").select_option(str(bed.id))
    row.locator("button:has-text('分配')").click()
    expect(center.locator("[role=status]")).to_contain_text("床位已分配")
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
    phone.locator("[data-testid=step-assessment]").click()
    for name in ("morse_fall.history_of_falling", "morse_fall.secondary_diagnosis"):
        phone.locator(f"[data-item='{name}'] input[value=no]").check()
    phone.locator("[data-item='morse_fall.ambulatory_aid'] input").first.check()
    for item in phone.locator("[data-questionnaire=padua_vte] .question").all():
        item.locator("input[value=no]").check()
    phone.fill("#height_cm", "178")
    phone.fill("#weight_kg", "72")
    phone.locator("[data-testid=save-assessment]").click()
    expect(phone.locator("[data-testid=checklist]")).to_contain_text("健康问卷")
    phone.locator("[data-testid=step-details]").click()
    phone.fill("#address", "湖南省长沙市芙蓉区五一大道 100 号")
    phone.fill("#occupation", "工程师")
    phone.select_option("#marital_status", "married")
    phone.fill("#emergency_name", "马云禄")
    phone.fill("#emergency_phone", "13811112222")
    phone.select_option("#emergency_relation", "sibling")
    phone.fill("#allergies", "青霉素")
    phone.select_option("#insurance_type", "employee")
    phone.locator("[data-testid=save-details]").click()
    expect(phone.locator("[data-testid=stay-state]")).to_have_attribute("data-state", "registered")
    phone.locator("[data-testid=deposit-link]").click()
    phone.locator("[data-testid=pay]").click()
    phone.locator("[data-testid=sandbox-pay]").click()
    phone.locator("[data-testid=sandbox-confirm]").click()
    expect(phone.locator("[data-testid=payment-status]")).to_have_attribute(
        "data-state", "paid", timeout=15000
    )
    phone.goto("/phone/")
    expect(phone.locator("[data-testid=next-step]")).to_have_attribute("data-step", "print_wristband")
    assert "/phone/login" not in phone.url  # still the same phone session

    # 5. One kiosk visit: sign in, complete admission, wristband.
    kiosk = new_page(KIOSK)
    kiosk.goto(f"/kiosk/activate?key={kiosk_key}")
    kiosk.fill("#key", kiosk_key)
    kiosk.click("button[type=submit]")
    kiosk.locator("[data-testid=login-resident-id]").click()
    for ch in patient.resident_id:
        kiosk.click(f".keypad button[data-key='{ch}']")
    kiosk.locator("[data-testid=kiosk-login-submit]").click()
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
