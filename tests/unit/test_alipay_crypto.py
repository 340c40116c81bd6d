from __future__ import annotations

import string
from datetime import UTC, datetime
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

import pytest
from alipay import AliPay
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bedside.payments.crypto import NotificationRejected
from bedside.payments.crypto.alipay import (
    AlipayKeyPair,
    build_trade_notification,
    fen_to_yuan,
    generate_keypair,
    mask_logon_id,
    notification_sign_content,
    parse_trade_notification,
    request_sign_content,
    sign_notification,
    sign_request,
    verify_notification,
    verify_request,
    yuan_to_fen,
)

CN = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def channel() -> AlipayKeyPair:
    return generate_keypair()


@pytest.fixture(scope="module")
def merchant() -> AlipayKeyPair:
    return generate_keypair()


@pytest.fixture(scope="module")
def other() -> AlipayKeyPair:
    return generate_keypair()


def _paid(**overrides: object) -> dict[str, str]:
    args: dict = {
        "app_id": "2021000000000001",
        "seller_id": "2088000000000001",
        "trade_no": "2026030122001400000000000001",
        "out_trade_no": "DEP-20260301-0001",
        "trade_status": "TRADE_SUCCESS",
        "total_fen": 50000,
        "subject": "住院预交金",
        "buyer_id": "2088102177846880",
        "buyer_account": "13800138000",
        "gmt_create": datetime(2026, 3, 1, 9, 59, 50, tzinfo=CN),
        "gmt_payment": datetime(2026, 3, 1, 10, 0, 3, tzinfo=CN),
        "notify_time": datetime(2026, 3, 1, 10, 0, 4, tzinfo=CN),
    }
    args.update(overrides)
    return build_trade_notification(**args)


def test_keypair_is_pem():
    pair = generate_keypair()
    assert pair.private_pem.startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert pair.public_pem.startswith("-----BEGIN PUBLIC KEY-----")


def test_sign_verify_round_trip(channel):
    params = _paid()
    signed = sign_notification(params, channel.private_pem)
    assert signed["sign_type"] == "RSA2"
    assert verify_notification(signed, channel.public_pem) == params


def test_the_sdk_verifies_what_we_sign(channel, merchant):
    signed = sign_notification(_paid(), channel.private_pem)
    client = AliPay(
        appid="2021000000000001",
        app_private_key_string=merchant.private_pem,
        alipay_public_key_string=channel.public_pem,
    )
    data = dict(signed)
    signature = data.pop("sign")
    assert client.verify(data, signature) is True


def test_request_signature_equals_the_sdks_and_verifies(channel, merchant):
    client = AliPay(
        appid="2021000000000001",
        app_private_key_string=merchant.private_pem,
        alipay_public_key_string=channel.public_pem,
    )
    query = client.client_api(
        "alipay.trade.precreate",
        biz_content={"out_trade_no": "DEP-1", "total_amount": "500.00", "subject": "住院预交金"},
        notify_url="https://bedside.example/notify/alipay",
    )
    params = dict(parse_qsl(query, keep_blank_values=True))
    assert verify_request(params, merchant.public_pem)["method"] == "alipay.trade.precreate"
    unsigned = {k: v for k, v in params.items() if k != "sign"}
    assert sign_request(unsigned, merchant.private_pem)["sign"] == params["sign"]
    with pytest.raises(NotificationRejected) as info:
        verify_request(
            {**params, "biz_content": params["biz_content"].replace("500", "5")}, merchant.public_pem
        )
    assert info.value.reason == "bad_signature"


def test_request_content_signs_sign_type_but_notification_content_does_not():
    params = {"b": "2", "a": "1", "empty": "", "sign": "x", "sign_type": "RSA2"}
    assert notification_sign_content(params) == "a=1&b=2"
    assert request_sign_content(params) == "a=1&b=2&sign_type=RSA2"


def test_values_are_not_url_encoded():
    assert notification_sign_content({"subject": "a b&c=d", "fund_bill_list": '[{"x":"1"}]'}) == (
        'fund_bill_list=[{"x":"1"}]&subject=a b&c=d'
    )


def test_empty_values_are_excluded(channel):
    signed = sign_notification({**_paid(), "body": ""}, channel.private_pem)
    assert "body=" not in notification_sign_content(signed)
    # An empty parameter added in transit does not change what was signed.
    assert verify_notification({**signed, "extra": ""}, channel.public_pem)["trade_no"]


