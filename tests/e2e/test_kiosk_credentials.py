"""The kiosk at 1080×1920 with its device agent's simulators: signing in with every credential
kind (resident ID card, insurance card, health-card QR, visit card, inpatient number on the
keypad, the phone's QR code, face with consent, a failed match and the fallback), the guess
limit, a bank card paid on the agent's PIN pad, elderly mode (larger type, speech), and the
19" landscape layout (1280×1024). With BEDSIDE_SCREENSHOTS=1 the main screens are written to
docs/screenshots/ at both sizes."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from bedside.admissions import service as admissions_service
from bedside.admissions.schemas import NoticeIn
from bedside.core.audit import SYSTEM
from bedside.deposits.models import LedgerEntry
from bedside.kiosks import face
from bedside.kiosks import service as kiosks_service
from bedside.patients import service as patients_service
from bedside.payments import registry
from bedside.settings import get_settings
from bedside.staff import service as staff_service
from tests import factories
from tests.e2e.conftest import KIOSK
from tests.e2e.steps import enter_texted_code
from tests.e2e.test_kiosk_agent import start_agent  # noqa: F401 - fixture

pytestmark = pytest.mark.browser

LANDSCAPE = {"width": 1280, "height": 1024}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
ALL_MODULES = [
    "id_reader",
    "card_reader",
    "scanner",
    "camera",
    "pin_pad",
    "cash_acceptor",
    "receipt_printer",
    "laser_printer",
    "stamper",
]
# Records every utterance instead of speaking (headless Chromium has no voices).
SPEECH_STUB = """
window.__spoken = [];
window.SpeechSynthesisUtterance = function (text) { this.text = text; this.lang = ""; };
Object.defineProperty(window, "speechSynthesis", { configurable: true, value: {
  speak: function (u) { window.__spoken.push({ text: u.text, lang: u.lang }); },
  cancel: function () {}, getVoices: function () { return []; } } });
