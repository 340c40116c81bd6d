"""Steps several browser journeys share: signing in as staff, on the phone and at a kiosk,
filling in the admission forms, drawing a signature."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from bedside.accounts.sms import LogSmsGateway, get_gateway
from bedside.kiosks import card_reads
from tests import factories
from tests.e2e.conftest import DESKTOP


def console(new_page: Callable[..., Page], username: str) -> Page:
    page = new_page(DESKTOP)
    page.goto("/console/login")
    page.fill("#username", username)
    page.fill("#password", factories.PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/console/$"))
    return page


def phone_sign_in(page: Page, sms: LogSmsGateway, phone_no: str) -> None:
    page.goto("/phone/login")
    page.fill("#phone", phone_no)
    page.click("button:has-text('获取验证码')")
    page.fill("#code", sms.last_code(phone_no) or "")
    page.click("button:has-text('登录')")


def kiosk_sign_in(kiosk: Page, device_key: str, resident_id: str) -> None:
    """Activates the kiosk and signs in with the resident ID card on the reader: the form gets
    what kiosk-agent.js puts there after the agent read the card, a read signed with the
    kiosk's device key (a typed number alone never signs in: see kiosk_sign_in_typed)."""
    _activate(kiosk, device_key)
    kiosk.locator("[data-testid=login-resident-id]").click()
    read = card_reads.sign(card_reads.device_secret(device_key), "id_reader", "resident_id", resident_id)
    kiosk.evaluate(
        """([value, read]) => {
            const form = document.querySelector("[data-testid=kiosk-login]");
            form.querySelector("input[name=source]").value = "id_reader";
            form.querySelector("input[name=read]").value = read;
            form.querySelector("#value").value = value;
            form.submit();
        }""",
        [resident_id, read],
    )
    expect(kiosk.locator("[data-testid=kiosk-patient-name]")).to_be_visible()


def kiosk_sign_in_typed(kiosk: Page, device_key: str, resident_id: str) -> None:
    """Activates the kiosk and signs in with the resident ID typed on the keypad, then the code
    texted to the patient's phone, read from the log gateway as the patient reads it. The
    number may be sent one code a minute (accounts.send_code's wait)."""
    _activate(kiosk, device_key)
    kiosk.locator("[data-testid=login-resident-id]").click()
    for ch in resident_id:
        kiosk.click(f".keypad button[data-key='{ch}']")
    kiosk.locator("[data-testid=kiosk-login-submit]").click()
    enter_texted_code(kiosk)


def _activate(kiosk: Page, device_key: str) -> None:
    kiosk.goto(f"/kiosk/activate?key={device_key}")
    kiosk.fill("#key", device_key)
    kiosk.click("button[type=submit]")


def enter_texted_code(kiosk: Page) -> None:
    """The kiosk asked for the code it texted after a typed number: type it and sign in."""
    expect(kiosk.locator("[data-testid=kiosk-code-sent]")).to_be_visible()
    for ch in last_texted_code():
        kiosk.click(f".keypad button[data-key='{ch}']")
    kiosk.locator("[data-testid=kiosk-login-submit]").click()


def last_texted_code() -> str:
    gateway = get_gateway()
    sent = getattr(gateway, "sent", None)
    codes = [m.code for m in sent or () if m.code]
    assert codes, "no code was texted (is the SMS provider the log gateway?)"
    return codes[-1]


def answer_health_questions(phone: Page, height_cm: str = "175", weight_kg: str = "70") -> None:
    if not phone.locator("[data-testid=save-assessment]").count():  # the previous form may lead here
        phone.locator("[data-testid=step-assessment]").click()
    for name in ("morse_fall.history_of_falling", "morse_fall.secondary_diagnosis"):
        phone.locator(f"[data-item='{name}'] input[value=no]").check()
    phone.locator("[data-item='morse_fall.ambulatory_aid'] input").first.check()
    for item in phone.locator("[data-questionnaire=padua_vte] .question").all():
        item.locator("input[value=no]").check()
    phone.fill("#height_cm", height_cm)
    phone.fill("#weight_kg", weight_kg)
    phone.locator("[data-testid=save-assessment]").click()


def fill_admission_details(phone: Page, emergency_relation: str = "sibling") -> None:
    if not phone.locator("[data-testid=save-details]").count():  # the questionnaire leads here
        phone.locator("[data-testid=step-details]").click()
    phone.fill("#address", "湖南省长沙市芙蓉区五一大道 100 号")
    phone.fill("#occupation", "工程师")
    phone.select_option("#marital_status", "married")
    phone.fill("#emergency_name", "马云禄")
    phone.fill("#emergency_phone", "13811112222")
    phone.select_option("#emergency_relation", emergency_relation)
    phone.fill("#allergies", "青霉素")
    phone.select_option("#insurance_type", "employee")
    phone.locator("[data-testid=save-details]").click()


def pay_in_sandbox(phone: Page) -> None:
    phone.locator("[data-testid=pay]").click()
    phone.locator("[data-testid=sandbox-pay]").click()
    phone.locator("[data-testid=sandbox-confirm]").click()
    expect(phone.locator("[data-testid=payment-status]")).to_have_attribute(
        "data-state", "paid", timeout=15000
    )


def draw_signature(page: Page, width: int = 300, height: int = 100) -> None:
    pad = page.locator("[data-testid=signature-pad]").bounding_box()
    assert pad, "no signature pad on the page"
    page.mouse.move(pad["x"] + 20, pad["y"] + height)
    page.mouse.down()
    for x in range(40, width, 20):
        page.mouse.move(pad["x"] + x, pad["y"] + height * 0.6 + (x % 40))
    page.mouse.up()


def assign_bed(center: Page, bed_id: int) -> None:
    """The admission center gives the first waiting patient this bed, from the bed search opened
    for that patient (htmx) on the bed board."""
    center.goto("/console/beds")
    row = center.locator("[data-testid=bed-queue] tbody tr").first
    row.locator("[data-testid^=pick-bed-]").click()
    picker = center.locator("[data-testid=bed-picker]")
    expect(picker.locator(f"[data-bed-result='{bed_id}']")).to_be_visible()
    picker.locator(f"[data-testid=assign-bed-{bed_id}]").click()
    expect(center.locator("[role=status]")).to_contain_text("床位已分配")
