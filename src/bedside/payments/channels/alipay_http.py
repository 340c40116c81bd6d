"""Alipay open-platform gateway over HTTPS: the transport an AlipayAdapter uses in production.

A call is a form POST to the gateway (https://openapi.alipay.com/gateway.do) with the common
parameters app_id, method, format=JSON, charset=utf-8, sign_type=RSA2, timestamp (Beijing time),
version=1.0, notify_url and biz_content (JSON), signed RSA2 with the app private key over the
sorted `k=v&...` of all parameters but `sign` (python-alipay-sdk's gateway semantics). The
answer is `{"<method with _>_response": {...}, "sign": "..."}` where `sign` is Alipay's RSA2
signature over the exact text of the response object.

`code` 10000 is success, 10003 "waiting for the payer" (alipay.trade.pay), 20000 the service
is unavailable (retry), 40004 a business refusal whose `sub_code` says which (ACQ.*), 40002 bad
arguments or signature. alipay.trade.wap.pay is not called from the server: it is a signed
gateway URL the phone's browser opens."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from bedside.payments.channels.base import ChannelDeclined, ChannelError
from bedside.payments.crypto import alipay as ali

DEFAULT_GATEWAY = "https://openapi.alipay.com/gateway.do"
_CN = ZoneInfo("Asia/Shanghai")
CREATE_METHODS = {"PRECREATE": "alipay.trade.precreate", "BARCODE": "alipay.trade.pay"}


@dataclass(frozen=True)
class AlipayHttpConfig:
    app_id: str
    app_private_pem: str
    alipay_public_pem: str
    notify_url: str
    gateway_url: str = DEFAULT_GATEWAY
    # Where the browser returns after alipay.trade.wap.pay (Bedside's payment status page).
    return_url: str = ""
    timeout_seconds: float = 10.0
    connect_timeout_seconds: float = 3.0


def response_text(body: str, key: str) -> str | None:
    """The exact text of one top-level member of a JSON answer, as Alipay signed it."""
    marker = json.dumps(key) + ":"
    at = body.find(marker)
    if at < 0:
        return None
    start = at + len(marker)
    while start < len(body) and body[start] in " \t\r\n":
        start += 1
    try:
        _, end = json.JSONDecoder().raw_decode(body, start)
    except ValueError:
        return None
    return body[start:end]


def sign_content(private_pem: str, content: str) -> str:
    """Alipay's side of a gateway answer (the sandbox gateway uses it)."""
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TypeError("an RSA private key is required")
    return base64.b64encode(key.sign(content.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def verify_content(public_pem: str, content: str, signature: str) -> bool:
    key = serialization.load_pem_public_key(public_pem.encode())
    if not isinstance(key, rsa.RSAPublicKey):
        raise TypeError("an RSA public key is required")
    try:
        key.verify(
            base64.b64decode(signature, validate=True), content.encode(), padding.PKCS1v15(), hashes.SHA256()
        )
    except (ValueError, InvalidSignature):
        return False
    return True


def _load_keys(config: AlipayHttpConfig) -> None:
    try:
        private = serialization.load_pem_private_key(config.app_private_pem.encode(), password=None)
        public = serialization.load_pem_public_key(config.alipay_public_pem.encode())
    except ValueError as exc:
        raise ValueError(f"Alipay keys: {exc}") from exc
    if not isinstance(private, rsa.RSAPrivateKey) or not isinstance(public, rsa.RSAPublicKey):
        raise ValueError("Alipay keys: RSA2 needs an RSA app private key and Alipay's RSA public key")


class AlipayHttpTransport:
    def __init__(
        self,
        config: AlipayHttpConfig,
        client: httpx.Client | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        _load_keys(config)  # a wrong key file is refused at start, not at the first payment
        self.client = client or httpx.Client(
            timeout=httpx.Timeout(config.timeout_seconds, connect=config.connect_timeout_seconds)
        )
        self.clock = clock

    def signed_params(self, method: str, biz: dict[str, Any], **extra: str) -> dict[str, str]:
        params = {
            "app_id": self.config.app_id,
            "method": method,
            "format": "JSON",
            "charset": "utf-8",
            "sign_type": ali.SIGN_TYPE,
            "timestamp": datetime.fromtimestamp(self.clock(), _CN).strftime("%Y-%m-%d %H:%M:%S"),
            "version": "1.0",
            "biz_content": json.dumps(biz, ensure_ascii=False, separators=(",", ":")),
            **{k: v for k, v in extra.items() if v},
        }
        return ali.sign_request(params, self.config.app_private_pem)

    def call(self, method: str, biz: dict[str, Any], **extra: str) -> dict[str, Any]:
        """The response object, verified. Business refusals (40004) are returned to the caller,
        which knows what each sub_code means for its call."""
        try:
            response = self.client.post(
                self.config.gateway_url,
                data=self.signed_params(method, biz, **extra),
                headers={"Accept": "application/json"},
            )
        except httpx.TimeoutException as exc:
            raise ChannelError("TIMEOUT") from exc
        except httpx.HTTPError as exc:
            raise ChannelError("UNREACHABLE") from exc
        if response.status_code != 200:
            raise ChannelError(f"HTTP_{response.status_code}")
        text = response.content.decode("utf-8", errors="replace")
        key = method.replace(".", "_") + "_response"
        raw = response_text(text, key) or response_text(text, "error_response")
        try:
            outer = json.loads(text)
            data = json.loads(raw) if raw else None
        except ValueError:
            data = None
        if not isinstance(data, dict) or not isinstance(outer, dict):
            raise ChannelError("BAD_RESPONSE")
        signature = str(outer.get("sign") or "")
        if signature:
            if not verify_content(self.config.alipay_public_pem, str(raw), signature):
                raise ChannelError("BAD_RESPONSE_SIGNATURE")
        elif data.get("code") in ("10000", "10003"):
            # Alipay leaves only some refusals unsigned; a success must always be signed.
            raise ChannelError("UNSIGNED_RESPONSE")
        code = str(data.get("code", ""))
        if code == "20000" or code.startswith("2"):
            raise ChannelError(str(data.get("sub_code") or "isp.unknow-error"))
        if code in ("40001", "40002", "40003", "40006"):
            raise ChannelDeclined(str(data.get("sub_code") or code))
        return data

    # --- the Transport -----------------------------------------------------------------------

    def create(
        self, out_trade_no: str, amount_fen: int, trade_type: str, description: str, auth_code: str | None
    ) -> dict[str, Any]:
        biz: dict[str, Any] = {
            "out_trade_no": out_trade_no,
            "total_amount": ali.fen_to_yuan(amount_fen),
            "subject": description[:256],
        }
        if trade_type == "WAP":
            return {"pay_url": self.wap_url(biz)}
        method = CREATE_METHODS.get(trade_type)
        if method is None:
            raise ChannelDeclined("INVALID_REQUEST")
        if trade_type == "BARCODE":
            biz.update(scene="bar_code", auth_code=auth_code or "")
        data = self.call(method, biz, notify_url=self.config.notify_url)
        if trade_type == "PRECREATE" and data.get("code") != "10000":
            raise ChannelDeclined(str(data.get("sub_code") or data.get("code")))
        return data

    def wap_url(self, biz: dict[str, Any]) -> str:
        biz = {**biz, "product_code": "QUICK_WAP_WAY", "quit_url": self.config.return_url}
        params = self.signed_params(
            "alipay.trade.wap.pay", biz, notify_url=self.config.notify_url, return_url=self.config.return_url
        )
        return f"{self.config.gateway_url}?{urlencode(params)}"

    def query(self, out_trade_no: str) -> dict[str, Any]:
        return self.call("alipay.trade.query", {"out_trade_no": out_trade_no})

    def close(self, out_trade_no: str) -> None:
        data = self.call("alipay.trade.close", {"out_trade_no": out_trade_no})
        # A trade the payer never opened does not exist at Alipay: nothing to close.
        if data.get("code") != "10000" and data.get("sub_code") != "ACQ.TRADE_NOT_EXIST":
            raise ChannelError(str(data.get("sub_code") or data.get("code")))

    def refund(
        self, out_trade_no: str, out_refund_no: str, amount_fen: int, total_fen: int
    ) -> dict[str, Any]:
        biz = {
            "out_trade_no": out_trade_no,
            "out_request_no": out_refund_no,
            "refund_amount": ali.fen_to_yuan(amount_fen),
        }
        return self.call("alipay.trade.refund", biz)

    def bill_url(self, bill_date: date) -> str:
        """alipay.data.dataservice.bill.downloadurl.query: where the day's bill zip is."""
        data = self.call(
            "alipay.data.dataservice.bill.downloadurl.query",
            {"bill_type": "trade", "bill_date": bill_date.isoformat()},
        )
        if data.get("code") != "10000":
            raise ChannelDeclined(str(data.get("sub_code") or data.get("code")))
        return str(data.get("bill_download_url", ""))

    def download_bill(self, bill_date: date) -> bytes:
        url = self.bill_url(bill_date)
        try:
            response = self.client.get(url)
        except httpx.HTTPError as exc:
            raise ChannelError("UNREACHABLE") from exc
        if response.status_code != 200:
            raise ChannelError(f"HTTP_{response.status_code}")
        return response.content
