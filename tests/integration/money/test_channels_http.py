"""WeChat Pay API v3 and the Alipay gateway over HTTP: the real clients against the peers, with
signatures checked both ways, certificates downloaded and rotated, and the faults a network
brings (timeouts, 5xx, an answer lost after the trade was made) ending in one payment."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from bedside.core.clock import local_today
from bedside.core.errors import DomainError
from bedside.deposits import service as deposits
from bedside.payments import registry, worker
from bedside.payments import service as payments
from bedside.payments.bills.alipay_bill import read_alipay_bill
from bedside.payments.bills.wechat_tradebill import read_tradebill
from bedside.payments.channels.base import ChannelDeclined, ChannelError
from bedside.payments.crypto import alipay as ali
from bedside.payments.crypto import wechat as wx
from bedside.payments.install import wechat_adapter
from bedside.payments.models import PaymentOrder
from bedside.payments.sandbox import server as sandbox
from tests.conftest import DATABASE


@pytest.fixture
def peers(payment_peers):  # type: ignore[no-untyped-def]
    payment_peers.reset()
    payment_peers.install()
    yield payment_peers
    payment_peers.reset()


def _pay(out_trade_no: str) -> None:
    with DATABASE.session() as s:
        sandbox.pay(s, out_trade_no)
        s.commit()


def _start(stay, channel="wechat", trade_type="NATIVE", key="http-key-0001", amount=120000):  # type: ignore[no-untyped-def]
    with DATABASE.session() as s:
        return payments.start_payment(
            s,
            stay.actor,
            patient_id=stay.patient.id,
            notice_id=stay.notice.id,
            purpose="deposit",
            amount_fen=amount,
            channel=channel,
            trade_type=trade_type,
            place="K-01",
            idempotency_key=key,
        )


def _order(order_id: int) -> PaymentOrder:
    with DATABASE.session() as s:
        order = s.get(PaymentOrder, order_id)
        assert order is not None
        s.expunge(order)
        return order


def _balance(account_id: int) -> int:
    with DATABASE.session() as s:
        cached, derived = deposits.check(s, account_id)
        assert cached == derived
        return cached


# --- WeChat Pay ------------------------------------------------------------------------------


def test_wechat_create_query_close_refund_over_http(peers):
    adapter = registry.get("wechat")
    created = adapter.create("BSHTTP0001", 5000, "NATIVE", "住院预交金")
    assert created.pay_params["code_url"].startswith("weixin://wxpay/bizpayurl")
    assert adapter.query("BSHTTP0001").state == "NOTPAY"
    assert adapter.query("BSHTTP-NONE").state == "NOTFOUND"
    _pay("BSHTTP0001")
    paid = adapter.query("BSHTTP0001")
    assert (paid.state, paid.amount_fen) == ("SUCCESS", 5000) and paid.channel_trade_no
    answer = adapter.refund("BSHTTP0001", "RFHTTP0001", 2000, 5000)
    assert answer.state == "SUCCESS" and answer.channel_refund_no
    again = adapter.refund("BSHTTP0001", "RFHTTP0001", 2000, 5000)  # idempotent on the refund no
    assert again.channel_refund_no == answer.channel_refund_no
    adapter.create("BSHTTP0002", 100, "NATIVE", "住院预交金")
    adapter.close("BSHTTP0002")
    assert adapter.query("BSHTTP0002").state == "CLOSED"
    with pytest.raises(ChannelError):
        adapter.close("BSHTTP0001")  # paid: WeChat refuses to close it


def test_wechat_jsapi_h5_and_payment_code(peers):
    adapter = registry.get("wechat")
    with pytest.raises(ChannelDeclined):
        adapter.create("BSHTTP0010", 100, "JSAPI", "住院预交金")  # no openid: PARAM_ERROR
    jsapi = adapter.create("BSHTTP0011", 100, "JSAPI", "住院预交金", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")
    params = jsapi.pay_params["jsapi"]
    message = f"{params['appId']}\n{params['timeStamp']}\n{params['nonceStr']}\n{params['package']}\n"
    assert wx.verify_message(peers.wechat_api_key.public_pem, message.encode(), params["paySign"])
    h5 = adapter.create("BSHTTP0012", 100, "H5", "住院预交金")
    page = httpx.post(h5.pay_params["h5_url"], data={"back": "/phone"}, follow_redirects=False)
    assert page.status_code == 303
    assert adapter.query("BSHTTP0012").state == "SUCCESS"
    code = adapter.create("BSHTTP0013", 100, "MICROPAY", "住院预交金", "134567890123456789")
    assert code.trade is not None and code.trade.state == "SUCCESS"
    with pytest.raises(ChannelDeclined):
        adapter.create("BSHTTP0014", 100, "MICROPAY", "住院预交金", "999")


def test_wechat_certificates_download_and_rotation(peers):
    transport = peers.wechat_transport()
    first = transport.certificates()
    assert [c.serial for c in first] == [peers.wechat_peer.merchant.platform.serial]
    rotated = peers.wechat_peer.rotate()
    # The next answer is signed by a serial the client has not seen: it downloads again.
    assert transport.query("BSHTTP-NONE")["trade_state"] == "NOTFOUND"
    assert {c.serial for c in transport.certificates()} >= {rotated.serial}
    wrong_key = peers.wechat_transport(apiv3_key=b"0" * 32)
    with pytest.raises(ChannelError, match="CERTIFICATE_UNREADABLE"):
        wrong_key.certificates()


def test_wechat_bad_signatures_are_refused_both_ways(peers):
    stranger = wx.generate_rsa_keypair(peers.wechat_api_key.serial)
    forged = peers.wechat_transport(merchant_private_pem=stranger.private_pem)
    with pytest.raises(ChannelError, match="SIGN_ERROR"):
        forged.create("BSHTTP0020", 100, "NATIVE", "x", None)
    assert registry.get("wechat").query("BSHTTP0020").state == "NOTFOUND"  # nothing was made
    peers.wechat_peer.faults.add("bad_signature")
    with pytest.raises(ChannelError, match="BAD_RESPONSE_SIGNATURE"):
        registry.get("wechat").query("BSHTTP0020")


def test_wechat_trade_bill_download(peers):
    adapter = registry.get("wechat")
    adapter.create("BSHTTP0030", 4321, "NATIVE", "住院预交金")
    _pay("BSHTTP0030")
    bill = read_tradebill(peers.wechat_transport().tradebill(local_today()))
    assert [(r.out_trade_no, r.order_total_fen) for r in bill.rows] == [("BSHTTP0030", 4321)]


def test_wechat_5xx_creates_nothing_and_a_retry_succeeds(peers, stay):
    peers.wechat_peer.faults.add("http_500")
    with pytest.raises(DomainError) as caught:
        _start(stay)
    assert caught.value.code == "channel_unavailable"
    order = _order(_orders()[0])
    assert order.state == "created"
    retried = _start(stay)  # same idempotency key: the same order, created at the channel now
    assert retried.id == order.id and retried.state == "paying"


def _orders() -> list[int]:
    with DATABASE.session() as s:
        return list(s.scalars(select(PaymentOrder.id).order_by(PaymentOrder.id)))


def test_wechat_timeout_then_query_closes_what_was_never_made(peers, stay):
    peers.wechat_peer.faults.add("timeout")
    with pytest.raises(DomainError):
        _start(stay)
    order_id = _orders()[0]
    with DATABASE.session() as s:
        assert payments.check_order(s, order_id) == "closed"  # WeChat never saw the order
    assert _order(order_id).state == "closed"


def test_a_lost_answer_after_create_ends_in_one_payment(peers, stay):
    peers.wechat_peer.faults.add("drop")
    with pytest.raises(DomainError):
        _start(stay)
    order = _order(_orders()[0])
    with DATABASE.session() as s:
        assert payments.check_order(s, order.id) == "waiting"  # the trade exists at WeChat
    _pay(order.out_trade_no)
    with DATABASE.session() as s:
        assert payments.check_order(s, order.id) == "credited"
    # The notification arrives as well, and the retry of the request: still one payment.
    sandbox.deliver_due(DATABASE.session_factory, worker.deliver_in_process(DATABASE.session_factory))
    assert _start(stay).id == order.id
    assert _order(order.id).state == "paid"
    assert _balance(order.account_id) == 120000


# --- Alipay ----------------------------------------------------------------------------------


def test_alipay_create_query_close_refund_over_http(peers):
    adapter = registry.get("alipay")
    created = adapter.create("BSALI0001", 5000, "PRECREATE", "住院预交金")
    assert created.pay_params["qr_code"].startswith("https://qr.alipay.com/")
    assert adapter.query("BSALI0001").state == "NOTPAY"
    assert adapter.query("BSALI-NONE").state == "NOTFOUND"
    _pay("BSALI0001")
    paid = adapter.query("BSALI0001")
    assert (paid.state, paid.amount_fen) == ("SUCCESS", 5000)
    assert adapter.refund("BSALI0001", "RFALI0001", 1234, 5000).state == "SUCCESS"
    refused = adapter.refund("BSALI0001", "RFALI0002", 99999, 5000)
    assert (refused.state, refused.error) == ("ABNORMAL", "ACQ.INVALID_PARAMETER")
    adapter.create("BSALI0002", 100, "PRECREATE", "住院预交金")
    adapter.close("BSALI0002")
    assert adapter.query("BSALI0002").state == "CLOSED"
    adapter.close("BSALI-NONE")  # nothing to close
    code = adapter.create("BSALI0003", 100, "BARCODE", "住院预交金", "286543210987654321")
    assert code.trade is not None and code.trade.state == "SUCCESS"
    with pytest.raises(ChannelDeclined, match="ACQ.PAYMENT_AUTH_CODE_INVALID"):
        adapter.create("BSALI0004", 100, "BARCODE", "住院预交金", "999")


def test_alipay_wap_pay_goes_through_the_cashier(peers):
    adapter = registry.get("alipay")
    url = adapter.create("BSALI0010", 800, "WAP", "住院预交金").pay_params["pay_url"]
    with httpx.Client(follow_redirects=False) as browser:
        arrived = browser.get(url)
        assert arrived.status_code == 303 and "/cashier/BSALI0010" in arrived.headers["location"]
        paid = browser.post(f"{peers.alipay.url}{arrived.headers['location']}", data={"back": "/phone"})
        assert paid.status_code == 303
        tampered = browser.get(url.replace("total_amount%22%3A%228.00", "total_amount%22%3A%220.01"))
        assert tampered.status_code == 400
    assert adapter.query("BSALI0010").state == "SUCCESS"


def test_alipay_bad_signatures_are_refused_both_ways(peers):
    forged = peers.alipay_transport(app_private_pem=ali.generate_keypair().private_pem)
    with pytest.raises(ChannelDeclined, match="isv.invalid-signature"):
        forged.query("BSALI0020")
    peers.alipay_peer.faults.add("bad_signature")
    with pytest.raises(ChannelError, match="BAD_RESPONSE_SIGNATURE"):
        registry.get("alipay").query("BSALI0020")


def test_alipay_faults_and_the_bill(peers, stay):
    peers.alipay_peer.faults.add("http_500")
    with pytest.raises(ChannelError, match="isp.unknow-error"):
        registry.get("alipay").query("BSALI0030")
    peers.alipay_peer.faults.add("drop")
    with pytest.raises(DomainError):
        _start(stay, channel="alipay", trade_type="PRECREATE", amount=2500)
    order = _order(_orders()[0])
    _pay(order.out_trade_no)
    with DATABASE.session() as s:
        assert payments.check_order(s, order.id) == "credited"
    assert _balance(order.account_id) == 2500
    bill = read_alipay_bill(peers.alipay_transport().download_bill(local_today()))
    assert [r.out_trade_no for r in bill.rows] == [order.out_trade_no]


def test_an_unreachable_channel_is_a_channel_error(peers):
    closed_port = peers.wechat_transport(base_url="http://127.0.0.1:9")
    with pytest.raises(ChannelError, match="UNREACHABLE"):
        closed_port.query("BSHTTP0040")
    assert wechat_adapter(closed_port).name == "wechat"


def test_notifications_reach_bedside_over_http(peers, stay, app):
    from bedside.simulators.runner import start

    served = start(app)
    try:
        order = _start(stay, key="http-key-notify")
        peers.wechat_peer.notifier.notify_url = f"{served.url}/api/v1/payments/notify/wechat"
        _pay(order.out_trade_no)
        assert peers.wechat_peer.notifier.deliver_now() == 1
    finally:
        served.stop()
    assert _order(order.id).state == "paid"
    with DATABASE.session() as s:
        assert s.scalar(select(func.count()).select_from(PaymentOrder)) == 1


def test_bill_dates_are_checked(peers):
    with pytest.raises(ChannelDeclined):
        peers.wechat_transport().call("GET", "/v3/bill/tradebill?bill_date=yesterday")


def test_settings_install_the_http_channels_and_check_connections(peers, tmp_path):
    from bedside.connections import check_alipay, check_wechatpay
    from bedside.payments.install import install_http_channels
    from bedside.settings import get_settings

    files = {
        "wechat": (tmp_path / "apiclient_key.pem", peers.wechat_api_key.private_pem.decode()),
        "app": (tmp_path / "app_private_key.pem", peers.alipay_app_key.private_pem),
        "alipay": (tmp_path / "alipay_public_key.pem", peers.alipay_peer.merchant.alipay.public_pem),
    }
    for path, text in files.values():
        path.write_text(text)
    m = peers.wechat_peer.merchant
    settings = get_settings().model_copy(
        update={
            "wechatpay_base_url": peers.wechat.url,
            "wechatpay_mchid": m.mchid,
            "wechatpay_appid": m.appid,
            "wechatpay_merchant_key_file": str(files["wechat"][0]),
            "wechatpay_merchant_serial": peers.wechat_api_key.serial,
            "wechatpay_apiv3_key": m.apiv3_key.decode(),
            "alipay_gateway_url": f"{peers.alipay.url}/gateway.do",
            "alipay_app_id": peers.alipay_peer.merchant.app_id,
            "alipay_app_private_key_file": str(files["app"][0]),
            "alipay_public_key_file": str(files["alipay"][0]),
        }
    )
    assert check_wechatpay(settings).status == "ok"
    assert check_alipay(settings).status == "ok"
    wrong = settings.model_copy(
        update={"wechatpay_apiv3_key": "0" * 32, "alipay_public_key_file": str(files["app"][0])}
    )
    assert "CERTIFICATE_UNREADABLE" in check_wechatpay(wrong).detail
    assert check_alipay(wrong).status == "failed"
    missing = settings.model_copy(update={"wechatpay_merchant_key_file": str(tmp_path / "none.pem")})
    assert "BEDSIDE_WECHATPAY_MERCHANT_KEY_FILE" in check_wechatpay(missing).detail
    off = settings.model_copy(update={"wechatpay_mchid": "", "alipay_app_id": ""})
    assert (check_wechatpay(off).status, check_alipay(off).status) == ("off", "off")
    registry.reset()
    assert install_http_channels(settings) == {"wechat", "alipay"}
    assert registry.get("alipay").query("BSALI-NONE").state == "NOTFOUND"
