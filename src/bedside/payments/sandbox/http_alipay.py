"""The Alipay open-platform peer: the sandbox served over HTTP as Alipay's gateway.

POST /gateway.do takes the signed form of alipay.trade.{precreate,pay,query,close,refund} and
alipay.data.dataservice.bill.downloadurl.query, checks the RSA2 signature with the app public
key the merchant uploaded (40002 isv.invalid-signature otherwise), and answers
`{"<method>_response": {...}, "sign": "..."}` signed with Alipay's key. GET /gateway.do with
method=alipay.trade.wap.pay is the phone browser arriving at the cashier."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from bedside.payments.bills.alipay_bill import write_alipay_bill
from bedside.payments.channels.alipay_http import sign_content
from bedside.payments.crypto import NotificationRejected
from bedside.payments.crypto import alipay as ali
from bedside.payments.sandbox import server, statements, wire_alipay
from bedside.payments.sandbox.http_peer import Faults, Notifier, add_cashier, add_fault_control, in_session

# The sandbox's codes in Alipay's vocabulary (code 40004 with these sub_codes).
SUB_CODES = {
    "AUTH_CODE_INVALID": "ACQ.PAYMENT_AUTH_CODE_INVALID",
    "OUT_TRADE_NO_USED": "ACQ.CONTEXT_INCONSISTENT",
    "INVALID_REQUEST": "ACQ.INVALID_PARAMETER",
    "RESOURCE_NOT_EXISTS": "ACQ.TRADE_NOT_EXIST",
    "ORDERNOTEXIST": "ACQ.TRADE_NOT_EXIST",
    "ORDERPAID": "ACQ.TRADE_STATUS_ERROR",
    "ORDERCLOSED": "ACQ.TRADE_HAS_CLOSE",
}
METHODS = (
    "alipay.trade.precreate",
    "alipay.trade.pay",
    "alipay.trade.query",
    "alipay.trade.close",
    "alipay.trade.refund",
    "alipay.data.dataservice.bill.downloadurl.query",
)


@dataclass
class AlipayMerchant:
    """The app as Alipay's open platform knows it: id, seller and the uploaded public key."""

    app_id: str
    seller_id: str
    app_public_pem: str
    alipay: ali.AlipayKeyPair


def _fen(text: Any) -> int:
    try:
        return ali.yuan_to_fen(str(text))
    except ValueError:
        raise server.SandboxError("INVALID_REQUEST") from None


class AlipayPeer:
    def __init__(self, merchant: AlipayMerchant) -> None:
        self.merchant = merchant
        self.faults = Faults()
        self.notifier = Notifier("alipay")
        self._bills: dict[str, bytes] = {}

    def sync_keys(self, session: Session) -> None:
        # The books sign notifications with the "alipay" key row: keep it Alipay's key here.
        row = server.keys(session, "alipay")
        if row.public_pem != self.merchant.alipay.public_pem:
            row.private_pem, row.public_pem = (
                self.merchant.alipay.private_pem,
                self.merchant.alipay.public_pem,
            )

    def answer(self, method: str, data: dict[str, Any], wrong_key: bool = False) -> Response:
        raw = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        key = ali.generate_keypair().private_pem if wrong_key else self.merchant.alipay.private_pem
        sign = sign_content(key, raw)
        name = method.replace(".", "_") + "_response" if method in METHODS else "error_response"
        body = f'{{"{name}":{raw},"sign":"{sign}"}}'
        return Response(body.encode(), media_type="application/json;charset=utf-8")

    def open_wap(self, session: Session, out_trade_no: str, amount_fen: int, subject: str) -> None:
        self.sync_keys(session)
        server.create(session, "alipay", out_trade_no, amount_fen, "WAP", subject)

    def refusal(self, code: str) -> dict[str, Any]:
        sub = SUB_CODES.get(code, code)
        return {"code": "40004", "msg": "Business Failed", "sub_code": sub, "sub_msg": sub}

    def run(self, s: Session, method: str, biz: dict[str, Any], notify_url: str, base: str) -> dict[str, Any]:
        self.sync_keys(s)
        no = str(biz.get("out_trade_no") or "")
        if notify_url:
            self.notifier.notify_url = notify_url
        if method in ("alipay.trade.precreate", "alipay.trade.pay"):
            trade_type = "PRECREATE" if method.endswith("precreate") else "BARCODE"
            code = str(biz.get("auth_code", "")) if trade_type == "BARCODE" else None
            fen = _fen(biz.get("total_amount"))
            answer = server.create(s, "alipay", no, fen, trade_type, str(biz.get("subject", "")), code)
            return {**answer, "msg": "Success"}
        if method == "alipay.trade.query":
            return {"msg": "Success", **server.query(s, "alipay", no)}
        if method == "alipay.trade.close":
            if server.query(s, "alipay", no).get("code") != "10000":
                return self.refusal("RESOURCE_NOT_EXISTS")
            server.close(s, "alipay", no)
            return {"code": "10000", "msg": "Success", "out_trade_no": no}
        if method == "alipay.trade.refund":
            trade = server.query(s, "alipay", no)
            if trade.get("code") != "10000":
                return self.refusal("RESOURCE_NOT_EXISTS")
            total = _fen(trade.get("total_amount"))
            refund_no = str(biz.get("out_request_no") or no)
            answer = server.refund(s, "alipay", no, refund_no, _fen(biz.get("refund_amount")), total)
            return {**answer, "msg": "Success", "out_trade_no": no}
        day = date.fromisoformat(str(biz.get("bill_date", "")))
        lines = statements.lines_for(s, "alipay", day)
        token = secrets.token_urlsafe(16)
        self._bills[token] = write_alipay_bill(
            lines, day, self.merchant.seller_id, statements.FEE_RATE_BP["alipay"]
        )
        return {"code": "10000", "msg": "Success", "bill_download_url": f"{base}/bill/download?token={token}"}


