"""The WeChat Pay API v3 peer: the sandbox served over HTTP at WeChat's own paths.

It checks each request's WECHATPAY2-SHA256-RSA2048 Authorization against the merchant's API
certificate (refusing with 401 SIGN_ERROR as WeChat does), signs every answer with the platform
key, serves the platform certificates encrypted with the APIv3 key at /v3/certificates, and
can rotate them. Faults (http_peer.FAULT_KINDS) are injected per request."""

from __future__ import annotations

import base64
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID
from fastapi import FastAPI, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from bedside.payments.bills.wechat_tradebill import tradebill_gzip, write_tradebill
from bedside.payments.crypto import wechat as wx
from bedside.payments.sandbox import server, statements, wire_wechat
from bedside.payments.sandbox.http_peer import Faults, Notifier, add_cashier, add_fault_control, in_session

KINDS = {"native": "NATIVE", "jsapi": "JSAPI", "h5": "H5", "codepay": "MICROPAY"}
_AUTH_FIELD = re.compile(r'(\w+)="([^"]*)"')
STATUS = {"RESOURCE_NOT_EXISTS": 404, "ORDERNOTEXIST": 404, "ORDER_NOT_EXIST": 404, "SIGN_ERROR": 401}


@dataclass
class WechatMerchant:
    """The merchant as WeChat's merchant platform knows it (商户平台)."""

    mchid: str
    appid: str
    merchant_public_pem: bytes
    merchant_serial: str
    apiv3_key: bytes
    platform: wx.RsaKeyPair = field(default_factory=wx.generate_rsa_keypair)
    retired: list[wx.RsaKeyPair] = field(default_factory=list)


def _certificate(pair: wx.RsaKeyPair) -> bytes:
    key = serialization.load_pem_private_key(pair.private_pem, password=None)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tenpay.com Root CA (sandbox)")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365 * 5))
        .sign(key, hashes.SHA256())  # type: ignore[arg-type]
    )
    return cert.public_bytes(serialization.Encoding.PEM)


class WechatPeer:
    def __init__(self, merchant: WechatMerchant) -> None:
        self.merchant = merchant
        self.faults = Faults()
        self.notifier = Notifier("wechat")
        self._certs: dict[str, bytes] = {}
        self._bills: dict[str, bytes] = {}
        # Who each JSAPI order is for (payer.openid), as WeChat's payment sheet would check.
        self.jsapi_payers: dict[str, str] = {}

    def rotate(self) -> wx.RsaKeyPair:
        """A new platform certificate; the old one stays listed, as WeChat overlaps them."""
        self.merchant.retired.append(self.merchant.platform)
        self.merchant.platform = wx.generate_rsa_keypair()
        return self.merchant.platform

    def run(self, session: Session, op: Any, data: dict[str, Any]) -> tuple[int, Any]:
        self.sync_keys(session)
        result: tuple[int, Any] = op(session, data)
        return result

    def sync_keys(self, session: Session) -> None:
        # The books sign notifications with the "wechat" key row: keep it this merchant's.
        row = server.keys(session, "wechat")
        m = self.merchant
        if row.serial != m.platform.serial or row.secret != m.apiv3_key.decode():
            row.private_pem, row.public_pem = m.platform.private_pem.decode(), m.platform.public_pem.decode()
            row.serial, row.secret = m.platform.serial, m.apiv3_key.decode()

    # --- the wire ----------------------------------------------------------------------------

    def check_auth(self, request: Request, body: bytes) -> str | None:
        scheme, _, rest = request.headers.get("authorization", "").partition(" ")
        fields = dict(_AUTH_FIELD.findall(rest))
        if scheme != wx.SIGNATURE_TYPE or fields.get("mchid") != self.merchant.mchid:
            return "Authorization 缺失或商户号不符"
        if fields.get("serial_no") != self.merchant.merchant_serial:
            return "商户证书序列号有误"
        timestamp = fields.get("timestamp", "")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 300:
            return "请求时间戳超出范围"
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        message = f"{request.method}\n{target}\n{timestamp}\n{fields.get('nonce_str', '')}\n".encode()
        if not wx.verify_message(
            self.merchant.merchant_public_pem, message + body + b"\n", fields.get("signature", "")
        ):
            return "签名错误"
        return None

    def answer(self, status: int, data: dict[str, Any] | None, wrong_key: bool = False) -> Response:
        body = (
            json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode() if data is not None else b""
        )
        pair = wx.generate_rsa_keypair(self.merchant.platform.serial) if wrong_key else self.merchant.platform
        timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
        headers = {
            "Wechatpay-Timestamp": timestamp,
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Serial": pair.serial,
            "Wechatpay-Signature": wx.sign_message(
                pair.private_pem, f"{timestamp}\n{nonce}\n".encode() + body + b"\n"
            ),
            "Request-ID": secrets.token_hex(16),
        }
        media = "application/json" if data is not None else None
        return Response(body, status_code=status, headers=headers, media_type=media)

    def error(self, code: str, message: str = "") -> Response:
        return self.answer(
            STATUS.get(code, 500 if code == "SYSTEM_ERROR" else 400),
            {"code": code, "message": message or code},
        )

    def certificates(self) -> dict[str, Any]:
        items = []
        for pair in [self.merchant.platform, *self.merchant.retired]:
            pem = self._certs.setdefault(pair.serial, _certificate(pair))
            nonce = secrets.token_hex(6)  # 12 characters, as WeChat's nonces
            sealed = AESGCM(self.merchant.apiv3_key).encrypt(nonce.encode(), pem, b"certificate")
            enc = {
                "algorithm": "AEAD_AES_256_GCM",
                "nonce": nonce,
                "associated_data": "certificate",
                "ciphertext": base64.b64encode(sealed).decode(),
            }
            items.append(
                {
                    "serial_no": pair.serial,
                    "effective_time": "2026-01-01T00:00:00+08:00",
                    "expire_time": "2031-01-01T00:00:00+08:00",
                    "encrypt_certificate": enc,
                }
            )
        return {"data": items}

    def tradebill(self, session: Session, bill_date: date) -> dict[str, Any]:
        lines = statements.lines_for(session, "wechat", bill_date)
        text = write_tradebill(
            lines, bill_date, self.merchant.appid, self.merchant.mchid, statements.FEE_RATE_BP["wechat"]
        )
        gz, sha1 = tradebill_gzip(text)
        token = secrets.token_urlsafe(16)
        self._bills[token] = gz
        return {"hash_type": "SHA1", "hash_value": sha1, "token": token}

    def bill_file(self, token: str) -> bytes | None:
        return self._bills.get(token)


