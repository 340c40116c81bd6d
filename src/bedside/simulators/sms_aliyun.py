"""Alibaba Cloud SMS (Dysmsapi 2017-05-25) as a peer: the RPC endpoint at / (GET query or
POST form), checked by the documented HMAC-SHA1 signature, answering SendSms and
QuerySmsTemplate with the vendor's JSON and error codes, and pushing SmsReport receipts."""

from __future__ import annotations

import json
import re
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from bedside.simulators.sms_base import Delivered, Fault, SmsAccount, SmsPeer, beijing_now, template_variables
from bedside.sms import signing

HOST_ID = "dysmsapi.aliyuncs.com"
COMMON = ("AccessKeyId", "Action", "SignatureMethod", "SignatureNonce", "SignatureVersion", "Timestamp")
# How far a request's Timestamp may be from the peer's clock.
CLOCK_SKEW = timedelta(minutes=15)
MOBILE = re.compile(r"^(?:\+?86)?1[3-9]\d{9}$")


def _error(code: str, message: str, status: int = 200) -> JSONResponse:
    body = {"RequestId": str(uuid.uuid4()).upper(), "Code": code, "Message": message}
    if status != 200:
        body.update(HostId=HOST_ID, Recommend=f"https://api.aliyun.com/troubleshoot?q={code}")
    return JSONResponse(body, status_code=status)


class AliyunSmsPeer(SmsPeer):
    name = "aliyun"

    def receipt_item(self, message: Delivered, delivered: bool, code: str) -> dict[str, Any]:
        now = beijing_now()
        return {
            "phone_number": message.phone,
            "send_time": now,
            "report_time": now,
            "success": delivered,
            "err_code": code or ("DELIVERED" if delivered else "UNDELIV"),
            "err_msg": "用户接收成功" if delivered else "用户接收失败",
            "sms_size": "1",
            "biz_id": message.ref,
            "out_id": message.context,
        }

    def authenticate(self, method: str, params: dict[str, str]) -> JSONResponse | None:
        missing = [name for name in (*COMMON, "Signature") if not params.get(name)]
        if missing:
            return _error("MissingParameter", f"The input parameter {missing[0]} that is mandatory", 400)
        secret = self.account.credentials.get(params["AccessKeyId"])
        if secret is None:
            return _error("InvalidAccessKeyId.NotFound", "Specified access key is not found.", 404)
        expected = signing.rpc_signature(secret, method, params)
        if not secrets.compare_digest(expected, params["Signature"]):
            server = signing.rpc_string_to_sign(method, params)
            return _error(
                "SignatureDoesNotMatch",
                f"Specified signature is not matched with our calculation. server string to sign is:{server}",
                400,
            )
        try:
            sent = datetime.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            return _error("InvalidTimeStamp.Format", "Specified time stamp is not valid.", 400)
        if abs(datetime.now(UTC) - sent) > CLOCK_SKEW:
            return _error("InvalidTimeStamp.Expired", "Specified time stamp or date header is expired.", 400)
        if params["SignatureNonce"] in self.nonces:
            return _error("SignatureNonceUsed", "Specified signature nonce was used already.", 400)
        self.nonces.add(params["SignatureNonce"])
        if params.get("Version") != "2017-05-25":
            return _error("InvalidVersion", "Specified parameter Version is not valid.", 400)
        return None

    def send_sms(self, params: dict[str, str]) -> JSONResponse | Delivered:
        phones = [p for p in params.get("PhoneNumbers", "").split(",") if p]
        if not phones or not all(MOBILE.match(p) for p in phones):
            return _error("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
        if params.get("SignName") not in self.account.sign_names:
            return _error("isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名")
        text = self.account.templates.get(params.get("TemplateCode", ""))
        if text is None:
            return _error("isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
        try:
            values = json.loads(params.get("TemplateParam") or "{}")
        except ValueError:
            return _error("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
        if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
            return _error("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
        variables = template_variables(text)
        if any(name not in values for name in variables):
            return _error("isv.TEMPLATE_MISSING_PARAMETERS", "模板缺少变量")
        body = text
        for name in variables:
            body = body.replace("${" + name + "}", values[name])
        ref = f"{self.next_serial():06d}{secrets.randbelow(10**12):012d}^0"
        return Delivered(
            ref=ref,
            phone=phones[0],
            sign_name=params["SignName"],
            template=params["TemplateCode"],
            params=values,
            text=f"【{params['SignName']}】{body}",
            context=params.get("OutId", ""),
        )

    def query_template(self, params: dict[str, str]) -> JSONResponse:
        code = params.get("TemplateCode", "")
        text = self.account.templates.get(code)
        if text is None:
            return _error("isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
        return JSONResponse(
            {
                "RequestId": str(uuid.uuid4()).upper(),
                "Code": "OK",
                "Message": "OK",
                "TemplateCode": code,
                "TemplateContent": text,
                "TemplateName": code,
                "TemplateType": 0,
                "TemplateStatus": 1,
                "Reason": "无审批备注",
                "CreateDate": "2026-11-01 10:00:00",
            }
        )

    def create_app(self) -> FastAPI:
        app = FastAPI(title="Alibaba Cloud SMS peer", docs_url=None, redoc_url=None, openapi_url=None)
        self.control_routes(app)

        @app.api_route("/", methods=["GET", "POST"])
        async def rpc(request: Request) -> JSONResponse:
            params = {k: str(v) for k, v in request.query_params.items()}
            if request.method == "POST":
                form = await request.form()
                params.update({k: str(v) for k, v in form.items()})
            refused = self.authenticate(request.method, params)
            if refused is not None:
                return refused
            action = params["Action"]
            if action not in ("SendSms", "QuerySmsTemplate"):
                return _error("InvalidAction.NotFound", f"Specified api {action} is not found.", 404)
            faulted = await self.apply_fault(action)
            if isinstance(faulted, JSONResponse):
                return faulted
            if isinstance(faulted, Fault):
                return _error(faulted.code or "isp.SYSTEM_ERROR", faulted.message or faulted.code)
            if action == "QuerySmsTemplate":
                return self.query_template(params)
            sent = self.send_sms(params)
            if isinstance(sent, JSONResponse):
                return sent
            self.record(sent)
            return JSONResponse(
                {"Message": "OK", "RequestId": str(uuid.uuid4()).upper(), "Code": "OK", "BizId": sent.ref}
            )

        return app


def create_app(account: SmsAccount) -> tuple[FastAPI, AliyunSmsPeer]:
    peer = AliyunSmsPeer(account)
    return peer.create_app(), peer
