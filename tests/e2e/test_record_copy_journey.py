"""A record copy in the browser: on the phone (390x844) the patient asks for copies of a
settled stay to be mailed, pays in the WeChat sandbox and uploads the photo of the ID card
(mailed copies are never seen at the counter); the record office cannot verify the identity
before the photo is there, sees it, verifies, copies and mails it in the console; the phone
shows "mailed" with the tracking number."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from bedside.charges import service as charges
from bedside.core.clock import local_today
from bedside.core.events import dispatch_pending
from bedside.discharge import service as discharge
from bedside.payments import refunds as payment_refunds
from bedside.payments import registry
from tests import factories
from tests.conftest import DATABASE
from tests.e2e.conftest import DESKTOP, PHONE, shot
from tests.integration.discharge.conftest import HIS, admitted, line, signature

pytestmark = pytest.mark.browser


def _settled_stay(session):  # type: ignore[no-untyped-def]
    ip = admitted(session)
    with DATABASE.session() as s:
        charges.post(s, HIS, ip.notice_id, [line("1", "A", 300000, "bed")])
        discharge.order(s, ip.doctor, ip.notice_id, local_today())
        discharge.clear_ward(s, ip.nurse, ip.notice_id, no_pending_orders=True, charges_posted=True)
        if discharge.get(s, ip.notice_id).state == "ward_cleared":
            discharge.review(s, ip.officer, ip.notice_id, "approve")
        discharge.settle(s, ip.adm.me, ip.notice_id, signature(), "settle-e2e-records-01")
        payment_refunds.process_refunds(s)
        assert discharge.get(s, ip.notice_id).state == "settled"
    while dispatch_pending(DATABASE.session_factory):
        pass
    return ip


def test_record_copy_requested_paid_and_tracked_to_mailed(session, sms, new_page):
    registry.reset()
    _settled_stay(session)
    factories.staff(session, "records.office", "records_office")

    phone = new_page(PHONE)
    phone.goto("/phone/")
    phone.fill("#phone", "13600000011")
    phone.click("button:has-text('获取验证码')")
    phone.fill("#code", sms.last_code("13600000011"))
    phone.click("button:has-text('登录')")
    phone.locator("[data-testid=records-link]").click()
    phone.locator("[data-testid=new-record-copy]").click()
    phone.select_option("[data-testid=purpose]", "insurance_claim")
    phone.locator("[data-testid=part-discharge_summary]").check()
    phone.locator("[data-testid=part-exam_reports]").check()
    phone.select_option("[data-testid=copies]", "2")
    phone.locator("[data-testid=delivery-mail]").check()
    phone.fill("#recipient_name", "赵云")
    phone.fill("#recipient_phone", "13912345678")
    phone.select_option("#province", "湖南省")
    phone.fill("#city", "长沙市")
    phone.fill("#address", "岳麓区麓山南路 1 号")
    phone.locator("[data-testid=submit-record-copy]").click()
    expect(phone.locator("[data-testid=record-state]")).to_have_attribute("data-state", "awaiting_payment")
    expect(phone.locator("[data-testid=fee]")).to_contain_text("¥30.00")  # 20 pages + ¥20 postage
    detail_url = phone.url

    phone.locator("[data-testid=pay]").click()
    phone.locator("[data-testid=sandbox-pay]").click()
    phone.locator("[data-testid=sandbox-confirm]").click()
    expect(phone.locator("[data-testid=payment-status]")).to_have_attribute(
        "data-state", "paid", timeout=15000
    )
    phone.locator("[data-testid=back-to-record-copy]").click()
    # The request moves on when the outbox delivers the payment to the record copy.
    for _ in range(30):
        if phone.locator("[data-testid=record-state]").get_attribute("data-state") == "received":
            break
        phone.wait_for_timeout(300)
        phone.reload()
    expect(phone.locator("[data-testid=record-state]")).to_have_attribute("data-state", "received")
    # A self request asks for the ID card photo only; a text file is refused for what it is.
    expect(phone.locator("[data-testid=proofs] [data-proof]")).to_have_count(1)
    upload = {"name": "id.jpg", "mimeType": "image/jpeg"}
    phone.set_input_files("[data-testid=proof-file-id_card]", files=[{**upload, "buffer": b"not a photo"}])
    phone.locator("[data-testid=proof-upload-id_card]").click()
    expect(phone.locator("[role=alert]")).to_have_attribute("data-code", "invalid_proof_file")

    office = new_page(DESKTOP)
    office.goto("/console/login")
    office.fill("#username", "records.office")
    office.fill("#password", factories.PASSWORD)
    office.click("button[type=submit]")
    expect(office).to_have_url(re.compile(r"/console/$"))
    office.locator("nav.side a[href='/console/records']").click()
    request_id = detail_url.rsplit("/", 1)[1]
    office.locator(f"[data-testid=open-record-{request_id}]").click()
    expect(office.locator("[data-testid=consent]")).to_contain_text("本人申请")
    expect(office.locator("[data-testid=proofs-missing]")).to_be_visible()
    expect(office.locator("[data-testid=approve]")).to_be_disabled()

    photo = io.BytesIO()
    Image.new("RGB", (640, 400), (200, 220, 240)).save(photo, "JPEG")
    phone.set_input_files("[data-testid=proof-file-id_card]", files=[{**upload, "buffer": photo.getvalue()}])
    phone.locator("[data-testid=proof-upload-id_card]").click()
    expect(phone.locator("[data-testid=proof-given-id_card]")).to_be_visible()

    office.reload()
    image = office.locator("[data-testid=proof-id_card]")
    expect(image).to_be_visible()
    assert office.evaluate("(img) => img.naturalWidth", image.element_handle()) == 640
    office.locator("[data-testid=approve]").click()
    expect(office.locator("[data-testid=record-state]")).to_have_attribute("data-state", "copying")
    office.select_option("[data-testid=carrier]", "sf")
    office.fill("[data-testid=tracking-input]", "SF1234567890")
    office.locator("[data-testid=mail]").click()
    expect(office.locator("[data-testid=record-state]")).to_have_attribute("data-state", "mailed")
    shot(office, "console-record-copy")

    phone.goto(detail_url)
    expect(phone.locator("[data-testid=record-state]")).to_have_attribute("data-state", "mailed")
    expect(phone.locator("[data-testid=tracking-no]")).to_contain_text("SF1234567890")
    expect(phone.locator("[data-testid=timeline] li")).to_have_count(4)
    shot(phone, "phone-record-copy-mailed")
    registry.reset()
