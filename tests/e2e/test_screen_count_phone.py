"""Fewer screens (#14 item 6): admission on the phone after the notice — bed request,
questionnaire, details, insurance, deposit — takes at most ten screens, counted as page loads
of the phone's main frame (htmx updates in place are not screens). Each form leads to the next
step, so the hub is never needed in between; the count is printed for the record.

Two orders: the admission center assigns the bed while the patient is still on the forms (the
details then lead straight to the deposit), or only after the forms are done (the details lead
to the hub that says "waiting"; the bed news brings the patient back through the home card)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from bedside.admissions import service as admissions_service
from bedside.admissions.schemas import NoticeIn
from bedside.staff import service as staff_service
from tests import factories
from tests.e2e.conftest import PHONE, shot
from tests.e2e.steps import (
    answer_health_questions,
    assign_bed,
    console,
    fill_admission_details,
    pay_in_sandbox,
    phone_sign_in,
)

pytestmark = pytest.mark.browser

LIMIT = 10


class Screens:
    """Counts the page loads of one page's main frame from `start()` on."""

    def __init__(self, page: Page) -> None:
        self.urls: list[str] = []
        self._on = False
        page.on("framenavigated", lambda frame: self._seen(page, frame))

    def _seen(self, page: Page, frame: object) -> None:
        if self._on and frame is page.main_frame:
            self.urls.append(re.sub(r"^https?://[^/]+", "", page.main_frame.url))

    def start(self) -> None:
        self._on = True


@pytest.mark.parametrize("bed_assigned", ["during_the_forms", "after_the_forms"])
def test_phone_admission_after_the_notice_in_at_most_ten_screens(session, sms, new_page, bed_assigned):
    phone_no = "13700000061" if bed_assigned == "during_the_forms" else "13700000062"
    world = factories.hospital(session)
    doctor = factories.staff(session, "dr.count", "doctor", department_id=world.department.id)
    factories.staff(session, "center.count", "admission_center")
    patient = factories.patient(session, name="赵云", phone=phone_no)
    factories.account_for(session, phone_no, patient)
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
    session.commit()

    phone = new_page(PHONE)
    phone_sign_in(phone, sms, phone_no)
    phone.goto(f"/phone/notices/{notice.id}")
    screens = Screens(phone)
    screens.start()

    phone.locator("[data-testid=request-bed]").click()
    phone.locator("[data-testid=submit-bed-request]").click()
    # The request leads to the questionnaire, with the queue place on top.
    expect(phone.locator("[data-testid=queue-place]")).to_contain_text("第 1 位")
    expect(phone.locator("[data-testid=save-assessment]")).to_be_visible()

    center = console(new_page, "center.count")
    if bed_assigned == "during_the_forms":
        assign_bed(center, world.beds[0].id)
    answer_health_questions(phone)
    expect(phone.locator("[data-testid=save-details]")).to_be_visible()
    fill_admission_details(phone)
    if bed_assigned == "after_the_forms":
        expect(phone.locator("[data-testid=stay-state]")).to_have_attribute("data-state", "bed_requested")
        assign_bed(center, world.beds[0].id)
        for _ in range(60):  # the bed news reaches the home card through the outbox
            phone.goto("/phone/")
            if phone.locator("[data-step=pay_deposit]").count():
                break
            phone.wait_for_timeout(250)
        phone.locator("[data-testid=next-step-action]").click()
    expect(phone).to_have_url(re.compile(rf"/phone/deposit/{notice.id}$"))
    pay_in_sandbox(phone)
    phone.locator("[data-testid=continue-admission]").click()
    expect(phone.locator("[data-testid=stay-state]")).to_have_attribute("data-state", "registered")
    expect(phone.locator("[data-testid=checklist] li.done")).to_have_count(3)
    shot(phone, f"phone-screen-count-{bed_assigned}")

    # A retried home load while waiting for the outbox is one screen, not one per retry.
    counted = [
        u for i, u in enumerate(screens.urls) if not (u == "/phone/" and screens.urls[i - 1] == "/phone/")
    ]
    print(f"\nphone admission after the notice ({bed_assigned}): {len(counted)} screens: {counted}")
    assert len(counted) <= LIMIT, counted