def _verified(merchant: AlipayMerchant, params: dict[str, str]) -> str | None:
    try:
        ali.verify_request(params, merchant.app_public_pem)
    except NotificationRejected:
        return "isv.invalid-signature"
    if params.get("app_id") != merchant.app_id:
        return "isv.invalid-app-id"
    return None


def create_app(merchant: AlipayMerchant) -> tuple[FastAPI, AlipayPeer]:
    peer = AlipayPeer(merchant)
    app = FastAPI(title="Alipay open platform gateway (Bedside peer)", docs_url=None, redoc_url=None)
    add_cashier(app, "支付宝")
    add_fault_control(app, peer.faults)

    @app.post("/gateway.do")
    async def gateway(request: Request) -> Response:
        form = await request.form()
        params = {k: str(v) for k, v in form.items()}
        method = params.get("method", "")
        refused = _verified(merchant, params)
        if refused:
            bad = {"code": "40002", "msg": "Invalid Arguments", "sub_code": refused, "sub_msg": "验签出错"}
            return peer.answer(method, bad)
        if method not in METHODS:
            return peer.answer(
                method, {"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-method"}
            )
        fault = peer.faults.take()
        if fault == "timeout":
            await peer.faults.hold()
            return Response(status_code=504)
        if fault == "http_500":
            return peer.answer(
                method,
                {"code": "20000", "msg": "Service Currently Unavailable", "sub_code": "isp.unknow-error"},
            )
        try:
            biz = json.loads(params.get("biz_content") or "{}")
            if not isinstance(biz, dict):
                raise ValueError("biz_content")
        except ValueError:
            return peer.answer(
                method, {"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-parameter"}
            )
        base = str(request.base_url).rstrip("/")
        try:
            data = await in_session(peer.run, method, biz, params.get("notify_url", ""), base)
        except server.SandboxError as exc:
            data = peer.refusal(exc.code)
        except ValueError:
            data = peer.refusal("INVALID_REQUEST")
        if fault == "drop":
            await peer.faults.hold()
        return peer.answer(method, data, wrong_key=fault == "bad_signature")

    @app.get("/gateway.do")
    async def wap_pay(request: Request) -> Response:
        """alipay.trade.wap.pay: the phone's browser arrives with the signed order."""
        params = dict(request.query_params)
        if params.get("method") != "alipay.trade.wap.pay" or _verified(merchant, params):
            return HTMLResponse("<p>验签出错 isv.invalid-signature</p>", status_code=400)
        try:
            biz = json.loads(params.get("biz_content") or "{}")
            no, fen = str(biz["out_trade_no"]), _fen(biz.get("total_amount"))
            if params.get("notify_url"):
                peer.notifier.notify_url = params["notify_url"]
            subject = str(biz.get("subject", ""))
            await in_session(peer.open_wap, no, fen, subject)
        except (ValueError, KeyError, server.SandboxError):
            return HTMLResponse("<p>ACQ.INVALID_PARAMETER</p>", status_code=400)
        back = urlencode({"back": params.get("return_url", "")})
        return RedirectResponse(f"/cashier/{no}?{back}", status_code=303)

    @app.get("/bill/download")
    async def bill(token: str) -> Response:
        data = peer._bills.get(token)
        if data is None:
            return Response(status_code=404)
        return Response(data, media_type="application/zip")

    return app, peer


def demo_merchant() -> tuple[AlipayMerchant, ali.AlipayKeyPair]:
    """A merchant with fresh keys; the pair is the app's own (the client's side)."""
    app_keys = ali.generate_keypair()
    merchant = AlipayMerchant(
        app_id=wire_alipay.APP_ID,
        seller_id=wire_alipay.PID,
        app_public_pem=app_keys.public_pem,
        alipay=ali.generate_keypair(),
    )
    return merchant, app_keys
