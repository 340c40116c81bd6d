"""The phone home card follows one patient from the admission notice to "rate your stay":
each staff action happens in the console (or the HIS feed), and after each one the card on
the patient's phone names the next thing to do, with one button that goes there; once the
stay is rated, the card falls back to the discharge documents."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from bedside.admissions import service as admissions_service
from bedside.admissions.schemas import NoticeIn
from bedside.core.audit import SYSTEM
from bedside.core.clock import local_today
from bedside.integrations import service as integrations
from bedside.kiosks import service as kiosks_service
from bedside.staff import service as staff_service
from tests import factories
from tests.e2e.conftest import KIOSK, PHONE, shot
from tests.e2e.steps import (
    answer_health_questions,
    assign_bed,
    console,
    draw_signature,
    fill_admission_details,
    kiosk_sign_in,
    pay_in_sandbox,
    phone_sign_in,
)

pytestmark = pytest.mark.browser

PHONE_NO = "13700000077"


def _card(phone: Page, code: str) -> None:
    """Home until the card shows `code` (events reach the phone through the outbox loop)."""
    for _ in range(60):
        phone.goto("/phone/")
        if phone.locator(f"[data-testid=next-step][data-step={code}]").count():
            break
        phone.wait_for_timeout(250)
    expect(phone.locator("[data-testid=next-step]")).to_have_attribute("data-step", code)


def test_home_card_from_request_a_bed_to_rate_your_stay(session, sms, new_page):
    world = factories.hospital(session)
    doctor = factories.staff(session, "dr.card", "doctor", department_id=world.department.id)
    factories.staff(session, "center.card", "admission_center")
    factories.staff(session, "nurse.card", "nurse")
    factories.staff(session, "yb.card", "insurance_officer")
    patient = factories.patient(session, name="黄忠", phone=PHONE_NO)
    factories.account_for(session, PHONE_NO, patient)
    notice = admissions_service.issue(
        session,
        staff_service.actor_for(doctor),
        NoticeIn(
            patient_id=patient.id,
            department_id=world.department.id,
            diagnosis="冠心病",
            kind="elective",
            expected_date=factories.tomorrow(),
        ),
    )
    _, kiosk_key = kiosks_service.register(
        session,
        SYSTEM,
        code="K-CARD",
        name="入院机",
        location="入院大厅",
        model="ZK-43",
        serial="S-CARD",
        modules=["id_reader", "receipt_printer", "wristband_printer"],
    )
    his_key = integrations.register(session, SYSTEM, "HIS-card", ["charges"])[1]
    session.commit()
    steps: list[str] = []

    phone = new_page(PHONE)
    phone_sign_in(phone, sms, PHONE_NO)

    def card(code: str) -> None:
        _card(phone, code)
        steps.append(code)

    # Notice issued → request a bed.
    card("request_bed")
    phone.locator("[data-testid=next-step-action]").click()
    phone.locator("[data-testid=request-bed]").click()
    phone.locator("[data-testid=submit-bed-request]").click()
    card("wait_for_bed")

    center = console(new_page, "center.card")
    assign_bed(center, world.beds[0].id)
    card("complete_admission")

    phone.locator("[data-testid=next-step-action]").click()
    answer_health_questions(phone)
    fill_admission_details(phone, emergency_relation="child")
    card("pay_deposit")

    phone.locator("[data-testid=next-step-action]").click()
    pay_in_sandbox(phone)
    card("print_wristband")

    kiosk = new_page(KIOSK)
    kiosk_sign_in(kiosk, kiosk_key, patient.resident_id)
    expect(kiosk.locator("[data-testid=next-step]")).to_have_attribute("data-step", "print_wristband")
    action = kiosk.locator("[data-testid=next-step-action]")
    expect(action).to_have_attribute("href", f"/kiosk/stays/{notice.id}")
    action.click()
    kiosk.locator("[data-testid=admit]").click()
    inpatient_no = kiosk.locator("[data-testid=inpatient-no]").inner_text()
    card("go_to_ward")

    # The HIS posts the stay's charges; the doctor orders the discharge.
    day = (local_today() - timedelta(days=1)).isoformat()
    lines = [
        {
            "his_line_id": f"L{i}",
            "code": f"C{i}",
            "name": name,
            "category": category,
            "insurance_class": cls,
            "unit_price_fen": fen,
            "quantity": "1",
            "amount_fen": fen,
            "service_date": day,
        }
        for i, (name, category, cls, fen) in enumerate(
            [
                ("床位费", "bed", "A", 30000),
                ("血常规", "lab", "A", 5000),
                ("阿司匹林", "western_drug", "B", 2000),
            ]
        )
    ]
    posted = phone.request.post(
        f"/api/v1/his/inpatients/{inpatient_no}/charges",
        data={"lines": lines},
        headers={"Authorization": f"Bearer {his_key}"},
    )
    assert posted.status == 200, posted.text()
    stay_url = f"/console/stays/{notice.id}"
    doc = console(new_page, "dr.card")
    doc.goto(stay_url)
    doc.locator("[data-testid=do-order]").click()
    expect(doc.locator("[data-testid=discharge-state]")).to_have_attribute("data-state", "ordered")
    card("discharge_ordered")

    nurse = console(new_page, "nurse.card")
    nurse.goto(stay_url)
    nurse.locator("[data-testid=act-clear_ward] input[name=no_pending_orders]").check()
    nurse.locator("[data-testid=act-clear_ward] input[name=charges_posted]").check()
    nurse.locator("[data-testid=do-clear_ward]").click()
    card("discharge_ward_cleared")
    officer = console(new_page, "yb.card")
    officer.goto(stay_url)
    officer.locator("[data-testid=do-approve]").click()
    expect(officer.locator("[data-testid=discharge-state]")).to_have_attribute(
        "data-state", "ready_to_settle"
    )
    card("settle_now")

    phone.locator("[data-testid=next-step-action]").click()
    draw_signature(phone)
    phone.locator("[data-testid=confirm-settlement]").click()
    expect(phone.locator("[data-testid=settled]")).to_be_visible()
    card("documents")

    # The nurse sees the patient leave the ward: the survey invitation arrives.
    nurse.goto(stay_url)
    nurse.locator("[data-testid=do-leave]").click()
    expect(nurse.locator("[data-testid=discharge-state]")).to_have_attribute("data-state", "discharged")
    card("rate_stay")
    shot(phone, "phone-home-rate-your-stay")
    phone.locator("[data-testid=next-step-action]").click()
    for question in ("overall", "doctors", "nurses", "environment", "process"):
        phone.locator(f"[data-testid=rate-{question}-5]").check()
    phone.locator("[data-testid=submit-survey]").click()
    expect(phone.locator("[data-testid=survey-done]")).to_be_visible()
    card("documents")

    assert steps == [
        "request_bed",
        "wait_for_bed",
        "complete_admission",
        "pay_deposit",
        "print_wristband",
        "go_to_ward",
        "discharge_ordered",
        "discharge_ward_cleared",
        "settle_now",
        "documents",
        "rate_stay",
        "documents",
    ]
