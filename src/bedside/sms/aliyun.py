"""Alibaba Cloud SMS (Dysmsapi 2017-05-25), the RPC-style API signed with HMAC-SHA1.

`POST https://dysmsapi.aliyuncs.com/` with the common parameters (AccessKeyId, Action, Format
JSON, RegionId, SignatureMethod HMAC-SHA1, SignatureNonce, SignatureVersion 1.0, Timestamp in
UTC ISO 8601, Version 2017-05-25) and the action's own, form-encoded, plus Signature (see
signing.py). SendSms takes PhoneNumbers, SignName, TemplateCode, TemplateParam (JSON object)
and OutId (echoed in the delivery report) and answers `{"Code": "OK", "BizId": ...}`; any other
Code is the error, on HTTP 200 for business errors and 4xx for signature or key errors.
QuerySmsTemplate(TemplateCode) answers TemplateStatus (1: approved) and sends nothing.

Delivery reports (SmsReport, HTTP batch push configured in the console) are a JSON array of
{phone_number, send_time, report_time, success, err_code, err_msg, sms_size, biz_id, out_id},
answered with `{"code": 0, "msg": "成功"}`."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from bedside.sms import signing, templates
from bedside.sms.port import Failure, Receipt, ReceiptBatch, SmsError, SmsSent
from bedside.sms.vendor import SmsConfig, VendorSms, load_json, parse_vendor_time

VERSION = "2017-05-25"
ERRORS = {
    "isv.BUSINESS_LIMIT_CONTROL": Failure.LIMITED,
    "isv.DAY_LIMIT_CONTROL": Failure.LIMITED,
    "Throttling.User": Failure.LIMITED,
    "isv.MOBILE_NUMBER_ILLEGAL": Failure.RECIPIENT,
    "isv.SMS_TEMPLATE_ILLEGAL": Failure.CONTENT,
    "isv.SMS_SIGNATURE_ILLEGAL": Failure.CONTENT,
    "isv.SIGN_NAME_ILLEGAL": Failure.CONTENT,
    "isv.TEMPLATE_MISSING_PARAMETERS": Failure.CONTENT,
    "isv.TEMPLATE_PARAMS_ILLEGAL": Failure.CONTENT,
    "isv.INVALID_PARAMETERS": Failure.CONTENT,
    "isv.INVALID_JSON_PARAM": Failure.CONTENT,
    "isv.PARAM_LENGTH_LIMIT": Failure.CONTENT,
    "isv.PARAM_NOT_SUPPORT_URL": Failure.CONTENT,
    "isv.BLACK_KEY_CONTROL_LIMIT": Failure.CONTENT,
    "isv.MOBILE_COUNT_OVER_LIMIT": Failure.CONTENT,
    "isv.AMOUNT_NOT_ENOUGH": Failure.ACCOUNT,
    "isv.OUT_OF_SERVICE": Failure.ACCOUNT,
    "isv.PRODUCT_UN_SUBSCRIPT": Failure.ACCOUNT,
    "isv.PRODUCT_UNSUBSCRIBE": Failure.ACCOUNT,
    "isv.ACCOUNT_NOT_EXISTS": Failure.ACCOUNT,
    "isv.ACCOUNT_ABNORMAL": Failure.ACCOUNT,
    "isp.RAM_PERMISSION_DENY": Failure.ACCOUNT,
    "SignatureDoesNotMatch": Failure.ACCOUNT,
    "IncompleteSignature": Failure.ACCOUNT,
    "InvalidAccessKeyId.NotFound": Failure.ACCOUNT,
    "InvalidAccessKeyId.Inactive": Failure.ACCOUNT,
    # A clock far off, or a nonce seen before: a fresh attempt signs anew.
    "InvalidTimeStamp.Expired": Failure.UNAVAILABLE,
    "SignatureNonceUsed": Failure.UNAVAILABLE,
    "isp.SYSTEM_ERROR": Failure.UNAVAILABLE,
    "ServiceUnavailable": Failure.UNAVAILABLE,
}


def classify(code: str) -> Failure:
    # An unknown code is retried: losing a message is worse than trying it again.
    return ERRORS.get(code, Failure.UNAVAILABLE)


def out_id(delivery_id: int | None) -> str:
    return f"d{delivery_id}" if delivery_id is not None else ""


def delivery_of(value: object) -> int | None:
    text = str(value or "")
    return int(text[1:]) if text.startswith("d") and text[1:].isdigit() else None


class AliyunSms(VendorSms):
    provider = "aliyun"
    default_endpoint = "https://dysmsapi.aliyuncs.com"
    default_region = "cn-hangzhou"

    def __init__(
        self,
        config: SmsConfig,
        client: httpx.Client | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__(config, client)
        self.clock = clock

    def signed_params(self, action: str, params: dict[str, str]) -> dict[str, str]:
        signed = {
            "AccessKeyId": self.config.access_key_id,
            "Action": action,
            "Format": "JSON",
            "RegionId": self.region,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "Timestamp": self.clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": VERSION,
            **{k: v for k, v in params.items() if v != ""},
        }
        signed["Signature"] = signing.rpc_signature(self.config.access_key_secret, "POST", signed)
        return signed

    def call(self, action: str, params: dict[str, str]) -> dict[str, object]:
        request = self.client.build_request(
            "POST",
            f"{self.endpoint}/",
            data=self.signed_params(action, params),
            headers={"Accept": "application/json"},
        )
        status, answer = self._post(request)
        code = str(answer.get("Code") or "")
        if not code:
            raise self.unexpected(status)
        if code != "OK":
            raise SmsError(classify(code), code, str(answer.get("Message", ""))[:300])
        return answer

    def _send(
        self, phone: str, spec: templates.TemplateSpec, variables: dict[str, str], delivery_id: int | None
    ) -> SmsSent:
        answer = self.call(
            "SendSms",
            {
                "PhoneNumbers": phone,
                "SignName": spec.sign_name,
                "TemplateCode": spec.template,
                "TemplateParam": json.dumps(variables, ensure_ascii=False, separators=(",", ":"))
                if variables
                else "",
                "OutId": out_id(delivery_id),
            },
        )
        return SmsSent(ref=str(answer.get("BizId") or "") or None)

    def check(self) -> str:
        spec = self._spec(templates.LOGIN_CODE)
        answer = self.call("QuerySmsTemplate", {"TemplateCode": spec.template})
        if answer.get("TemplateStatus") != 1:
            raise SmsError(
                Failure.CONTENT,
                "template_not_approved",
                f"template {spec.template} has status {answer.get('TemplateStatus')}",
            )
        return f"signed in as {self.config.access_key_id}; login template {spec.template} approved"

    def parse_receipts(self, body: bytes) -> ReceiptBatch:
        items = load_json(body)
        if not isinstance(items, list):
            raise ValueError("SmsReport is a JSON array")
        receipts = [
            Receipt(
                ref=str(item.get("biz_id") or ""),
                delivered=item.get("success") is True,
                code=str(item.get("err_code") or "")[:40],
                phone=str(item.get("phone_number") or ""),
                description=str(item.get("err_msg") or "")[:200],
                reported_at=parse_vendor_time(item.get("report_time")),
                delivery_id=delivery_of(item.get("out_id")),
            )
            for item in items
            if isinstance(item, dict)
        ]
        return ReceiptBatch(receipts, {"code": 0, "msg": "成功"})
