"""Tencent Cloud SMS (API 3.0, sms 2021-01-11) as a peer: POST / with a JSON body, checked by
the documented TC3-HMAC-SHA256 signature over the headers it names, answering SendSms and
DescribeSmsTemplateList in the `{"Response": …}` envelope (always HTTP 200, errors under
Response.Error, per-number codes in SendStatusSet), and pushing status callbacks."""

from __future__ import annotations

import json
import re
import secrets
import time
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from bedside.simulators.sms_base import Delivered, Fault, SmsAccount, SmsPeer, beijing_now, template_variables
from bedside.sms import signing

VERSION = "2021-01-11"
SERVICE = "sms"
CLOCK_SKEW_SECONDS = 300
MOBILE = re.compile(r"^\+861[3-9]\d{9}$")


def _envelope(response: dict[str, Any]) -> JSONResponse:
    return JSONResponse({"Response": {**response, "RequestId": str(uuid.uuid4())}})


def _error(code: str, message: str) -> JSONResponse:
    return _envelope({"Error": {"Code": code, "Message": message}})


class TencentSmsPeer(SmsPeer):
    name = "tencent"

    def receipt_item(self, message: Delivered, delivered: bool, code: str) -> dict[str, Any]:
        return {
            "user_receive_time": beijing_now(),
            "nationcode": "86",
            "mobile": message.phone.removeprefix("+86"),
            "report_status": "SUCCESS" if delivered else "FAIL",
            "errmsg": code or ("DELIVRD" if delivered else "UNDELIV"),
            "description": "用户短信送达成功" if delivered else "用户短信未送达",
            "sid": message.ref,
        }

    def authenticate(self, headers: dict[str, str], body: bytes) -> JSONResponse | None:
        parts = signing.parse_tc3_authorization(headers.get("authorization", ""))
        if parts is None:
            return _error("AuthFailure.InvalidAuthorization", "Authorization is not TC3-HMAC-SHA256.")
        secret_id, _, scope = parts["Credential"].partition("/")
        date, _, service = scope.partition("/")
        service = service.removesuffix("/tc3_request")
        secret_key = self.account.credentials.get(secret_id)
        if secret_key is None:
            return _error("AuthFailure.SecretIdNotFound", "The SecretId is not found.")
        timestamp = headers.get("x-tc-timestamp", "")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > CLOCK_SKEW_SECONDS:
            return _error("AuthFailure.SignatureExpire", "Signature expired.")
        signed = parts["SignedHeaders"].split(";")
        if not {"content-type", "host"} <= set(signed) or date != signing.tc3_date(int(timestamp)):
            return _error("AuthFailure.SignatureFailure", "The provided credentials could not be validated.")
        canonical = signing.tc3_canonical_request("POST", "", headers, signed, body)
        expected = signing.tc3_signature(
            secret_key, date, service, signing.tc3_string_to_sign(int(timestamp), service, canonical)
        )
        if service != SERVICE or not secrets.compare_digest(expected, parts["Signature"]):
            return _error(
                "AuthFailure.SignatureFailure",
                "The provided credentials could not be validated. Please check your signature is correct.",
            )
        if headers.get("x-tc-version") != VERSION:
            return _error("NoSuchVersion", "The requested version does not exist.")
        return None

    def send_sms(self, payload: dict[str, Any], fault: Fault | None) -> JSONResponse:
        if str(payload.get("SmsSdkAppId", "")) != self.account.app_id:
            return _error("UnauthorizedOperation.SmsSdkAppIdVerifyFail", "SmsSdkAppId verify failed.")
        if payload.get("SignName") not in self.account.sign_names:
            return _error("FailedOperation.SignatureIncorrectOrUnapproved", "签名未审批或格式错误。")
        template = str(payload.get("TemplateId", ""))
        text = self.account.templates.get(template)
        if text is None:
            return _error("FailedOperation.TemplateIncorrectOrUnapproved", "模板未审批或内容不匹配。")
        values = payload.get("TemplateParamSet") or []
        variables = template_variables(text)
        if not isinstance(values, list) or len(values) != len(variables):
            return _error("FailedOperation.TemplateParamSetNotMatchApprovedTemplate", "模板变量个数不匹配。")
        body = text
        for index, value in zip(variables, values, strict=True):
            body = body.replace("{" + index + "}", str(value))
        statuses = []
        for phone in payload.get("PhoneNumberSet") or []:
            status = {
                "PhoneNumber": phone,
                "SessionContext": payload.get("SessionContext", ""),
                "IsoCode": "CN",
            }
            if fault is not None and fault.kind == "status":
                status.update(SerialNo="", Fee=0, Code=fault.code, Message=fault.message or fault.code)
            elif not MOBILE.match(str(phone)):
                status.update(
                    SerialNo="",
                    Fee=0,
                    Code="InvalidParameterValue.IncorrectPhoneNumber",
                    Message="手机号格式错误",
                )
            else:
                ref = f"2433:{self.next_serial():06d}{secrets.randbelow(10**16):016d}"
                status.update(SerialNo=ref, Fee=1, Code="Ok", Message="send success")
                self.record(
                    Delivered(
                        ref=ref,
                        phone=str(phone),
                        sign_name=str(payload["SignName"]),
                        template=template,
                        params={str(i + 1): str(v) for i, v in enumerate(values)},
                        text=f"【{payload['SignName']}】{body}",
                        context=str(payload.get("SessionContext", "")),
                    )
                )
            statuses.append(status)
        return _envelope({"SendStatusSet": statuses})

    def describe_templates(self, payload: dict[str, Any]) -> JSONResponse:
        found = []
        for template_id in payload.get("TemplateIdSet") or []:
            text = self.account.templates.get(str(template_id))
            if text is not None:
                found.append(
                    {
                        "TemplateId": int(template_id),
                        "TemplateName": str(template_id),
                        "International": 0,
                        "StatusCode": 0,
                        "ReviewReply": "",
                        "CreateTime": 1761962400,
                        "TemplateContent": text,
                    }
                )
        return _envelope({"DescribeTemplateStatusSet": found})

    def create_app(self) -> FastAPI:
        app = FastAPI(title="Tencent Cloud SMS peer", docs_url=None, redoc_url=None, openapi_url=None)
        self.control_routes(app)

        @app.post("/")
        async def api(request: Request) -> JSONResponse:
            body = await request.body()
            headers = {k.lower(): v for k, v in request.headers.items()}
            refused = self.authenticate(headers, body)
            if refused is not None:
                return refused
            action = headers.get("x-tc-action", "")
            if action not in ("SendSms", "DescribeSmsTemplateList"):
                return _error("InvalidAction", f"The action {action} does not exist.")
            try:
                payload = json.loads(body or b"{}")
            except ValueError:
                return _error("FailedOperation.FailResolvePacket", "请求包解析失败。")
            faulted = await self.apply_fault(action)
            if isinstance(faulted, JSONResponse):
                return faulted
            if isinstance(faulted, Fault) and faulted.kind == "error":
                return _error(faulted.code or "InternalError.OtherError", faulted.message or faulted.code)
            if action == "DescribeSmsTemplateList":
                return self.describe_templates(payload)
            return self.send_sms(payload, faulted if isinstance(faulted, Fault) else None)

        return app


def create_app(account: SmsAccount) -> tuple[FastAPI, TencentSmsPeer]:
    peer = TencentSmsPeer(account)
    return peer.create_app(), peer
