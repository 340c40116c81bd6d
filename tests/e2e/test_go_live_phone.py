"""Go-live on the phone, every boundary over its real protocol: a number never seen before signs
in with the code the Alibaba Cloud SMS peer delivered, opens the phone inside WeChat and is bound
to its openid through the official account's OAuth peer, pays the first deposit by WeChat Pay
JSAPI (the order carries that openid, the payment sheet gets merchant-signed parameters) and is
told by a WeChat template message; a second patient pays by Alipay's wap cashier."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from bedside.accounts import wechat
from bedside.accounts.models import Account
from bedside.admissions import service as admissions_service
from bedside.admissions.models import AdmissionNotice
from bedside.admissions.schemas import NoticeIn
from bedside.payments import registry
from bedside.payments.crypto import wechat as wx
from bedside.payments.install import alipay_adapter
from bedside.payments.models import PaymentOrder
from bedside.settings import get_settings
from bedside.staff import service as staff_service
from tests import factories, wechat_peers
from tests.conftest import DATABASE
from tests.e2e.conftest import PHONE, shot
from tests.e2e.steps import phone_sign_in

pytestmark = pytest.mark.browser

IN_WECHAT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 MicroMessenger/8.0.50(0x1800323c) NetType/WIFI Language/zh_CN"
)
# Plays the WeChat app's payment sheet: keeps what the page handed over, as the app would read it.
FAKE_BRIDGE = """
window.WeixinJSBridge = {invoke: function (name, params, done) {
  window.__wechatPay = {name: name, params: params};
}};
"""


def _notice(session, world, name: str, phone: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    doctor = factories.staff(session, f"dr.{phone[-4:]}", "doctor", department_id=world.department.id)
    patient = factories.patient(session, name=name, phone=phone)
    notice = admissions_service.issue(
        session,
        staff_service.actor_for(doctor),
        NoticeIn(
            patient_id=patient.id,
            department_id=world.department.id,
            diagnosis="肺炎",
            expected_date=factories.tomorrow(),
        ),
    )
    session.commit()
    return notice.id, patient.name, patient.resident_id


def _link_self(page: Page, name: str, resident_id: str) -> None:
    """The new account claims its own patient record (same phone as the hospital has)."""
    page.goto("/phone/patients/new")
    page.select_option("#relation", "self")
    page.fill("#name", name)
    page.fill("#resident_id", resident_id)
    page.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/phone/\?p=\d+"))


def _order(notice_id: int) -> PaymentOrder:
    with DATABASE.session() as s:
        patient_id = s.scalar(select(AdmissionNotice.patient_id).where(AdmissionNotice.id == notice_id))
        order = s.scalars(select(PaymentOrder).where(PaymentOrder.patient_id == patient_id)).one()
        s.expunge(order)
        return order


def _messages_for(mp: wechat_peers.WechatPeerHandle, openid: str, wait: float = 15.0) -> list[dict]:  # type: ignore[type-arg]
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        found = mp.messages(openid)
        if found:
            return found
        time.sleep(0.2)
    return []


def test_new_number_by_sms_peer_binds_wechat_pays_jsapi_then_alipay_wap(
    session, aliyun_sms, new_page, live_server, payment_peers, monkeypatch
):
    world = factories.hospital(session)
    first_notice, first_name, first_id = _notice(session, world, "赵云", "13700000051")
    second_notice, second_name, second_id = _notice(session, world, "黄忠", "13700000052")
    base = live_server.start()
    monkeypatch.setattr(get_settings(), "base_url", base)
    # "Deposit paid" is not urgent and waits out the hospital's quiet hours (21:30-07:30 local);
    # this test proves the template message reaches the openid, so it runs outside quiet hours
    # whatever the clock says (equal start and end mean no quiet hours).
    monkeypatch.setattr(get_settings(), "quiet_hours_start", "00:00")
    monkeypatch.setattr(get_settings(), "quiet_hours_end", "00:00")
    payment_peers.reset()
    # Alipay sends the payer back to the hospital's phone pages (its return_url) after paying.
    registry.get("alipay")
    registry.register(
        alipay_adapter(
            payment_peers.alipay_transport(return_url=f"{base}/phone"),
            payment_peers.alipay_peer.merchant.seller_id,
        )
    )
    mp = wechat_peers.start({urlsplit(base).netloc})
    try:
        mp.configure(monkeypatch)

        # 1. Inside WeChat: the code comes from the SMS peer's inbox, not the log.
        phone = new_page(PHONE, user_agent=IN_WECHAT)
        phone.add_init_script(FAKE_BRIDGE)
        phone_sign_in(phone, aliyun_sms, "13700000051")
        [sms] = aliyun_sms.messages("13700000051")
        assert sms["template"] and sms["sign_name"]
        # Opened inside WeChat, the phone asks the official account who this is (snsapi_base).
        phone.goto("/phone/")
        _link_self(phone, first_name, first_id)
        with DATABASE.session() as s:
            account_id = s.scalar(select(Account.id).where(Account.phone == "13700000051"))
            openid = wechat.openid_for(s, account_id or 0)
        assert openid and openid in mp.peer.issued

        # 2. The first deposit by JSAPI: the order names the bound openid at WeChat Pay.
        phone.goto(f"/phone/deposit/{first_notice}")
        phone.fill("#custom", "3000")
        phone.locator("[data-testid=pay]").click()
        jsapi = phone.locator("[data-testid=wechat-jsapi]")
        expect(jsapi).to_be_visible()
        order = _order(first_notice)
        assert (order.channel, order.trade_type) == ("wechat", "JSAPI")
        assert payment_peers.wechat_peer.jsapi_payers[order.out_trade_no] == openid
        jsapi.click()
        sheet = phone.evaluate("window.__wechatPay")
        assert sheet["name"] == "getBrandWCPayRequest"
        params = sheet["params"]
        message = f"{params['appId']}\n{params['timeStamp']}\n{params['nonceStr']}\n{params['package']}\n"
        assert params["package"].startswith("prepay_id=") and params["signType"] == "RSA"
        assert wx.verify_message(
            payment_peers.wechat_peer.merchant.merchant_public_pem, message.encode(), params["paySign"]
        )
        shot(phone, "phone-go-live-jsapi")
        # The payer confirms in the WeChat app; the waiting page learns it from WeChat Pay.
        status_url = f"{base}/phone/payments/{order.id}"
        phone.goto(f"{payment_peers.wechat.url}/cashier/{order.out_trade_no}?back={status_url}")
        phone.locator("[data-testid=peer-confirm]").click()
        expect(phone.locator("[data-testid=payment-status]")).to_have_attribute(
            "data-state", "paid", timeout=15000
        )
        expect(phone.locator("[data-testid=payment-status]")).to_contain_text("¥3,000.00")
        # Told through the official account, as a template message to the bound openid.
        [told] = _messages_for(mp, openid)
        assert told["template_id"] == wechat_peers.TEMPLATE and told["data"]["thing1"]

        # 3. Another patient, in an ordinary browser: Alipay's wap cashier.
        other = new_page(PHONE)
        phone_sign_in(other, aliyun_sms, "13700000052")
        _link_self(other, second_name, second_id)
        other.goto(f"/phone/deposit/{second_notice}")
        other.fill("#custom", "2000")
        other.locator("[data-testid=pay-alipay]").click()
        wap = other.locator("[data-testid=alipay-wap]")
        expect(wap).to_be_visible()
        alipay_order = _order(second_notice)
        assert (alipay_order.channel, alipay_order.trade_type) == ("alipay", "WAP")
        wap.click()
        expect(other).to_have_url(re.compile(re.escape(payment_peers.alipay.url)))
        other.locator("[data-testid=peer-confirm]").click()
        expect(other).to_have_url(re.compile(r"/phone/?$"))
        other.goto(f"/phone/payments/{alipay_order.id}")
        expect(other.locator("[data-testid=payment-status]")).to_have_attribute(
            "data-state", "paid", timeout=15000
        )
        shot(other, "phone-go-live-alipay")
    finally:
        mp.running.stop()
