"""An elderly patient with no smartphone is admitted entirely at the kiosk (1080×1920, with its
device agent): the resident ID card signs in and fills in the details, the patient confirms,
answers the health questions, pays the first deposit on the PIN pad and prints the wristband.
The test counts the taps (button and link presses; typing and the devices are counted apart)
and prints them: the target is at most 6."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import Locator, expect

from bedside.admissions import beds, stay
from bedside.admissions import service as admissions_service
from bedside.admissions.models import AdmissionNotice
from bedside.admissions.schemas import NoticeIn
from bedside.core.audit import SYSTEM
from bedside.kiosks import service as kiosks_service
from bedside.staff import service as staff_service
from tests import factories
from tests.conftest import DATABASE
from tests.e2e.conftest import KIOSK, shot
from tests.e2e.test_kiosk_agent import start_agent  # noqa: F401 - fixture
from tests.e2e.test_kiosk_credentials import activate, control, ready

pytestmark = pytest.mark.browser
ADDRESS = "湖南省长沙市天心区书院路 9 号"
MAX_TAPS = 6


class Taps:
    """Every press the patient makes; what they type is counted apart."""

    def __init__(self) -> None:
        self.taps: list[str] = []
        self.typed: list[str] = []

    def tap(self, target: Locator, name: str) -> None:
        target.click()
        self.taps.append(name)

    def type(self, target: Locator, name: str, text: str) -> None:
        target.fill(text)
        self.typed.append(name)


def _world(session):  # type: ignore[no-untyped-def]
    world = factories.hospital(session)
    doctor = factories.staff(session, "dr.kiosk", "doctor", department_id=world.department.id)
    clerk = factories.staff(session, "clerk.kiosk", "admission_center")
    # 78 years old; the phone number on file is a landline's stand-in: no account, no smartphone.
    patient = factories.patient(session, name="张一凡", birth=date(1948, 3, 2))
    notice = admissions_service.issue(
        session,
        staff_service.actor_for(doctor),
        NoticeIn(
            patient_id=patient.id,
            department_id=world.department.id,
            diagnosis="慢性心力衰竭",
            expected_date=factories.tomorrow(),
        ),
    )
    _, key = kiosks_service.register(
        session,
        SYSTEM,
        code="K-ADM",
        name="入院机",
        location="住院大厅",
        model="ZK-43",
        serial="S-ADM",
        modules=["id_reader", "pin_pad", "receipt_printer", "wristband_printer"],
    )
    return world, staff_service.actor_for(clerk), patient, notice, key


def test_elderly_patient_admitted_at_the_kiosk_with_the_id_card(
    session,
    new_page,
    start_agent,  # noqa: F811
    monkeypatch,
):
    world, clerk, patient, notice, key = _world(session)
    monkeypatch.setenv("BEDSIDE_AGENT_KIOSK_KEY", key)  # the agent signs its card reads with it
    agent = start_agent()
    page = new_page(KIOSK)
    activate(page, key)  # the hospital switched the kiosk on; the patient walks up to it
    taps = Taps()

    taps.tap(page.locator("[data-testid=login-resident-id]"), "ID card")
    ready(page)
    card = {
        "resident_id": patient.resident_id,
        "name": patient.name,
        "gender": patient.gender,
        "birth_date": patient.birth_date.isoformat(),
        "address": ADDRESS,
    }
    control(agent, "id_reader", card)  # placed on the reader, and left there
    expect(page.locator("[data-testid=kiosk-patient-name]")).to_be_visible(timeout=10000)
    taps.tap(page.locator("[data-testid=next-step-action]"), "admission")

    # The details screen: filled in from the card; the patient adds what the card cannot say.
    form = page.locator("[data-testid=kiosk-intake]")
    expect(form.locator("[data-testid=id-card]")).to_have_attribute("data-card-state", "read", timeout=10000)
    expect(page.locator("#address")).to_have_value(ADDRESS)
    expect(form.locator("[data-card-show=name]")).to_have_text(patient.name)
    expect(form.locator("[data-card-show=birth_date]")).to_have_text("1948-03-02")
    shot(page, "kiosk-admission-details")
    taps.type(page.locator("#occupation"), "occupation", "退休")
    page.select_option("#marital_status", "widowed")
    taps.typed.append("marital status")
    taps.type(page.locator("#emergency_name"), "contact", "张小凡")
    taps.type(page.locator("#emergency_phone"), "contact phone", "13811112222")
    page.select_option("#emergency_relation", "child")
    taps.typed.append("contact relation")
    page.locator("[data-testid=intake-insurance-resident]").check()
    taps.typed.append("insurance")
    taps.tap(page.locator("[data-testid=save-intake]"), "confirm details")

    # The health questions follow at once; "none of these" answers them in one tap.
    expect(page.locator("[data-testid=kiosk-assessment]")).to_be_visible()
    taps.type(page.locator("#height_cm"), "height", "162")
    taps.type(page.locator("#weight_kg"), "weight", "58")
    shot(page, "kiosk-admission-questions")
    taps.tap(page.locator("[data-testid=none-apply]"), "none of these")

    # The deposit follows; meanwhile the admission center gives the bed.
    expect(page).to_have_url(f"{page.url.split('/kiosk/')[0]}/kiosk/deposit/{notice.id}")
    session.rollback()  # the test's own session holds no snapshot while the app writes
    with DATABASE.session() as s:
        assert s.get(AdmissionNotice, notice.id).state == "bed_requested"
        beds.assign(s, clerk, notice.id, world.beds[0].id)
        assert s.get(AdmissionNotice, notice.id).state == "registered"  # everything else was in
    taps.tap(page.locator("[data-testid=method-card]"), "bank card")
    expect(page.locator("[data-testid=payment-status]")).to_have_attribute(
        "data-state", "paid", timeout=15000
    )
    taps.tap(page.locator("[data-testid=continue-admission]"), "continue")

    band = page.locator("[data-testid=wristband]")
    expect(band).to_be_visible()
    expect(page.locator("[data-testid=inpatient-no]")).to_have_text(re.compile(r"ZY\d{10}"))
    expect(band).to_have_attribute("data-print-state", "printed", timeout=15000)
    shot(page, "kiosk-admission-wristband")

    print(
        f"\nkiosk admission: {len(taps.taps)} taps ({', '.join(taps.taps)}); "
        f"{len(taps.typed)} fields typed or chosen ({', '.join(taps.typed)})"
    )
    assert len(taps.taps) <= MAX_TAPS, taps.taps
    with DATABASE.session() as s:
        assert s.get(AdmissionNotice, notice.id).state == "admitted"
        details = stay.details(s, notice.id)
        assert details is not None and details.address == ADDRESS
        done = stay.assessments(s, notice.id)
        assert set(done) == {"morse_fall", "padua_vte"}
        assert all(r.answered_by.startswith("kiosk") for r in done.values())
