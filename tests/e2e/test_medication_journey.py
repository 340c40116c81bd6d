"""Discharge medication in the browser: the doctor orders → the nurse confirms → the
pharmacist accepts, prints the bag label (PDF checked) and dispatches → the nurse scans the
bag (a wrong bag refused) → counselling recorded → ward clearance passes → the patient sees
the guide on the phone."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from bedside.core.audit import Actor
from bedside.core.clock import local_today
from bedside.discharge import service as discharge_service
from bedside.medication.models import MedicationOrder
from tests import factories
from tests.api.test_medication_flow import build_ward_world
from tests.conftest import DATABASE
from tests.e2e.conftest import PHONE, shot
from tests.e2e.steps import console, phone_sign_in

pytestmark = pytest.mark.browser
DOCTOR = Actor(kind="staff", id=None, label="doc", roles=frozenset({"doctor"}))


def test_discharge_medication_delivered_to_the_ward(session, sms, new_page):  # type: ignore[no-untyped-def]
    world, _, patient, notice, _, other_notice = build_ward_world(session)
    discharge_service.order(session, DOCTOR, notice.id, local_today())
    stay = f"/console/medication/stays/{notice.id}"

    doctor = console(new_page, "doc")
    doctor.goto(f"/console/stays/{notice.id}")
    doctor.click("[data-testid=stay-medication]")
    doctor.select_option("[data-testid=drug-code-0]", "AML5")
    doctor.fill("[data-testid=quantity-0]", "2")
    doctor.fill("[data-testid=dose-0]", "5mg")
    doctor.fill("[data-testid=days-0]", "14")
    doctor.click("[data-testid=med-submit]")
    expect(doctor.locator("[data-testid=med-order]")).to_have_attribute("data-state", "ordered")

    nurse = console(new_page, "nurse")
    nurse.goto(stay)
    nurse.click("[data-testid=med-confirm]")
    expect(nurse.locator("[data-testid=med-order]")).to_have_attribute("data-state", "nurse_confirmed")

    pharmacist = console(new_page, "pharm")
    pharmacist.goto("/console/medication/pharmacy")
    expect(pharmacist.locator("[data-testid=pharmacy-ward]")).to_contain_text("心内一病区")
    pharmacist.click("[data-testid=pharmacy-accept]")
    pharmacist.click("[data-testid=pharmacy-pack]")
    link = pharmacist.locator("[data-testid=bag-label]")
    bag = link.get_attribute("data-bag") or ""
    pdf = pharmacist.request.get(link.get_attribute("href") or "")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.body()))
    label_text = reader.pages[0].extract_text()
    assert len(reader.pages) == 2
    for expected in (patient.name, notice.inpatient_no, "501-1", bag):
        assert expected in label_text, (expected, label_text)
    pharmacist.click("[data-testid=dispatch-run]")
    expect(pharmacist.locator("[data-testid=dispatched]")).to_be_visible()
    shot(pharmacist, "medication-pharmacy")

    nurse.goto(f"/console/medication?ward_id={world.ward.id}")
    nurse.fill("[data-testid=scan-bag]", "MB000000WRNG")
    nurse.press("[data-testid=scan-bag]", "Enter")
    expect(nurse.locator("[data-testid=scan-error]")).to_have_attribute("data-code", "bag_not_found")
    nurse.fill("[data-testid=scan-bag]", bag)
    nurse.fill("[data-testid=scan-wristband]", other_notice.inpatient_no or "")
    nurse.click("[data-testid=scan-submit]")
    expect(nurse.locator("[data-testid=scan-error]")).to_have_attribute("data-code", "wrong_patient")
    nurse.fill("[data-testid=scan-bag]", bag)
    nurse.fill("[data-testid=scan-wristband]", notice.inpatient_no or "")
    nurse.press("[data-testid=scan-wristband]", "Enter")
    expect(nurse.locator("[data-testid=received]")).to_be_visible()

    nurse.goto(stay)
    nurse.fill("[data-testid=counsel-note]", "氨氯地平每日一次，起身宜缓慢")
    nurse.click("[data-testid=med-counsel]")
    expect(nurse.locator("[data-testid=counselled]")).to_contain_text("起身宜缓慢")
    nurse.goto(f"/console/stays/{notice.id}")
    nurse.check("[data-testid=act-clear_ward] input[name=no_pending_orders]")
    nurse.check("[data-testid=act-clear_ward] input[name=charges_posted]")
    nurse.click("[data-testid=do-clear_ward]")
    expect(nurse.locator("[data-testid=discharge-state]")).not_to_have_attribute("data-state", "ordered")

    factories.account_for(session, patient.phone, patient)
    phone = new_page(PHONE)
    phone_sign_in(phone, sms, patient.phone)
    phone.goto(f"/phone/stays/{notice.id}/medication")
    expect(phone.locator("[data-testid=med-status]")).to_have_attribute("data-state", "counselled")
    expect(phone.locator("[data-testid=med-guide-drug]")).to_contain_text("苯磺酸氨氯地平片")
    expect(phone.locator("[data-testid=med-warning]")).to_contain_text("起身宜缓慢")
    shot(phone, "medication-guide")
    with DATABASE.session() as s:
        assert s.get(MedicationOrder, _order_id(s, notice.id)).state == "counselled"  # type: ignore[union-attr]


def _order_id(s, notice_id: int) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    return s.scalar(select(MedicationOrder.id).where(MedicationOrder.notice_id == notice_id))  # type: ignore[no-any-return]