"""


@pytest.fixture(autouse=True)
def simulated_face_and_channels() -> Iterator[None]:
    registry.reset()
    face.use_matcher(face.SimulatedFaceMatcher(get_settings().secret_key))
    yield
    face.use_matcher(None)
    registry.reset()


def snap(page, screen: str, orientation: str = "portrait") -> None:  # type: ignore[no-untyped-def]
    """docs/screenshots/kiosk-<screen>-<orientation>.png, half size, 256 colours (small files)."""
    if os.environ.get("BEDSIDE_SCREENSHOTS") != "1":
        return
    page.wait_for_timeout(200)
    image = Image.open(io.BytesIO(page.screenshot(full_page=False)))
    image = image.resize((image.width // 2, image.height // 2), Image.Resampling.LANCZOS)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(
        SCREENSHOTS / f"kiosk-{screen}-{orientation}.png", optimize=True
    )


def world(session, code="K-ALL"):  # type: ignore[no-untyped-def]
    """A patient with every credential, an admission notice, and a kiosk with every module."""
    hospital = factories.hospital(session)
    doctor = factories.staff(
        session, "dr." + code.lower().replace("-", "_"), "doctor", department_id=hospital.department.id
    )
    patient = factories.patient(session, name="张小凡", phone="13700000091")
    for kind, value in (
        ("insurance_card", "INS0012345"),
        ("health_card", "HC-7788-9900"),
        ("visit_card", "V000123456"),
        ("inpatient_no", "ZY2026000777"),
    ):
        patients_service.add_credential(session, SYSTEM, patient.id, kind, value)
    notice = admissions_service.issue(
        session,
        staff_service.actor_for(doctor),
        NoticeIn(
            patient_id=patient.id,
            department_id=hospital.department.id,
            diagnosis="心律失常",
            expected_date=factories.tomorrow(),
        ),
    )
    _, key = kiosks_service.register(
        session,
        SYSTEM,
        code=code,
        name="全功能机",
        location="门诊大厅",
        model="ZK-43",
        serial=f"S-{code}",
        modules=ALL_MODULES,
    )
    return patient, notice, key


def id_card(patient) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {
        "resident_id": patient.resident_id,
        "name": patient.name,
        "gender": patient.gender,
        "birth_date": patient.birth_date.isoformat(),
        "address": "湖南省长沙市",
    }


def control(agent, path: str, body: dict[str, object] | None = None) -> None:  # type: ignore[no-untyped-def]
    r = httpx.post(f"{agent.url}/control/{path}", json=body or {})
    assert r.status_code == 200, r.text


def activate(page, key) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"/kiosk/activate?key={key}")
    page.fill("#key", key)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("欢迎使用")


def ready(page) -> None:  # type: ignore[no-untyped-def]
    expect(page.locator("body")).to_have_attribute("data-agent-state", "up")
    page.wait_for_timeout(300)  # the page's event stream is open


def signed_in(page) -> None:  # type: ignore[no-untyped-def]
    expect(page.locator("[data-testid=kiosk-patient-name]")).to_contain_text("张*凡", timeout=10000)


def sign_out(page) -> None:  # type: ignore[no-untyped-def]
    page.locator("[data-testid=home]").click()
    expect(page.locator("h1")).to_have_text("欢迎使用")


def test_every_card_and_code_signs_in(session, new_page, start_agent):  # noqa: F811
    patient, _, key = world(session)
    account = factories.account_for(session, "13700000091", patient)
    code, _ = kiosks_service.issue_phone_code(session, account.id, patient.id)
    agent = start_agent()
    page = new_page(KIOSK)
    activate(page, key)

    # Resident ID card on the reader.
    page.locator("[data-testid=login-resident-id]").click()
    ready(page)
    control(agent, "id_reader", id_card(patient))
    signed_in(page)
    sign_out(page)
    control(agent, "id_reader/remove")

    # Insurance and visit cards in the card reader.
    for tile, kind, number in (
        ("login-insurance-card", "insurance_card", "INS0012345"),
        ("login-visit-card", "visit_card", "V000123456"),
    ):
        page.locator(f"[data-testid={tile}]").click()
        ready(page)
        control(agent, "card_reader", {"kind": kind, "number": number})
        signed_in(page)
        sign_out(page)
        control(agent, "card_reader/remove")

    # Health card QR and the phone's one-use QR at the scanner.
    for tile, text in (("login-health-card", "HC-7788-9900"), ("login-phone-qr", code)):
        page.locator(f"[data-testid={tile}]").click()
        ready(page)
        control(agent, "scanner", {"text": text})
        signed_in(page)
        sign_out(page)

    # The inpatient number and the last six of the resident ID, on the on-screen keypad.
    page.locator("[data-testid=login-inpatient-no]").click()
    page.click(".keypad button[data-key='ZY']")
    for ch in "2026000777":
        page.click(f".keypad button[data-key='{ch}']")
    page.locator("#id_last6").focus()
    for ch in patient.resident_id[-6:]:
        page.click(f".keypad button[data-key='{ch}']")
    page.locator("[data-testid=kiosk-login-submit]").click()
    signed_in(page)


def test_guessing_is_limited_at_the_kiosk(session, new_page):
    _, _, key = world(session)
    page = new_page(KIOSK)
    activate(page, key)
    page.goto("/kiosk/login?kind=visit_card")
    for i in range(10):
        page.fill("#value", f"V9{i:08d}")
        page.locator("[data-testid=kiosk-login-submit]").click()
        expect(page.locator("p.error[data-code]")).to_have_attribute("data-code", "kiosk_login_failed")
    page.fill("#value", "V000123456")  # even the right card waits now
    page.locator("[data-testid=kiosk-login-submit]").click()
    expect(page.locator("p.error[data-code]")).to_have_attribute("data-code", "kiosk_login_rate_limited")
    expect(page.locator("[data-testid=kiosk-patient-name]")).to_have_count(0)


def test_face_enrolment_sign_in_failed_match_and_fallback(session, new_page, start_agent):  # noqa: F811
    patient, _, key = world(session)
    agent = start_agent()
    page = new_page(KIOSK)
    activate(page, key)

    # Declining the consent goes back to the choice of credentials.
    page.locator("[data-testid=login-face]").click()
    page.locator("[data-testid=face-decline]").click()
    expect(page.locator("[data-testid=login-resident-id]")).to_be_visible()

    # Not enrolled yet: three tries, then the other credentials.
    page.locator("[data-testid=login-face]").click()
    page.locator("[data-testid=face-agree]").click()
    ready(page)
    control(agent, "camera", {"person": "patient", "resident_id": patient.resident_id})
    status = page.locator("[data-testid=face-status]")
    for expected in ("face_not_matched", "face_not_matched", "face_tries_exhausted"):
        page.locator("[data-testid=face-capture]").click()
        expect(page.locator("[data-testid=face-capture-box]")).to_have_attribute("data-face-code", expected)
    expect(status).not_to_be_empty()
    expect(page.locator("[data-testid=face-fallback]")).to_be_visible()
    expect(page.locator("[data-testid=face-capture]")).to_be_hidden()

    # Fall back to the ID card, then opt in.
    page.locator("[data-testid=fallback-resident-id]").click()
    ready(page)
    control(agent, "id_reader", id_card(patient))
    signed_in(page)
    page.locator("[data-testid=face-enrol]").click()
    page.locator("[data-testid=face-agree]").click()
    expect(page.locator("[data-testid=face-agree-check]")).to_be_visible()  # a required box
    page.locator("[data-testid=face-agree-check]").check()
    page.locator("[data-testid=face-agree]").click()
    ready(page)
    control(agent, "camera", {"person": "id_card"})
    page.locator("[data-testid=face-capture]").click()
    expect(page.locator("[data-testid=face-enrolled]")).to_be_visible()
    sign_out(page)
    control(agent, "id_reader/remove")

    # A stranger in front of the camera is not let in; the patient then is.
    page.locator("[data-testid=login-face]").click()
    page.locator("[data-testid=face-agree]").click()
    ready(page)
    control(agent, "camera", {"person": "stranger"})
    page.locator("[data-testid=face-capture]").click()
    expect(page.locator("[data-testid=face-capture-box]")).to_have_attribute(
        "data-face-code", "face_not_matched"
    )
    expect(status).not_to_be_empty()
    snap(page, "face-capture")
    control(agent, "camera", {"person": "patient", "resident_id": patient.resident_id})
    page.locator("[data-testid=face-capture]").click()
    signed_in(page)
    assert "face-withdraw" in page.content()


def test_bank_card_on_the_pin_pad_through_the_agent(session, new_page, start_agent):  # noqa: F811
    patient, notice, key = world(session)
    agent = start_agent()
    page = new_page(KIOSK)
    activate(page, key)
    page.locator("[data-testid=login-resident-id]").click()
    ready(page)
    control(agent, "id_reader", id_card(patient))
    signed_in(page)
    page.goto(f"/kiosk/deposit/{notice.id}")
    # A wrong PIN first: declined, nothing charged, try again with the right one.
    control(agent, "pin_pad", {"entered_pin": "999999"})
    page.locator("[data-testid=method-card]").click()
    pinpad = page.locator("[data-testid=pinpad]")
    expect(pinpad).to_have_attribute("data-pinpad-state", "failed")
    expect(pinpad).to_have_attribute("data-pinpad-code", "declined")
    declined = pinpad.get_attribute("data-msg-declined")
    expect(page.locator("[data-testid=pinpad-status]")).to_have_text(declined or "?")
    expect(page.locator("[data-testid=sandbox-pay]")).to_be_hidden()
    expect(page.locator("[data-testid=payment-status]")).to_have_attribute("data-state", "paying")
    control(agent, "pin_pad", {"entered_pin": "123456"})
    page.locator("[data-testid=pinpad-retry]").click()
    expect(page.locator("[data-testid=payment-status]")).to_have_attribute(
        "data-state", "paid", timeout=15000
    )
    session.rollback()
    assert (
        len(session.scalars(select(LedgerEntry).where(LedgerEntry.payment_order_id.is_not(None))).all()) == 1
    )


def _font_px(page, selector: str) -> float:  # type: ignore[no-untyped-def]
    return float(
        page.evaluate(f"parseFloat(getComputedStyle(document.querySelector('{selector}')).fontSize)")
    )


def test_elderly_mode_is_larger_slower_and_speaks(session, new_page, start_agent):  # noqa: F811
    patient, _, key = world(session)
    agent = start_agent()
    page = new_page(KIOSK)
    page.add_init_script(SPEECH_STUB)
    activate(page, key)
    normal_body, normal_button = _font_px(page, "body"), _font_px(page, "main .btn")
    page.locator("[data-testid=elderly-toggle]").click()
    expect(page.locator("html")).to_have_class("elderly")
    expect(page.locator("[data-testid=elderly-toggle]")).to_have_attribute("aria-pressed", "true")
    assert _font_px(page, "body") >= normal_body * 1.25
    assert _font_px(page, "main .btn") >= normal_button * 1.25
    spoken = page.evaluate("window.__spoken")
    said_on = page.locator("[data-testid=elderly-toggle]").get_attribute("data-said-on") or "?"
    assert spoken and spoken[-1]["text"].startswith(said_on) and spoken[-1]["lang"] == "zh-CN"
    snap(page, "elderly-home")

    # The next screen reads its instruction aloud, and a focused button its label.
    page.locator("[data-testid=login-resident-id]").click()
    expect(page.locator("html")).to_have_class("elderly")
    page.wait_for_timeout(500)
    texts = [u["text"] for u in page.evaluate("window.__spoken")]
    prompt = page.locator("main [data-speak]").first.text_content() or "?"
    assert any(prompt.strip() in t for t in texts), texts
    page.locator("[data-testid=kiosk-login-submit]").focus()
    page.wait_for_timeout(100)
    label = page.locator("[data-testid=kiosk-login-submit]").text_content() or "?"
    assert page.evaluate("window.__spoken")[-1]["text"] == label.strip()
    assert page.evaluate("sessionStorage.getItem('bs_elderly')") == "1"
    assert page.locator("[data-elderly-field]").input_value() == "1"

    # Signed in, the server's idle limit is doubled too; signing out ends elderly mode.
    ready(page)
    control(agent, "id_reader", id_card(patient))
    signed_in(page)
    assert page.locator("body").get_attribute("data-idle-seconds") == str(get_settings().kiosk_idle_seconds)
    session.rollback()
    from bedside.core.auth import AuthSession

    row = session.scalars(select(AuthSession).where(AuthSession.kind == "kiosk_patient")).first()
    assert row is not None and row.idle_seconds == 2 * get_settings().kiosk_idle_seconds
    snap(page, "elderly-patient")
    sign_out(page)
    expect(page.locator("html")).not_to_have_class("elderly")
    assert page.evaluate("sessionStorage.length") == 0


SCREENS = ("home", "login", "patient", "deposit", "cash")


def _no_horizontal_overflow(page) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1], width


def _visible_in_width(page, selector: str, viewport: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    for box in [el.bounding_box() for el in page.locator(selector).all()]:
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"] + 0.5, box
        assert box["height"] >= 60 and box["width"] >= 60, box  # touch targets


@pytest.mark.parametrize(("viewport", "orientation"), [(LANDSCAPE, "landscape"), (KIOSK, "portrait")])
def test_main_screens_fit_both_screen_models(session, new_page, viewport, orientation):
    patient, notice, key = world(session)
    page = new_page(viewport)
    activate(page, key)
    _no_horizontal_overflow(page)
    _visible_in_width(page, "main .btn, [data-testid=home], [data-testid=elderly-toggle]", viewport)
    snap(page, "home", orientation)
    page.locator("[data-testid=login-face]").click()
    _no_horizontal_overflow(page)
    _visible_in_width(page, "main .btn", viewport)
    snap(page, "face-consent", orientation)
    page.locator("[data-testid=face-decline]").click()
    page.locator("[data-testid=login-resident-id]").click()
    _no_horizontal_overflow(page)
    _visible_in_width(page, "main .btn, .keypad button, .kind-tabs a", viewport)
    keypad, field = page.locator(".keypad").bounding_box(), page.locator("#value").bounding_box()
    if orientation == "landscape":  # two columns: the keypad beside the field
        assert keypad is not None and field is not None and keypad["x"] > field["x"] + field["width"]
    snap(page, "login", orientation)
    for ch in patient.resident_id:
        page.click(f".keypad button[data-key='{ch}']")
    page.locator("[data-testid=kiosk-login-submit]").click()
    enter_texted_code(page)  # a typed number needs the code texted to the patient
    signed_in(page)
    _no_horizontal_overflow(page)
    _visible_in_width(page, "main .btn, [data-testid=home]", viewport)
    snap(page, "patient", orientation)
    page.goto(f"/kiosk/deposit/{notice.id}")
    _no_horizontal_overflow(page)
    _visible_in_width(page, "main .btn", viewport)
    snap(page, "deposit", orientation)
    page.locator("[data-testid=method-cash]").click()
    expect(page.locator("[data-testid=cash-total]")).to_be_visible()
    _no_horizontal_overflow(page)
    expect(page.locator("[data-testid=cash-done]")).to_be_in_viewport()
    snap(page, "cash", orientation)
    # Elderly mode fits too: larger, but nothing pushed off the side.
    page.goto("/kiosk/patient")
    page.locator("[data-testid=elderly-toggle]").click()
    expect(page.locator("html")).to_have_class("elderly")
    _no_horizontal_overflow(page)
    _visible_in_width(page, "main .btn, [data-testid=home]", viewport)
    snap(page, "elderly", orientation)


def test_discharge_screens_at_both_sizes_print_by_ticket(session, new_page, start_agent):  # noqa: F811
    from bedside.charges import service as charges
    from bedside.core.clock import local_today
    from bedside.discharge import service as discharge
    from tests.conftest import DATABASE
    from tests.integration.discharge.conftest import HIS, admitted, line, signature

    ip = admitted(session)
    with DATABASE.session() as s:
        charges.post(s, HIS, ip.notice_id, [line("1", "A", 200000, "bed"), line("2", "C", 5000, "lab")])
        discharge.order(s, ip.doctor, ip.notice_id, local_today())
        discharge.clear_ward(s, ip.nurse, ip.notice_id, no_pending_orders=True, charges_posted=True)
        discharge.review(s, ip.officer, ip.notice_id, "approve")
    _, key = kiosks_service.register(
        session,
        SYSTEM,
        code="K-DIS",
        name="出院机",
        location="大厅",
        model="ZK-19",
        serial="S-DIS",
        modules=["laser_printer", "stamper", "id_reader"],
    )
    agent = start_agent()
    pages = {}
    for viewport, orientation in ((KIOSK, "portrait"), (LANDSCAPE, "landscape")):
        page = new_page(viewport)
        activate(page, key)
        page.locator("[data-testid=login-resident-id]").click()
        ready(page)
        control(agent, "id_reader", id_card(ip.adm.patient))
        expect(page.locator("[data-testid=kiosk-patient-name]")).to_be_visible(timeout=10000)
        control(agent, "id_reader/remove")
        page.goto(f"/kiosk/stays/{ip.notice_id}/settle")
        expect(page.locator("[data-testid=confirm-settlement]")).to_be_visible()
        _no_horizontal_overflow(page)
        snap(page, "settle", orientation)
        pages[orientation] = page
    with DATABASE.session() as s:
        discharge.settle(s, ip.adm.me, ip.notice_id, signature(), "kiosk-shots-01")
    for orientation, page in pages.items():
        page.goto(f"/kiosk/stays/{ip.notice_id}/settled")
        # The discharge certificate is printed (and stamped) with the other discharge documents.
        for kind in ("e_invoice", "fee_list", "settlement_list", "discharge_cert"):
            item = page.locator(f"[data-testid=print-{kind}]")
            expect(item).to_have_attribute("data-print-state", "printed", timeout=15000)
            expect(item).to_have_attribute("data-print-via", "ticket")
        _no_horizontal_overflow(page)
        snap(page, "settled", orientation)
    assert len(sorted(agent.out.rglob("*.pdf"))) == 8 and len(sorted(agent.out.rglob("*.stamp.json"))) == 6
