"""Discharge in the browser: the doctor orders it, the nurse clears the ward, the insurance
officer approves; the patient, told "you can settle now", settles on the phone in three
screens (home → settlement → done) and downloads the three PDFs. The settlement goes through
the insurance platform peer (2301 → 2303 → 2304, its setl_id shown), the e-invoice carries the
fiscal platform peer's numbers, the PDFs pass `pyhanko sign validate`, and the cashier's
reversal is a 2305 and a red-letter bill."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from bedside.charges import service as charges
from bedside.discharge.models import Settlement
from tests import factories
from tests.conftest import DATABASE
from tests.e2e.conftest import DESKTOP, PHONE, shot
from tests.e2e.steps import enter_texted_code
from tests.integration.discharge.conftest import HIS, admitted, line

pytestmark = pytest.mark.browser


def _console(new_page, username):  # type: ignore[no-untyped-def]
    page = new_page(DESKTOP)
    page.goto("/console/login")
    page.fill("#username", username)
    page.fill("#password", factories.PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/console/$"))
    return page


def _validates(data: bytes, ca_cert: Path, tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(data)
    run = subprocess.run(
        [str(Path(sys.executable).with_name("pyhanko")), "sign", "validate", "--trust-replace"]
        + ["--trust", str(ca_cert), str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0 and ":INTACT:TRUSTED,UNTOUCHED" in run.stdout, run.stdout + run.stderr


def test_discharge_settled_on_the_phone_in_three_screens(
    session, sms, new_page, platform, einvoice_platform, signing_ca, tmp_path
):
    ip = admitted(session)
    with DATABASE.session() as s:
        charges.post(
            s,
            HIS,
            ip.notice_id,
            [line("1", "A", 300000, "bed"), line("2", "B", 100000, "material"), line("3", "C", 20000, "lab")],
        )
    stay_url = f"/console/stays/{ip.notice_id}"

    doctor = _console(new_page, "dr.out")
    doctor.goto(stay_url)
    doctor.locator("[data-testid=do-order]").click()
    expect(doctor.locator("[data-testid=discharge-state]")).to_have_attribute("data-state", "ordered")

    nurse = _console(new_page, "nurse.w01")
    nurse.goto(stay_url)
    nurse.locator("[data-testid=act-clear_ward] input[name=no_pending_orders]").check()
    nurse.locator("[data-testid=act-clear_ward] input[name=charges_posted]").check()
    nurse.locator("[data-testid=do-clear_ward]").click()
    expect(nurse.locator("[data-testid=discharge-state]")).to_have_attribute("data-state", "ward_cleared")

    officer = _console(new_page, "yb.officer")
    officer.goto(stay_url)
    officer.locator("[data-testid=do-approve]").click()
    expect(officer.locator("[data-testid=discharge-state]")).to_have_attribute(
        "data-state", "ready_to_settle"
    )
    expect(officer.locator("[data-testid=pre-settlement]")).to_be_visible()

    phone = new_page(PHONE)
    phone.goto("/phone/login")
    phone.fill("#phone", "13600000011")
    phone.click("button:has-text('获取验证码')")
    phone.fill("#code", sms.last_code("13600000011"))
    phone.click("button:has-text('登录')")
    expect(phone.locator("[data-testid=next-step]")).to_have_attribute("data-step", "settle_now")
    screens = ["home"]
    phone.locator("[data-testid=next-step-action]").click()
    screens.append("settlement")
    expect(phone.locator("[data-testid=split]")).to_contain_text("¥4,200.00")
    pad = phone.locator("[data-testid=signature-pad]")
    box = pad.bounding_box()
    phone.mouse.move(box["x"] + 20, box["y"] + 100)
    phone.mouse.down()
    for x in range(40, 300, 20):
        phone.mouse.move(box["x"] + x, box["y"] + 60 + (x % 40))
    phone.mouse.up()
    shot(phone, "phone-settlement")
    phone.locator("[data-testid=confirm-settlement]").click()
    screens.append("done")
    expect(phone.locator("[data-testid=settled]")).to_be_visible()
    assert len(screens) <= 3
    # The platform settled it, in the protocol's order, and its settlement number is shown.
    infnos = [c["infno"] for c in platform.calls() if c["infno"] in ("2301", "2303", "2304")]
    assert infnos.index("2301") < infnos.index("2303") < infnos.index("2304"), infnos
    with DATABASE.session() as s:
        settlement = s.scalar(select(Settlement).where(Settlement.notice_id == ip.notice_id))
        setl_id, settlement_id = settlement.setl_id, settlement.id
    assert setl_id
    expect(phone.locator("[data-testid=setl-id]")).to_contain_text(setl_id)
    # The e-invoice's numbers are the fiscal platform's own.
    [bill] = einvoice_platform.bills()
    expect(phone.locator("[data-testid=einvoice-no]")).to_have_text(bill["billNo"])
    expect(phone.locator("[data-testid=einvoice-code]")).to_have_text(bill["billBatchCode"])
    for kind in ("e_invoice", "fee_list", "settlement_list"):
        with phone.expect_download() as info:
            phone.locator(f"[data-testid=doc-{kind}]").click()
        with open(info.value.path(), "rb") as fh:
            data = fh.read()
        assert data[:4] == b"%PDF"
        _validates(data, signing_ca.ca_cert, tmp_path, kind)
    shot(phone, "phone-settled")

    # The cashier reverses it: the platform's 2305, and a red-letter bill on the fiscal platform.
    cashier = _console(new_page, "cashier.out")
    cashier.goto(stay_url)
    cashier.fill("[data-testid=act-reverse] input[name=note]", "结算金额有误")
    cashier.locator("[data-testid=do-reverse]").click()
    expect(cashier.locator("[data-testid=discharge-state]")).to_have_attribute(
        "data-state", "ready_to_settle"
    )
    [reversal] = platform.calls("2305")
    assert reversal
    phone.goto(f"/phone/stays/{ip.notice_id}/settle")
    expect(phone.locator("[data-testid=einvoice-red]")).to_be_visible(timeout=15000)
    [bill] = [b for b in einvoice_platform.bills() if b["busNo"] == bill["busNo"]]
    assert bill["red"]  # the red-letter bill the platform issued against it
    with DATABASE.session() as s:
        assert s.get(Settlement, settlement_id).state == "reversed"


def test_discharge_settled_at_a_kiosk_in_six_taps(session, new_page):
    from bedside.core.audit import SYSTEM
    from bedside.core.clock import local_today
    from bedside.discharge import service as discharge
    from bedside.kiosks import service as kiosks_service
    from tests.e2e.conftest import KIOSK

    ip = admitted(session)
    with DATABASE.session() as s:
        charges.post(s, HIS, ip.notice_id, [line("1", "A", 250000, "bed"), line("2", "C", 10000, "lab")])
        discharge.order(s, ip.doctor, ip.notice_id, local_today())
        discharge.clear_ward(s, ip.nurse, ip.notice_id, no_pending_orders=True, charges_posted=True)
        discharge.review(s, ip.officer, ip.notice_id, "approve")
    _, key = kiosks_service.register(
        session,
        SYSTEM,
        code="K-OUT",
        name="出院机",
        location="出院大厅",
        model="ZK-43",
        serial="S-OUT",
        modules=["id_reader", "laser_printer", "stamper"],
    )
    kiosk = new_page(KIOSK)
    kiosk.goto(f"/kiosk/activate?key={key}")
    kiosk.fill("#key", key)
    kiosk.click("button[type=submit]")
    kiosk.locator("[data-testid=login-resident-id]").click()
    for ch in ip.adm.patient.resident_id:  # the ID card reader does this in one go
        kiosk.click(f".keypad button[data-key='{ch}']")
    kiosk.locator("[data-testid=kiosk-login-submit]").click()
    enter_texted_code(kiosk)  # typed, so with the code texted to the patient
    taps = 0
    kiosk.locator("[data-testid^=kiosk-stay-]").first.click()
    taps += 1
    kiosk.locator("[data-testid=kiosk-settle]").click()
    taps += 1
    pad = kiosk.locator("[data-testid=signature-pad]").bounding_box()
    kiosk.mouse.move(pad["x"] + 30, pad["y"] + 150)
    kiosk.mouse.down()
    for x in range(60, 700, 40):
        kiosk.mouse.move(pad["x"] + x, pad["y"] + 100 + (x % 80))
    kiosk.mouse.up()
    taps += 1  # the signature
    kiosk.locator("[data-testid=confirm-settlement]").click()
    taps += 1
    expect(kiosk.locator("[data-testid=settled]")).to_be_visible()
    for kind in ("e_invoice", "fee_list", "settlement_list"):
        url = kiosk.locator(f"[data-testid=print-{kind}]").get_attribute("data-print-url")
        assert kiosk.request.get(url).body()[:4] == b"%PDF"
    shot(kiosk, "kiosk-settled")
    kiosk.locator("[data-testid=done]").click()
    taps += 1
    assert taps <= 6
