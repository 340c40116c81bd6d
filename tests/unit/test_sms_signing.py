"""The two vendors' signatures against the values their documentation publishes, the
clients' requests against those algorithms, and the template and error mappings."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import parse_qsl

import httpx
import pytest

from bedside.sms import signing, templates
from bedside.sms.aliyun import AliyunSms
from bedside.sms.aliyun import classify as aliyun_failure
from bedside.sms.port import Failure, SmsError
from bedside.sms.tencent import TencentSms
from bedside.sms.tencent import classify as tencent_failure
from bedside.sms.vendor import SmsConfig

# Alibaba Cloud's "HTTP protocol and signature" example for SendSms (AccessKey testId/testSecret).
ALIYUN_EXAMPLE = {
    "AccessKeyId": "testId",
    "Action": "SendSms",
    "Format": "XML",
    "OutId": "123",
    "PhoneNumbers": "15300000001",
    "RegionId": "cn-hangzhou",
    "SignName": "阿里云短信测试专用",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
    "SignatureVersion": "1.0",
    "TemplateCode": "SMS_71390007",
    "TemplateParam": '{"customer":"test"}',
    "Timestamp": "2017-07-12T02:42:19Z",
    "Version": "2017-05-25",
}


def test_aliyun_rpc_signature_matches_the_published_example():
    sts = signing.rpc_string_to_sign("GET", ALIYUN_EXAMPLE)
    assert sts.startswith("GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML%26OutId%3D123")
    assert "SignName%3D%25E9%2598%25BF%25E9%2587%258C" in sts  # UTF-8, encoded twice
    assert "TemplateParam%3D%257B%2522customer%2522%253A%2522test%2522%257D" in sts
    assert signing.rpc_signature("testSecret", "GET", ALIYUN_EXAMPLE) == "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    assert signing.rpc_signature("wrongSecret", "GET", ALIYUN_EXAMPLE) != "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_percent_encoding_is_rfc3986():
    assert signing.percent_encode("a b*c~d/e+f") == "a%20b%2Ac~d%2Fe%2Bf"


def test_tencent_tc3_signature_matches_the_published_example():
    # Tencent Cloud API 3.0 "Signature v3" example: CVM DescribeInstances at 1551113065.
    payload = b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
    headers = {"Content-Type": "application/json; charset=utf-8", "Host": "cvm.tencentcloudapi.com"}
    canonical = signing.tc3_canonical_request("POST", "", headers, ["content-type", "host"], payload)
    assert canonical.endswith("35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064")
    sts = signing.tc3_string_to_sign(1551113065, "cvm", canonical)
    assert sts.splitlines()[2:] == [
        "2019-02-25/cvm/tc3_request",
        "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031",
    ]
    signature = "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
    assert signing.tc3_signature("Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", "2019-02-25", "cvm", sts) == signature
    authorization = signing.tc3_authorization(
        "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
        "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
        service="cvm",
        timestamp=1551113065,
        headers=headers,
        signed=["host", "content-type"],
        payload=payload,
    )
    assert authorization == (
        "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, "
        f"SignedHeaders=content-type;host, Signature={signature}"
    )
    assert signing.parse_tc3_authorization(authorization) == {
        "Credential": "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request",
        "SignedHeaders": "content-type;host",
        "Signature": signature,
    }


def _config(**kw: object) -> SmsConfig:
    values: dict[str, object] = {
        "access_key_id": "id-1",
        "access_key_secret": "secret-1",
        "sign_name": "医院",
        "templates": {"login_code": "SMS_1", "default": {"template": "SMS_2", "params": {"t": "title"}}},
        "app_id": "1400000001",
    }
    values.update(kw)
    return SmsConfig(**values)  # type: ignore[arg-type]


def _capture(answer: dict[str, object]) -> tuple[list[httpx.Request], httpx.Client]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=answer)

    return seen, httpx.Client(transport=httpx.MockTransport(handler))


def test_aliyun_client_signs_what_it_sends():
    seen, http = _capture({"Code": "OK", "BizId": "9000^0"})
    clock = lambda: datetime(2026, 12, 4, 10, 0, tzinfo=UTC)  # noqa: E731
    sent = AliyunSms(_config(), http, clock=clock).send_login_code(
        "13800001111", "123456", minutes=5, text=""
    )
    assert sent.ref == "9000^0"
    form = dict(parse_qsl(seen[0].content.decode()))
    assert form["Timestamp"] == "2026-12-04T10:00:00Z" and form["TemplateParam"] == '{"code":"123456"}'
    assert form["Signature"] == signing.rpc_signature("secret-1", "POST", form)


def test_tencent_client_signs_what_it_sends():
    seen, http = _capture({"Response": {"SendStatusSet": [{"Code": "Ok", "SerialNo": "2433:1"}]}})
    config = _config(templates={"login_code": {"template": "11", "params": {"1": "code", "2": "minutes"}}})
    sent = TencentSms(config, http, clock=lambda: 1764842400).send_login_code(
        "13800001111", "654321", minutes=5, text=""
    )
    assert sent.ref == "2433:1"
    request = seen[0]
    body = json.loads(request.content)
    assert body["PhoneNumberSet"] == ["+8613800001111"] and body["TemplateParamSet"] == ["654321", "5"]
    expected = signing.tc3_authorization(
        "id-1",
        "secret-1",
        service="sms",
        timestamp=1764842400,
        headers=dict(request.headers),
        signed=["content-type", "host", "x-tc-action"],
        payload=request.content,
    )
    assert request.headers["authorization"] == expected


def test_template_specs_and_their_sources():
    config = {
        "login_code": "SMS_1",
        "default": "SMS_2",
        "discharge_done": {
            "template": "SMS_3",
            "sign_name": "出院",
            "params": {"n": "param:patient", "f": "=x"},
        },
    }
    assert templates.spec_for(config, "login_code", "医院") == templates.TemplateSpec(
        "SMS_1", "医院", {"code": "code"}
    )
    assert templates.spec_for(config, "anything", "医院").template == "SMS_2"  # type: ignore[union-attr]
    special = templates.spec_for(config, "discharge_done", "医院")
    assert special is not None and special.sign_name == "出院"
    assert templates.fill(special, {}, {"patient": "张三"}) == {"n": "张三", "f": "x"}
    assert templates.spec_for({"default": "SMS_2"}, "login_code", "医院") is None
    with pytest.raises(ValueError, match="unknown source"):
        templates.check_config({"x": {"template": "SMS_1", "params": {"a": "nonsense"}}})


@pytest.mark.parametrize(
    ("code", "failure"),
    [
        ("isv.BUSINESS_LIMIT_CONTROL", Failure.LIMITED),
        ("isv.MOBILE_NUMBER_ILLEGAL", Failure.RECIPIENT),
        ("isv.SMS_TEMPLATE_ILLEGAL", Failure.CONTENT),
        ("SignatureDoesNotMatch", Failure.ACCOUNT),
        ("isp.SYSTEM_ERROR", Failure.UNAVAILABLE),
        ("something.new", Failure.UNAVAILABLE),
    ],
)
def test_aliyun_codes(code, failure):
    assert aliyun_failure(code) == failure


@pytest.mark.parametrize(
    ("code", "failure"),
    [
        ("LimitExceeded.PhoneNumberDailyLimit", Failure.LIMITED),
        ("InvalidParameterValue.IncorrectPhoneNumber", Failure.RECIPIENT),
        ("FailedOperation.PhoneNumberInBlacklist", Failure.RECIPIENT),
        ("FailedOperation.TemplateIncorrectOrUnapproved", Failure.CONTENT),
        ("FailedOperation.InsufficientBalanceInSmsPackage", Failure.ACCOUNT),
        ("AuthFailure.SignatureFailure", Failure.ACCOUNT),
        ("InternalError.Timeout", Failure.UNAVAILABLE),
    ],
)
def test_tencent_codes(code, failure):
    assert tencent_failure(code) == failure


def test_only_messages_that_can_never_go_out_are_final():
    assert SmsError(Failure.UNAVAILABLE, "timeout").retryable
    assert SmsError(Failure.LIMITED, "x").retryable and SmsError(Failure.ACCOUNT, "x").retryable
    assert not SmsError(Failure.RECIPIENT, "x").retryable and not SmsError(Failure.CONTENT, "x").retryable


def test_a_vendor_provider_needs_its_keys_sign_name_and_login_template():
    from pydantic import ValidationError

    from bedside.settings import Settings

    with pytest.raises(ValidationError, match="BEDSIDE_SMS_SDK_APP_ID.*login_code"):
        Settings(sms_provider="tencent", sms_access_key_id="a", sms_access_key_secret="b", sms_sign_name="c")
    with pytest.raises(ValidationError, match="unknown source"):
        Settings(sms_templates={"login_code": {"template": "SMS_1", "params": {"code": "password"}}})
    ok = Settings(
        sms_provider="aliyun",
        sms_access_key_id="a",
        sms_access_key_secret="b",
        sms_sign_name="c",
        sms_templates={"login_code": "SMS_1"},
    )
    assert ok.sms_provider == "aliyun"
