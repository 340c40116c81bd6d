"""An elderly patient with no phone is admitted at the admission desk: the clerk finds the
notice, enters the bed request, details and insurance, reads the health questions to the patient,
gives the bed on the bed board, takes the first deposit (a QR code the family scans) and
completes the admission; everything is audited as entered by the clerk for the patient. On the
ward the nurse then completes her part of the risk assessment."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from bedside.admissions import service as admissions_service
from bedside.admissions import stay
from bedside.admissions.models import AdmissionNotice
from bedside.admissions.schemas import NoticeIn
from bedside.core.audit import AuditEvent
from bedside.staff import service as staff_service
from tests import factories
from tests.conftest import DATABASE
from tests.e2e import steps
from tests.e2e.conftest import shot

pytestmark = pytest.mark.browser


def _world(session):  # type: ignore[no-untyped-def]
    world = factories.hospital(session)
    doctor = factories.staff(session, "dr.desk", "doctor", department_id=world.department.id)
    clerk = factories.staff(session, "clerk.desk", "admission_center")
    factories.staff(session, "nurse.desk", "nurse")
    patient = factories.patient(session, name="李建华", birth=date(1945, 8, 20))
    notice = admissions_service.issue(
        session,
        staff_service.actor_for(doctor),
        NoticeIn(
            patient_id=patient.id,
            department_id=world.department.id,
            diagnosis="社区获得性肺炎",
            expected_date=factories.tomorrow(),
        ),
    )
    return world, patient, notice, clerk.id


def test_a_clerk_admits_a_patient_without_a_phone_at_the_desk(session, new_page):
    world, patient, notice, clerk_id = _world(session)
    session.rollback()  # no snapshot held by the test while the app works
    desk = steps.console(new_page, "clerk.desk")
    desk.locator("nav a[href='/console/desk']").click()
    desk.fill("[data-testid=desk-search]", "李建华")
    desk.locator("[data-testid=desk-search]").press("Enter")
    desk.locator(f"[data-testid=desk-open-{notice.id}]").click()

    form = desk.locator("[data-testid=desk-intake]")
    form.locator("[name=room_preference][value=shared]").check()
    desk.fill("#address", "湖南省长沙市雨花区韶山路 18 号")
    desk.fill("#occupation", "退休")
    desk.select_option("#marital_status", "married")
    desk.fill("#emergency_name", "王桂兰")
    desk.fill("#emergency_phone", "13955556666")
    desk.select_option("#emergency_relation", "spouse")
    form.locator("[data-testid=intake-insurance-resident]").check()
    desk.locator("[data-testid=desk-save-intake]").click()
    expect(desk.locator("[data-testid=desk-saved]")).to_have_attribute("data-saved", "details")

    questions = desk.locator("[data-testid=desk-assessment]")
    for item in questions.locator(".question").all():
        item.locator("input").first.check()  # the no-risk answer the patient gives to each
    questions.locator("[data-item='morse_fall.ambulatory_aid'] input[value=crutches_cane_walker]").check()
    desk.fill("#height_cm", "155")
    desk.fill("#weight_kg", "52")
    desk.locator("[data-testid=desk-save-assessment]").click()
    expect(desk.locator("[data-testid=desk-saved]")).to_have_attribute("data-saved", "assessment")

    steps.assign_bed(desk, world.beds[0].id)
    desk.goto(f"/console/desk/stays/{notice.id}")
    expect(desk.locator("[data-testid=desk-state]")).to_have_attribute("data-state", "registered")
    desk.locator("[data-testid=desk-method-wechat_qr]").click()
    expect(desk.locator("[data-testid=desk-order]")).to_have_attribute(
        "data-state", re.compile("created|paying")
    )
    shot(desk, "desk-admission-deposit")
    desk.locator("[data-testid=sandbox-pay]").click()
    desk.locator("[data-testid=sandbox-confirm]").click()
    expect(desk).to_have_url(re.compile(rf"/console/desk/stays/{notice.id}\?order=\d+"))
    expect(desk.locator("[data-testid=desk-order]")).to_have_attribute("data-state", "paid")
    desk.locator("[data-testid=desk-admit]").click()
    expect(desk.locator("[data-testid=desk-admitted]")).to_be_visible()
    expect(desk.locator("[data-testid=inpatient-no]")).to_have_text(re.compile(r"ZY\d{10}"))
    shot(desk, "desk-admission-done")

    # The ward: the nurse's part of the assessment, with the patient's answers already in.
    nurse = steps.console(new_page, "nurse.desk")
    nurse.goto(f"/console/stays/{notice.id}/assessment")
    sheet = nurse.locator("[data-testid=nurse-assessment]")
    expect(
        sheet.locator("[data-item='morse_fall.ambulatory_aid'] input[value=crutches_cane_walker]")
    ).to_be_checked()
    expect(nurse.locator("[data-testid=kept-bmi]")).to_be_visible()
    for item in sheet.locator(".question[data-by=nurse]").all():
        item.locator("input").first.check()
    nurse.locator("[data-testid=save-nurse-assessment]").click()
    expect(nurse.locator("[data-testid=nurse-saved]")).to_be_visible()
    expect(
        nurse.locator("[data-testid=assessment-results] tr[data-questionnaire=morse_fall]")
    ).to_have_attribute("data-complete", "1")

    with DATABASE.session() as s:
        assert s.get(AdmissionNotice, notice.id).state == "admitted"
        assert stay.details(s, notice.id).emergency_name == "王桂兰"
        entered = s.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "admission.entered_for_patient", AuditEvent.patient_id == patient.id
            )
        ).all()
        assert {e.detail["step"] for e in entered} == {"details", "assessment", "deposit"}
        assert {e.actor_label for e in entered} == {"clerk.desk"} or all(
            e.actor_kind == "staff" for e in entered
        )
        done = stay.assessments(s, notice.id)
        assert done["morse_fall"].complete and done["padua_vte"].complete