def _reason(form: dict[str, str], public_pem: str) -> str:
    with pytest.raises(NotificationRejected) as info:
        verify_notification(form, public_pem)
    return info.value.reason


@pytest.mark.parametrize("field", ["total_amount", "trade_status", "out_trade_no", "notify_id", "subject"])
def test_changed_value_is_rejected(channel, field):
    signed = sign_notification(_paid(), channel.private_pem)
    signed[field] = signed[field] + "0"
    assert _reason(signed, channel.public_pem) == "bad_signature"


def test_added_or_removed_parameter_is_rejected(channel):
    signed = sign_notification(_paid(), channel.private_pem)
    assert _reason({**signed, "refund_fee": "1.00"}, channel.public_pem) == "bad_signature"
    trimmed = dict(signed)
    del trimmed["gmt_payment"]
    assert _reason(trimmed, channel.public_pem) == "bad_signature"


def test_missing_signature_is_rejected(channel):
    signed = sign_notification(_paid(), channel.private_pem)
    del signed["sign"]
    assert _reason(signed, channel.public_pem) == "missing_signature"
    assert _reason({**signed, "sign": ""}, channel.public_pem) == "missing_signature"


def test_wrong_key_is_rejected(channel, other):
    signed = sign_notification(_paid(), other.private_pem)
    assert _reason(signed, channel.public_pem) == "bad_signature"


def test_a_broken_configured_key_is_not_blamed_on_the_notification(channel):
    signed = sign_notification(_paid(), channel.private_pem)
    with pytest.raises(ValueError) as info:
        verify_notification(signed, "not a key")
    assert not isinstance(info.value, NotificationRejected)


def test_rsa_sign_type_is_rejected(channel):
    signed = sign_notification(_paid(), channel.private_pem)
    assert _reason({**signed, "sign_type": "RSA"}, channel.public_pem) == "unsupported_sign_type"
    del signed["sign_type"]
    assert _reason(signed, channel.public_pem) == "missing_sign_type"


def test_garbled_signature_is_rejected(channel):
    signed = sign_notification(_paid(), channel.private_pem)
    assert _reason({**signed, "sign": "not base64!"}, channel.public_pem) == "bad_signature"
    assert _reason({**signed, "sign": signed["sign"][:-8]}, channel.public_pem) == "bad_signature"


def test_verify_request_reasons(merchant, other):
    signed = sign_request({"app_id": "1", "method": "alipay.trade.query"}, merchant.private_pem)
    assert verify_request(signed, merchant.public_pem)["sign_type"] == "RSA2"
    for form, reason in [
        ({k: v for k, v in signed.items() if k != "sign"}, "missing_signature"),
        ({**signed, "sign_type": "RSA"}, "unsupported_sign_type"),
        ({**signed, "method": "alipay.trade.refund"}, "bad_signature"),
    ]:
        with pytest.raises(NotificationRejected) as info:
            verify_request(form, merchant.public_pem)
        assert info.value.reason == reason
    with pytest.raises(NotificationRejected):
        verify_request(signed, other.public_pem)


@pytest.mark.parametrize("fen, text", [(0, "0.00"), (1, "0.01"), (10, "0.10"), (99999999, "999999.99")])
def test_fen_yuan_conversions(fen, text):
    assert fen_to_yuan(fen) == text
    assert yuan_to_fen(text) == fen


@pytest.mark.parametrize(
    "text", ["", "1.001", "-1.00", "1e2", " 1.00", "01.00", "NaN", "1,000.00", "¥1.00", "."]
)
def test_malformed_yuan_is_refused(text):
    with pytest.raises(ValueError):
        yuan_to_fen(text)


