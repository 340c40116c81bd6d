"""Tencent Cloud SMS, API 3.0 (sms 2021-01-11), signed with TC3-HMAC-SHA256.

`POST https://sms.tencentcloudapi.com/` with a JSON body and the headers Authorization,
Content-Type, Host, X-TC-Action, X-TC-Timestamp, X-TC-Version 2021-01-11 and X-TC-Region (see
signing.py). SendSms takes PhoneNumberSet (E.164, +86…), SmsSdkAppId, SignName, TemplateId,
TemplateParamSet (the values of {1}, {2} … in order) and SessionContext; it always answers
HTTP 200: `{"Response": {"Error": {"Code", "Message"}, "RequestId"}}` for a refused request,
else `{"Response": {"SendStatusSet": [{"SerialNo", "PhoneNumber", "Code": "Ok", …}]}}` with a
per-number Code (e.g. LimitExceeded.PhoneNumberDailyLimit). DescribeSmsTemplateList
(TemplateIdSet, International 0) answers each template's StatusCode (0: approved).

The status callback is a JSON array of {user_receive_time, nationcode, mobile, report_status
SUCCESS | FAIL, errmsg, description, sid (the SerialNo)}, answered with
`{"result": 0, "errmsg": "OK"}`."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx

from bedside.sms import signing, templates
from bedside.sms.port import Failure, Receipt, ReceiptBatch, SmsError, SmsSent
from bedside.sms.vendor import SmsConfig, VendorSms, load_json, parse_vendor_time

VERSION = "2021-01-11"
SERVICE = "sms"
CONTENT_TYPE = "application/json; charset=utf-8"
SIGNED_HEADERS = ("content-type", "host", "x-tc-action")
ERRORS = {
    "RequestLimitExceeded": Failure.LIMITED,
    "FailedOperation.MarketingSendTimeConstraint": Failure.LIMITED,
    "InvalidParameterValue.IncorrectPhoneNumber": Failure.RECIPIENT,
    "FailedOperation.PhoneNumberInBlacklist": Failure.RECIPIENT,
    "FailedOperation.PhoneNumberParseFail": Failure.RECIPIENT,
    "FailedOperation.InsufficientBalanceInSmsPackage": Failure.ACCOUNT,
}
_PREFIXES = (
    ("LimitExceeded.", Failure.LIMITED),
    ("AuthFailure.", Failure.ACCOUNT),
    ("UnauthorizedOperation.", Failure.ACCOUNT),
    ("InternalError.", Failure.UNAVAILABLE),
    ("InvalidParameterValue.", Failure.CONTENT),
    ("InvalidParameter.", Failure.CONTENT),
    ("MissingParameter", Failure.CONTENT),
    ("UnsupportedOperation.", Failure.CONTENT),
    # Sign name or template not approved, parameters not matching, sensitive words.
    ("FailedOperation.", Failure.CONTENT),
)


def classify(code: str) -> Failure:
    if code in ERRORS:
        return ERRORS[code]
    for prefix, failure in _PREFIXES:
        if code.startswith(prefix):
            return failure
    return Failure.UNAVAILABLE


def e164(phone: str) -> str:
    return phone if phone.startswith("+") else f"+86{phone}"


class TencentSms(VendorSms):
    provider = "tencent"
    default_endpoint = "https://sms.tencentcloudapi.com"
    default_region = "ap-guangzhou"

    def __init__(
        self, config: SmsConfig, client: httpx.Client | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        super().__init__(config, client)
        self.clock = clock

    def signed_headers(self, action: str, body: bytes) -> dict[str, str]:
        timestamp = int(self.clock())
        headers = {
            "Content-Type": CONTENT_TYPE,
            "Host": urlsplit(self.endpoint).netloc,
            "X-TC-Action": action,
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Version": VERSION,
            "X-TC-Region": self.region,
        }
        headers["Authorization"] = signing.tc3_authorization(
            self.config.access_key_id,
            self.config.access_key_secret,
            service=SERVICE,
            timestamp=timestamp,
            headers=headers,
            signed=SIGNED_HEADERS,
            payload=body,
        )
        return headers

    def call(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        request = self.client.build_request(
            "POST", f"{self.endpoint}/", content=body, headers=self.signed_headers(action, body)
        )
        status, answer = self._post(request)
        response = answer.get("Response")
        if not isinstance(response, dict):
            raise self.unexpected(status)
        error = response.get("Error")
        if isinstance(error, dict):
            code = str(error.get("Code") or "no_code")
            raise SmsError(classify(code), code, str(error.get("Message", ""))[:300])
        return response

    def _send(
        self, phone: str, spec: templates.TemplateSpec, variables: dict[str, str], delivery_id: int | None
    ) -> SmsSent:
        response = self.call(
            "SendSms",
            {
                "PhoneNumberSet": [e164(phone)],
                "SmsSdkAppId": self.config.app_id,
                "SignName": spec.sign_name,
                "TemplateId": spec.template,
                "TemplateParamSet": list(variables.values()),
                "SessionContext": f"d{delivery_id}" if delivery_id is not None else "",
            },
        )
        statuses = response.get("SendStatusSet") or []
        status = statuses[0] if statuses and isinstance(statuses[0], dict) else {}
        code = str(status.get("Code") or "no_status")
        if code != "Ok":
            raise SmsError(classify(code), code, str(status.get("Message", ""))[:300])
        return SmsSent(ref=str(status.get("SerialNo") or "") or None)

    def check(self) -> str:
        spec = self._spec(templates.LOGIN_CODE)
        if not spec.template.isdigit():
            raise SmsError(Failure.CONTENT, "bad_template_id", "Tencent template ids are numbers")
        response = self.call(
            "DescribeSmsTemplateList", {"TemplateIdSet": [int(spec.template)], "International": 0}
        )
        found = response.get("DescribeTemplateStatusSet") or []
        status = found[0].get("StatusCode") if found and isinstance(found[0], dict) else None
        if status != 0:
            raise SmsError(
                Failure.CONTENT, "template_not_approved", f"template {spec.template} has status {status}"
            )
        return f"signed in as {self.config.access_key_id}; login template {spec.template} approved"

    def parse_receipts(self, body: bytes) -> ReceiptBatch:
        items = load_json(body)
        if not isinstance(items, list):
            raise ValueError("the status callback is a JSON array")
        receipts = [
            Receipt(
                ref=str(item.get("sid") or ""),
                delivered=item.get("report_status") == "SUCCESS",
                code=str(item.get("errmsg") or "")[:40],
                phone=str(item.get("mobile") or ""),
                description=str(item.get("description") or "")[:200],
                reported_at=parse_vendor_time(item.get("user_receive_time")),
            )
            for item in items
            if isinstance(item, dict)
        ]
        return ReceiptBatch(receipts, {"result": 0, "errmsg": "OK"})
