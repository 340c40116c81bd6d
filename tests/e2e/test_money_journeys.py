"""Money journeys in the browser: at the kiosk, a first deposit by Alipay QR, a cash top-up
and a card top-up on the PIN pad, each with its receipt; at the cashier's console, a surplus
refunded across two payments made on two channels."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from bedside.admissions import service as admissions_service
from bedside.admissions.schemas import NoticeIn
from bedside.core.audit import SYSTEM
from bedside.kiosks import service as kiosks_service
from bedside.payments import registry
from bedside.staff import service as staff_service
from tests import factories
from tests.e2e.conftest import DESKTOP, KIOSK, shot
from tests.e2e.steps import kiosk_sign_in

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _adapters():
    registry.reset()
    yield
    registry.reset()


def _stay(session, name="孙尚香", phone="13700000003"):  # type: ignore[no-untyped-def]
    world = factories.hospital(session)
    doctor = factories.staff(session, "dr.zhao", "doctor", department_id=world.department.id)
    patient = factories.patient(session, name=name, phone=phone, male=False)
    notice = admissions_service.issue(
        session,
        staff_service.actor_for(doctor),
        NoticeIn(
            patient_id=patient.id,
            department_id=world.department.id,
            diagnosis="胆囊结石",
            expected_date=factories.tomorrow(),
        ),
    )
    return world, patient, notice


def _register_kiosk(session) -> str:  # type: ignore[no-untyped-def]
    # Written before the first page opens: the test's own writes must not race the live server.
    _, key = kiosks_service.register(
        session,
        SYSTEM,
        code="K-PAY",
        name="缴费机",
        location="门诊大厅",
        model="ZK-43",
        serial="S-PAY",
        modules=["id_reader", "scanner", "pin_pad", "cash_acceptor", "receipt_printer"],
    )
    return key


def _kiosk_sign_in(page, key, patient):  # type: ignore[no-untyped-def]
    kiosk_sign_in(page, key, patient.resident_id)
    expect(page.locator("[data-testid=kiosk-patient-name]")).to_be_visible()


def _paid(page):  # type: ignore[no-untyped-def]
    expect(page.locator("[data-testid=payment-status]")).to_have_attribute(
        "data-state", "paid", timeout=15000
    )


def test_kiosk_deposit_by_alipay_qr_then_cash_then_card(session, new_page):
    _, patient, notice = _stay(session)
    key = _register_kiosk(session)
    page = new_page(KIOSK)
    _kiosk_sign_in(page, key, patient)
    page.locator(f"[data-testid=kiosk-deposit-{notice.id}]").click()
    expect(page.locator("[data-testid=balance]")).to_have_text("¥0.00")

    # First deposit: Alipay QR, "scanned" by the sandbox payer.
    page.locator("[data-testid=method-alipay_qr]").click()
    expect(page.locator("[data-testid=pay-qr] svg")).to_be_visible()
    shot(page, "kiosk-pay-qr")
    page.locator("[data-testid=sandbox-pay]").click()
    page.locator("[data-testid=sandbox-confirm]").click()
    _paid(page)
    expect(page.locator("[data-testid=payment-status]")).to_contain_text("¥5,000.00")
    page.locator("[data-testid=receipt]").click()
    expect(page.locator("[data-testid=receipt-preview]")).to_contain_text("支付宝")

    # Top-up in cash: two notes, no change.
    page.goto(f"/kiosk/deposit/{notice.id}")
    page.locator("[data-testid=method-cash]").click()
    page.locator("[data-testid=note-100]").click()
    expect(page.locator("[data-testid=cash-total]")).to_have_text("¥100.00")
    page.locator("[data-testid=note-50]").click()
    expect(page.locator("[data-testid=cash-total]")).to_have_text("¥150.00")
    shot(page, "kiosk-cash")
    page.locator("[data-testid=cash-done]").click()
    _paid(page)
    expect(page.locator("[data-testid=payment-status]")).to_contain_text("¥5,150.00")

    # Top-up by bank card: a wrong PIN first, then the right one; the kiosk learns by query.
    page.goto(f"/kiosk/deposit/{notice.id}")
    page.fill("[data-testid=custom-amount]", "800")
    page.locator("[data-testid=method-card]").click()
    page.locator("[data-testid=sandbox-pay]").click()
    page.fill("[data-testid=sandbox-pin]", "000000")
    page.locator("[data-testid=sandbox-confirm]").click()
    expect(page.locator("[role=alert]")).to_have_attribute("data-code", "PIN_WRONG")
    page.fill("[data-testid=sandbox-pin]", "123456")
    page.locator("[data-testid=sandbox-confirm]").click()
    _paid(page)
    expect(page.locator("[data-testid=payment-status]")).to_contain_text("¥5,950.00")
    page.goto(f"/kiosk/deposit/{notice.id}")
    expect(page.locator("[data-testid=balance]")).to_have_text("¥5,950.00")


def test_kiosk_payment_code_waits_for_the_payers_password(session, new_page):
    _, patient, notice = _stay(session, name="周瑜", phone="13700000004")
    key = _register_kiosk(session)
    page = new_page(KIOSK)
    _kiosk_sign_in(page, key, patient)
    page.goto(f"/kiosk/deposit/{notice.id}")
    page.locator("[data-testid=method-code]").click()
    page.fill("[data-testid=auth-code]", "12345")
    page.keyboard.press("Enter")
    expect(page.locator("[role=alert]")).to_have_attribute("data-code", "payment_code_invalid")
    page.fill("[data-testid=auth-code]", "134567890123456789")  # a WeChat payment code
    page.keyboard.press("Enter")
    # ¥5,000 is above the no-password limit: the payer confirms on their phone.
    expect(page.locator("[data-testid=payment-status]")).to_have_attribute("data-state", "paying")
    page.locator("[data-testid=sandbox-pay]").click()
    page.locator("[data-testid=sandbox-confirm]").click()
    _paid(page)


def test_cashier_refunds_a_surplus_across_two_channels(session, sms, new_page):
    _, patient, notice = _stay(session, name="黄忠", phone="13700000005")
    factories.account_for(session, "13700000005", patient)
    factories.staff(session, "cashier.li", "cashier")
    key = _register_kiosk(session)
    session.commit()

    # Pay on the phone by WeChat Pay, then top up at the kiosk by Alipay.
    phone = new_page()
    phone.goto("/phone/")
    phone.fill("#phone", "13700000005")
    phone.click("button:has-text('获取验证码')")
    phone.fill("#code", sms.last_code("13700000005"))
    phone.click("button:has-text('登录')")
    phone.goto(f"/phone/deposit/{notice.id}")
    phone.locator("[data-testid=pay]").click()
    phone.locator("[data-testid=sandbox-pay]").click()
    phone.locator("[data-testid=sandbox-confirm]").click()
    _paid(phone)
    kiosk = new_page(KIOSK)
    _kiosk_sign_in(kiosk, key, patient)
    kiosk.goto(f"/kiosk/deposit/{notice.id}")
    kiosk.fill("[data-testid=custom-amount]", "1000")
    kiosk.locator("[data-testid=method-alipay_qr]").click()
    kiosk.locator("[data-testid=sandbox-pay]").click()
    kiosk.locator("[data-testid=sandbox-confirm]").click()
    _paid(kiosk)

    console = new_page(DESKTOP)
    console.goto("/console/login")
    console.fill("#username", "cashier.li")
    console.fill("#password", factories.PASSWORD)
    console.click("button[type=submit]")
    console.goto("/console/deposits")
    console.locator("[data-testid=accounts] a").first.click()
    expect(console.locator("[data-testid=balance]")).to_have_text("¥6,000.00")
    console.fill("#amount", "2500")
    console.fill("#reason", "出院结余退款")
    console.locator("[data-testid=refund-submit]").click()
    # Newest first: all of the Alipay ¥1,000, then ¥1,500 of the WeChat ¥5,000.
    refunds = console.locator("[data-testid=refund-list] tbody tr")
    expect(refunds).to_have_count(2)
    expect(console.locator("[data-testid=refund-list] tr[data-state=succeeded]")).to_have_count(
        2, timeout=15000
    )
    expect(console.locator("[data-testid=refund-list]")).to_contain_text("¥1,000.00")
    expect(console.locator("[data-testid=refund-list]")).to_contain_text("¥1,500.00")
    expect(console.locator("[data-testid=payments]")).to_contain_text("支付宝")
    expect(console.locator("[data-testid=payments]")).to_contain_text("微信支付")
    console.reload()
    expect(console.locator("[data-testid=balance]")).to_have_text("¥3,500.00")
    shot(console, "console-refund-two-channels")
