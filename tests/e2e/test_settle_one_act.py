"""A stay owing money settles on the phone and at the kiosk in one act: the patient signs and
pays what the deposit does not cover from the settlement screen, and the payment's credit
settles the stay — no second trip through the deposit pages. On the phone it counts the page
loads from the push's link to the done screen (#14 item 6: discharge after the push ≤ 3
screens; the wallet's own page is the wallet's, counted apart) and prints them."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from bedside.charges import service as charges
from bedside.core.audit import SYSTEM
from bedside.core.clock import local_today
from bedside.discharge import service as discharge
from bedside.discharge.models import Settlement
from bedside.kiosks import service as kiosks_service
from bedside.payments.models import PaymentOrder
from tests.conftest import DATABASE
from tests.e2e.conftest import KIOSK, PHONE, shot
from tests.e2e.steps import draw_signature, kiosk_sign_in, phone_sign_in
from tests.integration.discharge.conftest import HIS, admitted, line

pytestmark = pytest.mark.browser


def _owing(session):  # type: ignore[no-untyped-def]
    """A self-pay stay whose charges exceed its ¥5,000 deposit by ¥1,200, ready to settle."""
    ip = admitted(session, insurance="self_pay")
    with DATABASE.session() as s:
        charges.post(s, HIS, ip.notice_id, [line("1", "A", 500000, "surgery"), line("2", "C", 120000, "lab")])
        discharge.order(s, ip.doctor, ip.notice_id, local_today())
        discharge.clear_ward(s, ip.nurse, ip.notice_id, no_pending_orders=True, charges_posted=True)
        assert discharge.get(s, ip.notice_id).state == "ready_to_settle"
    return ip


class Loads:
    """Every page the main frame loads: ours, and the wallet's (the sandbox payer page)."""

    def __init__(self, page: Page) -> None:
        self.ours: list[str] = []
        self.wallet: list[str] = []
        page.on("framenavigated", self._seen)
        self.page = page

    def _seen(self, frame) -> None:  # type: ignore[no-untyped-def]
        if frame != self.page.main_frame:
            return
        path = urlsplit(frame.url).path
        (self.wallet if "/sandbox/" in path or "/cashier/" in path else self.ours).append(path)


def _settled(notice_id: int) -> Settlement:
    with DATABASE.session() as s:
        row = s.scalar(select(Settlement).where(Settlement.notice_id == notice_id))
        assert row is not None
        s.expunge(row)
        return row


def _supplementary(notice_id: int) -> PaymentOrder:
    with DATABASE.session() as s:
        [order] = s.scalars(select(PaymentOrder).where(PaymentOrder.purpose == "supplementary_payment")).all()
        s.expunge(order)
        return order


def test_a_stay_owing_money_settles_on_the_phone_in_one_act(session, sms, new_page):
    ip = _owing(session)
    phone = new_page(PHONE)
    phone_sign_in(phone, sms, "13600000011")
    expect(phone.locator("[data-testid=next-step]")).to_be_visible()
    loads = Loads(phone)
    phone.goto(f"/phone/stays/{ip.notice_id}/settle")  # the "you can settle now" push's link
    expect(phone.locator("[data-testid=supplementary-due]")).to_contain_text("¥1,200.00")
    expect(phone.get_by_role("link", name="缴纳预交金")).to_have_count(0)
    draw_signature(phone)
    shot(phone, "phone-settle-owing")
    phone.locator("[data-testid=pay-and-settle]").click()
    expect(phone.locator("[data-testid=payment-status]")).to_have_attribute("data-state", "paying")
    phone.locator("[data-testid=sandbox-pay]").click()
    phone.locator("[data-testid=sandbox-confirm]").click()
    expect(phone.locator("[data-testid=settled]")).to_be_visible(timeout=20000)
    shot(phone, "phone-settled-after-paying")
    print(f"\nphone discharge after the push: {len(loads.ours)} screens {loads.ours}, wallet {loads.wallet}")
    assert len(loads.ours) <= 3, loads.ours
    assert not any(p.startswith("/phone/deposit") for p in loads.ours)
    order = _supplementary(ip.notice_id)
    assert (order.amount_fen, order.state) == (120000, "paid")
    row = _settled(ip.notice_id)
    assert row.refund_fen == 0 and row.settled_by.startswith("account:")


def test_a_stay_owing_money_settles_at_the_kiosk_in_one_act(session, sms, new_page):
    ip = _owing(session)
    _, key = kiosks_service.register(
        session,
        SYSTEM,
        code="K-ACT",
        name="出院机",
        location="出院大厅",
        model="ZK-43",
        serial="S-ACT",
        modules=["id_reader", "laser_printer", "stamper"],
    )
    kiosk = new_page(KIOSK)
    kiosk_sign_in(kiosk, key, ip.adm.patient.resident_id)
    kiosk.goto(f"/kiosk/stays/{ip.notice_id}/settle")
    expect(kiosk.locator("[data-testid=supplementary-due]")).to_contain_text("¥1,200.00")
    for method in ("code", "wechat_qr", "alipay_qr", "card"):
        expect(kiosk.locator(f"[data-testid=settle-method-{method}]")).to_be_visible()
    draw_signature(kiosk, 700, 150)
    kiosk.locator("[data-testid=settle-method-wechat_qr]").click()
    expect(kiosk.locator("[data-testid=pay-qr]")).to_be_visible()
    shot(kiosk, "kiosk-settle-pay-qr")
    kiosk.locator("[data-testid=sandbox-pay]").click()
    # Coming back settles the stay and the done screen prints its documents (signed PDFs: slow).
    kiosk.locator("[data-testid=sandbox-confirm]").click(no_wait_after=True)
    expect(kiosk.locator("[data-testid=settled]")).to_be_visible(timeout=45000)
    expect(kiosk.locator("[data-testid=print-fee_list]")).to_be_visible()
    shot(kiosk, "kiosk-settled-after-paying")
    assert _supplementary(ip.notice_id).channel == "wechat"
    assert _settled(ip.notice_id).settled_by.startswith("kiosk")
