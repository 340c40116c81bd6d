"""The phone pays with the wallet it is in: WeChat Pay JSAPI inside WeChat (by the bound
openid), WeChat Pay H5 in another browser, Alipay through its wap cashier; over HTTP."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from bedside.accounts.wechat import current_app_id
from bedside.accounts.wechat_models import WechatBinding
from bedside.payments import service as payments
from bedside.payments.models import PaymentOrder
from tests.conftest import DATABASE
from tests.helpers import phone_login

IN_WECHAT = "Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 MicroMessenger/8.0.50 NetType/WIFI"


@pytest.fixture
def phone(client, sms, stay, payment_peers):  # type: ignore[no-untyped-def]
    payment_peers.reset()
    payment_peers.install()
    token = phone_login(client, sms, "13600000001")
    return client, token, stay


def _pay(client, token, stay, method, ua="Mozilla/5.0 (Linux; Android 14) Chrome/126", key="phone-wallet-01"):  # type: ignore[no-untyped-def]
    return client.post(
        f"/phone/deposit/{stay.notice.id}",
        data={"amount": "", "custom": "100", "request_key": key, "csrf_token": token, "method": method},
        headers={"User-Agent": ua},
        follow_redirects=False,
    )


def _order() -> PaymentOrder:
    with DATABASE.session() as s:
        order = s.scalars(select(PaymentOrder)).one()
        s.expunge(order)
        return order


def test_outside_wechat_the_phone_pays_by_h5(phone):
    client, token, stay = phone
    r = _pay(client, token, stay, "wechat")
    assert r.status_code == 303
    order = _order()
    assert (order.channel, order.trade_type) == ("wechat", "H5")
    page = client.get(r.headers["location"])
    assert 'data-testid="wechat-h5"' in page.text


def test_inside_wechat_an_unbound_account_is_told_to_bind_first(phone):
    client, token, stay = phone
    r = _pay(client, token, stay, "wechat", ua=IN_WECHAT)
    assert r.status_code == 422 and 'data-code="wechat_not_bound"' in r.text
    with DATABASE.session() as s:
        assert s.scalars(select(PaymentOrder)).first() is None


def test_inside_wechat_a_bound_account_pays_by_jsapi(phone):
    client, token, stay = phone
    with DATABASE.session() as s:
        s.add(
            WechatBinding(
                account_id=stay.phone_account.id, app_id=current_app_id(), openid="oBound0penid0001"
            )
        )
        s.commit()
    r = _pay(client, token, stay, "wechat", ua=IN_WECHAT)
    assert r.status_code == 303, r.text
    order = _order()
    assert (order.trade_type, order.state) == ("JSAPI", "paying")
    assert order.pay_params["jsapi"]["package"].startswith("prepay_id=")
    assert "oBound0penid0001" not in str(order.pay_params)  # the openid is not stored
    page = client.get(r.headers["location"])
    assert 'data-testid="wechat-jsapi"' in page.text


def test_alipay_on_the_phone_goes_through_the_wap_cashier(phone, payment_peers):
    client, token, stay = phone
    r = _pay(client, token, stay, "alipay")
    assert r.status_code == 303
    order = _order()
    assert (order.channel, order.trade_type) == ("alipay", "WAP")
    url = order.pay_params["pay_url"]
    assert url.startswith(f"{payment_peers.alipay.url}/gateway.do?")
    with httpx.Client(base_url=payment_peers.alipay.url) as browser:
        cashier = browser.get(url)
        assert cashier.status_code == 303
        assert browser.post(cashier.headers["location"], data={"back": "/phone"}).status_code == 303
    with DATABASE.session() as s:
        assert payments.check_order(s, order.id) == "credited"  # Alipay's answer to the query
    assert 'data-state="paid"' in client.get(f"/phone/payments/{order.id}/status").text


def test_an_unknown_wallet_is_refused(phone):
    client, token, stay = phone
    r = _pay(client, token, stay, "paypal")
    assert r.status_code == 422 and 'data-code="channel_unavailable"' in r.text
