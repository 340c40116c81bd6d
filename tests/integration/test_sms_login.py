"""Phone login codes through the real SMS clients and the vendors' peers over HTTP on
127.0.0.1: the code arrives, a wrong key is refused by the peer's signature check, and a
timeout or a vendor error code is told to the user without taking their resend wait."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from bedside.accounts.models import OtpCode
from bedside.accounts.sms import set_gateway
from bedside.sms.port import Failure, SmsError
from tests.helpers import csrf, phone_login


def _codes(session, phone: str) -> int:  # type: ignore[no-untyped-def]
    session.rollback()
    return session.scalar(select(func.count()).select_from(OtpCode).where(OtpCode.phone == phone)) or 0


def _ask(client, phone: str):  # type: ignore[no-untyped-def]
    token = csrf(client, "/phone/login")
    return client.post("/phone/login/code", data={"phone": phone, "csrf_token": token})


def test_login_code_travels_through_the_aliyun_peer(client, aliyun_sms):
    phone_login(client, aliyun_sms, "13700001001")
    [message] = aliyun_sms.messages("13700001001")
    assert message["sign_name"] == "测试医院" and message["template"] == "SMS_100000001"
    assert message["text"] == f"【测试医院】您的验证码为{message['params']['code']}，5分钟内有效，请勿泄露。"
    assert client.get("/phone/", follow_redirects=False).status_code == 200


def test_login_code_travels_through_the_tencent_peer(client, tencent_sms):
    phone_login(client, tencent_sms, "13700001002")
    [message] = tencent_sms.messages("13700001002")
    assert message["phone"] == "+8613700001002"
    assert message["text"] == f"【测试医院】{message['params']['1']}为您的登录验证码，请于5分钟内填写。"


@pytest.mark.parametrize(
    ("peer", "code"), [("aliyun", "SignatureDoesNotMatch"), ("tencent", "AuthFailure.SignatureFailure")]
)
def test_a_request_signed_with_a_wrong_secret_is_refused(
    client, session, aliyun_sms, tencent_sms, peer, code
):
    handle = aliyun_sms if peer == "aliyun" else tencent_sms
    wrong = handle.client(access_key_secret="not-the-registered-secret")
    with pytest.raises(SmsError) as refused:
        wrong.send_login_code("13700001003", "123456", minutes=5, text="")
    assert (refused.value.failure, refused.value.code) == (Failure.ACCOUNT, code)
    set_gateway(wrong)
    r = _ask(client, "13700001003")
    assert r.status_code == 503 and 'data-code="sms_out_of_service"' in r.text
    assert handle.messages() == [] and _codes(session, "13700001003") == 0
    assert handle.client().check().endswith("approved")  # the registered key still signs in


def test_the_aliyun_peer_refuses_a_replayed_request(aliyun_sms):
    params = aliyun_sms.client().signed_params("QuerySmsTemplate", {"TemplateCode": "SMS_100000001"})
    assert httpx.post(f"{aliyun_sms.url}/", data=params).json()["Code"] == "OK"
    again = httpx.post(f"{aliyun_sms.url}/", data=params)
    assert (again.status_code, again.json()["Code"]) == (400, "SignatureNonceUsed")
    tampered = dict(params, TemplateCode="SMS_100000002", SignatureNonce="fresh-nonce-1")
    refused = httpx.post(f"{aliyun_sms.url}/", data=tampered)
    assert (refused.status_code, refused.json()["Code"]) == (400, "SignatureDoesNotMatch")


def test_a_timeout_asks_to_try_again_and_keeps_no_resend_wait(client, session, aliyun_sms):
    set_gateway(aliyun_sms.client(timeout_seconds=0.5))
    aliyun_sms.fault("timeout", delay=1.5)
    r = _ask(client, "13700001004")
    assert r.status_code == 503 and 'data-code="sms_unavailable"' in r.text
    assert _codes(session, "13700001004") == 0
    # At once, not after BEDSIDE_OTP_RESEND_SECONDS: the failed code did not count.
    phone_login(client, aliyun_sms, "13700001004")
    assert len(aliyun_sms.messages("13700001004")) == 1


@pytest.mark.parametrize(
    ("peer", "fault", "vendor_code", "status", "shown"),
    [
        ("aliyun", "error", "isv.BUSINESS_LIMIT_CONTROL", 429, "sms_limited"),
        ("aliyun", "error", "isv.MOBILE_NUMBER_ILLEGAL", 422, "sms_recipient"),
        ("aliyun", "http_503", "", 503, "sms_unavailable"),
        ("tencent", "status", "LimitExceeded.PhoneNumberDailyLimit", 429, "sms_limited"),
        ("tencent", "status", "FailedOperation.PhoneNumberInBlacklist", 422, "sms_recipient"),
        ("tencent", "error", "FailedOperation.InsufficientBalanceInSmsPackage", 503, "sms_out_of_service"),
    ],
)
def test_vendor_error_codes_are_told_clearly(
    client, session, aliyun_sms, tencent_sms, peer, fault, vendor_code, status, shown
):
    handle = aliyun_sms if peer == "aliyun" else tencent_sms
    set_gateway(handle.client())
    handle.fault(fault, code=vendor_code)
    r = _ask(client, "13700001005")
    assert r.status_code == status and f'data-code="{shown}"' in r.text
    assert _codes(session, "13700001005") == 0 and handle.messages() == []
    phone_login(client, handle, "13700001005")  # the next ask goes through