def _wire(answer: dict[str, Any], peer_url: str, trade_type: str, out_trade_no: str) -> dict[str, Any]:
    data = {k: v for k, v in answer.items() if v is not None}
    if trade_type == "H5":
        data = {"h5_url": f"{peer_url}/cashier/{out_trade_no}", "sandbox_pay": data.get("sandbox_pay")}
    return data


def create_app(merchant: WechatMerchant) -> tuple[FastAPI, WechatPeer]:
    peer = WechatPeer(merchant)
    app = FastAPI(title="WeChat Pay API v3 (Bedside peer)", docs_url=None, redoc_url=None)
    add_cashier(app, "微信支付")
    add_fault_control(app, peer.faults)

    async def guarded(request: Request, op: Any) -> Response:
        body = await request.body()
        refused = peer.check_auth(request, body)
        if refused:
            return peer.error("SIGN_ERROR", refused)
        fault = peer.faults.take()
        if fault == "timeout":
            await peer.faults.hold()
            return peer.error("SYSTEM_ERROR", "超时")
        if fault == "http_500":
            return peer.error("SYSTEM_ERROR", "系统错误")
        try:
            data = json.loads(body) if body else {}
        except ValueError:
            return peer.error("PARAM_ERROR", "请求体不是JSON")
        if not isinstance(data, dict):
            return peer.error("PARAM_ERROR", "请求体不是JSON对象")
        try:
            status, result = await in_session(peer.run, op, data)
        except server.SandboxError as exc:
            status, result = STATUS.get(exc.code, 400), {"code": exc.code, "message": exc.code}
        if fault == "drop":
            await peer.faults.hold()
        return peer.answer(status, result, wrong_key=fault == "bad_signature")

    @app.post("/v3/pay/transactions/{kind}")
    async def create(kind: str, request: Request) -> Response:
        trade_type = KINDS.get(kind)
        peer_url = str(request.base_url).rstrip("/")

        def op(s: Session, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
            amount = (data.get("amount") or {}).get("total")
            no, payer = data.get("out_trade_no"), data.get("payer") or {}
            if trade_type is None or not isinstance(amount, int) or not isinstance(no, str) or not no:
                raise server.SandboxError("PARAM_ERROR")
            if data.get("mchid") != merchant.mchid or data.get("appid") != merchant.appid:
                raise server.SandboxError("INVALID_REQUEST")
            if trade_type == "JSAPI" and not payer.get("openid"):
                raise server.SandboxError("PARAM_ERROR")
            if data.get("notify_url"):
                peer.notifier.notify_url = str(data["notify_url"])
            code = payer.get("auth_code") if trade_type == "MICROPAY" else None
            if trade_type == "JSAPI":
                peer.jsapi_payers[no] = str(payer["openid"])
            answer = server.create(
                s, "wechat", no, amount, trade_type, str(data.get("description", "")), code
            )
            return 200, _wire(answer, peer_url, trade_type, no)

        return await guarded(request, op)

    @app.get("/v3/pay/transactions/out-trade-no/{out_trade_no}")
    async def query(out_trade_no: str, request: Request) -> Response:
        def op(s: Session, _: dict[str, Any]) -> tuple[int, dict[str, Any]]:
            if request.query_params.get("mchid") != merchant.mchid:
                raise server.SandboxError("PARAM_ERROR")
            answer = server.query(s, "wechat", out_trade_no)
            if answer.get("trade_state") == "NOTFOUND":
                raise server.SandboxError("ORDER_NOT_EXIST")
            return 200, {k: v for k, v in answer.items() if v is not None}

        return await guarded(request, op)

    @app.post("/v3/pay/transactions/out-trade-no/{out_trade_no}/close")
    async def close(out_trade_no: str, request: Request) -> Response:
        def op(s: Session, data: dict[str, Any]) -> tuple[int, None]:
            if data.get("mchid") != merchant.mchid:
                raise server.SandboxError("PARAM_ERROR")
            server.close(s, "wechat", out_trade_no)
            return 204, None

        return await guarded(request, op)

    @app.post("/v3/refund/domestic/refunds")
    async def refund(request: Request) -> Response:
        def op(s: Session, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
            amount = data.get("amount") or {}
            refund_fen, total = amount.get("refund"), amount.get("total")
            if not isinstance(refund_fen, int) or not isinstance(total, int):
                raise server.SandboxError("PARAM_ERROR")
            answer = server.refund(
                s, "wechat", str(data.get("out_trade_no")), str(data.get("out_refund_no")), refund_fen, total
            )
            return 200, {**answer, "out_trade_no": data.get("out_trade_no"), "amount": amount}

        return await guarded(request, op)

    @app.get("/v3/certificates")
    async def certificates(request: Request) -> Response:
        return await guarded(request, lambda s, _: (200, peer.certificates()))

    @app.get("/v3/bill/tradebill")
    async def tradebill(request: Request) -> Response:
        base = str(request.base_url).rstrip("/")

        def op(s: Session, _: dict[str, Any]) -> tuple[int, dict[str, Any]]:
            try:
                day = date.fromisoformat(request.query_params.get("bill_date", ""))
            except ValueError:
                raise server.SandboxError("PARAM_ERROR") from None
            info = peer.tradebill(s, day)
            return 200, {
                "hash_type": "SHA1",
                "hash_value": info["hash_value"],
                "download_url": f"{base}/v3/billdownload/file?token={info['token']}",
            }

        return await guarded(request, op)

    @app.get("/v3/billdownload/file")
    async def bill_file(token: str, request: Request) -> Response:
        refused = peer.check_auth(request, b"")
        if refused:
            return peer.error("SIGN_ERROR", refused)
        data = peer.bill_file(token)
        if data is None:
            return peer.error("RESOURCE_NOT_EXISTS", "账单不存在")
        return Response(data, media_type="application/octet-stream")  # not signed, as at WeChat

    return app, peer


def demo_merchant() -> tuple[WechatMerchant, wx.RsaKeyPair]:
    """A merchant with fresh keys; the pair is the merchant's API key (the client's side)."""
    api = wx.generate_rsa_keypair()
    merchant = WechatMerchant(
        mchid=wire_wechat.MCHID,
        appid=wire_wechat.APPID,
        merchant_public_pem=api.public_pem,
        merchant_serial=api.serial,
        apiv3_key=secrets.token_hex(16).encode(),
    )
    return merchant, api