def test_fen_to_yuan_refuses_floats_and_negatives():
    with pytest.raises(TypeError):
        fen_to_yuan(1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        fen_to_yuan(-1)


def test_build_trade_notification_has_the_real_parameter_set():
    params = _paid(
        total_fen=1,
        gmt_payment=datetime(2026, 3, 1, 2, 0, 3, tzinfo=UTC),  # 10:00:03 in Beijing
    )
    assert params["notify_type"] == "trade_status_sync"
    assert params["charset"] == "utf-8"
    assert params["version"] == "1.0"
    assert params["buyer_logon_id"] == "138****8000"
    assert params["total_amount"] == params["receipt_amount"] == params["buyer_pay_amount"] == "0.01"
    assert params["gmt_payment"] == "2026-03-01 10:00:03"
    assert params["notify_time"] == "2026-03-01 10:00:04"
    assert len(params["notify_id"]) == 34
    assert "sign" not in params and "sign_type" not in params


def test_waiting_and_closed_notifications():
    waiting = _paid(trade_status="WAIT_BUYER_PAY", gmt_payment=None)
    assert "gmt_payment" not in waiting and "receipt_amount" not in waiting
    refunded = _paid(
        trade_status="TRADE_CLOSED",
        refund_fen=50000,
        gmt_refund=datetime(2026, 3, 2, 8, 0, tzinfo=CN),
        gmt_close=datetime(2026, 3, 2, 8, 0, tzinfo=CN),
        out_biz_no="RF-1",
    )
    parsed = parse_trade_notification(refunded)
    assert parsed.trade_status == "TRADE_CLOSED"
    assert parsed.refund_fen == 50000
    assert parsed.out_biz_no == "RF-1"
    with pytest.raises(ValueError):
        _paid(trade_status="TRADE_SUCCESS", gmt_payment=None)
    with pytest.raises(ValueError):
        _paid(refund_fen=50001, gmt_refund=datetime(2026, 3, 2, tzinfo=CN), out_biz_no="RF-2")


def test_parse_trade_notification_returns_fen(channel):
    form = sign_notification(_paid(total_fen=99999999), channel.private_pem)
    parsed = parse_trade_notification(verify_notification(form, channel.public_pem))
    assert parsed.total_fen == parsed.receipt_fen == parsed.buyer_pay_fen == 99999999
    assert parsed.refund_fen is None
    assert parsed.gmt_payment == datetime(2026, 3, 1, 10, 0, 3, tzinfo=CN)
    assert parsed.out_trade_no == "DEP-20260301-0001"


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"total_amount": "1.001"}, "bad_amount"),
        ({"total_amount": "-5.00"}, "bad_amount"),
        ({"receipt_amount": "5"}, None),
        ({"receipt_amount": "abc"}, "bad_amount"),
        ({"trade_status": "TRADE_PENDING"}, "unknown_trade_status"),
        ({"notify_type": "batch_trans_notify"}, "unsupported_notify_type"),
        ({"out_trade_no": ""}, "missing_field"),
        ({"gmt_payment": "2026/03/01 10:00:03"}, "bad_time"),
    ],
)
def test_parse_rejects_malformed(change, reason):
    params = {**_paid(), **change}
    if reason is None:
        assert parse_trade_notification(params).receipt_fen == 500
        return
    with pytest.raises(NotificationRejected) as info:
        parse_trade_notification(params)
    assert info.value.reason == reason


@pytest.mark.parametrize(
    "account, masked",
    [
        ("13800138000", "138****8000"),
        ("csqnet@sandbox.com", "csq***@sandbox.com"),
        ("159****5620", "159****5620"),
    ],
)
def test_mask_logon_id(account, masked):
    assert mask_logon_id(account) == masked


_keys = st.text(alphabet=string.ascii_lowercase + "_", min_size=1, max_size=12).filter(
    lambda k: k not in ("sign", "sign_type")
)
_chars = st.characters(blacklist_categories=("Cs",))
_values = st.text(alphabet=_chars, max_size=24)


@settings(max_examples=40, deadline=None)
@given(params=st.dictionaries(_keys, _values, min_size=1, max_size=8), data=st.data())
def test_property_round_trip_and_single_character_change(channel, params, data):
    signed = sign_notification(params, channel.private_pem)
    assert verify_notification(signed, channel.public_pem) == {k: v for k, v in params.items()}
    candidates = sorted(k for k, v in params.items() if v)
    assume(candidates)
    key = data.draw(st.sampled_from(candidates))
    value = params[key]
    index = data.draw(st.integers(min_value=0, max_value=len(value) - 1))
    replacement = data.draw(_chars.filter(lambda c: c != value[index]))
    tampered = {**signed, key: value[:index] + replacement + value[index + 1 :]}
    with pytest.raises(NotificationRejected) as info:
        verify_notification(tampered, channel.public_pem)
    assert info.value.reason == "bad_signature"
