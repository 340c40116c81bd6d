"""WeChat Pay API v3 over HTTPS: the transport a WechatPayAdapter uses in production.

Every request carries `Authorization: WECHATPAY2-SHA256-RSA2048 mchid=..,nonce_str=..,
signature=..,timestamp=..,serial_no=..` signed with the merchant's API key over
"METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nBODY\\n". Every answer (errors included) is signed by
a WeChat platform key and carries Wechatpay-Timestamp/Nonce/Signature/Serial; the platform
certificates come from GET /v3/certificates, encrypted with the APIv3 key, and are downloaded
again when an answer names a serial not seen yet (WeChat rotates them with an overlap).

Errors are `{"code": "...", "message": "..."}` with a 4xx/5xx status. A 4xx the merchant caused
(bad parameters, a used order number) is a ChannelDeclined; a timeout, a refused connection, a
5xx or an answer that does not verify is a ChannelError, after which Bedside queries the order
rather than assuming either outcome."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from wechatpayv3 import utils as sdk

from bedside.payments.bills import BillFormatError
from bedside.payments.bills.wechat_tradebill import tradebill_gunzip
from bedside.payments.channels.base import ChannelDeclined, ChannelError
from bedside.payments.crypto import wechat as wx

DEFAULT_BASE_URL = "https://api.mch.weixin.qq.com"
# Codes that mean "the channel answered and said no": the same call will never succeed.
DECLINES = frozenset(
    {"PARAM_ERROR", "INVALID_REQUEST", "OUT_TRADE_NO_USED", "AUTH_CODE_INVALID", "NOT_ENOUGH", "NO_AUTH"}
)
REFRESH_SECONDS = 60.0
CREATE_PATHS = {
    "NATIVE": "/v3/pay/transactions/native",
    "JSAPI": "/v3/pay/transactions/jsapi",
    "H5": "/v3/pay/transactions/h5",
    "MICROPAY": "/v3/pay/transactions/codepay",
}


@dataclass(frozen=True)
class WechatHttpConfig:
    mchid: str
    appid: str
    merchant_private_pem: bytes
    merchant_serial: str
    apiv3_key: bytes
    notify_url: str
    base_url: str = DEFAULT_BASE_URL
    timeout_seconds: float = 10.0
    connect_timeout_seconds: float = 3.0
    # The payer's address WeChat wants for H5 and payment-code orders (the kiosk's or server's).
    client_ip: str = "127.0.0.1"


@dataclass(frozen=True)
class PlatformCertificate:
    serial: str
    public_pem: bytes
    expire_time: str


class WechatHttpTransport:
    """One instance per merchant; safe to share between threads."""

    def __init__(
        self,
        config: WechatHttpConfig,
        client: httpx.Client | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        try:
            key = serialization.load_pem_private_key(config.merchant_private_pem, password=None)
        except ValueError as exc:
            raise ValueError(f"WeChat Pay merchant key: {exc}") from exc
        if len(config.apiv3_key) != 32:
            raise ValueError("WeChat Pay APIv3 key: 32 characters, as set on the merchant platform")
        del key
        self.base_url = config.base_url.rstrip("/")
        self.client = client or httpx.Client(
            timeout=httpx.Timeout(config.timeout_seconds, connect=config.connect_timeout_seconds)
        )
        self.clock = clock
        self._certs: dict[str, PlatformCertificate] = {}
        self._lock = threading.Lock()
        self._missed_at = float("-inf")

    # --- the wire ----------------------------------------------------------------------------

    def _send(self, method: str, path: str, body: dict[str, Any] | None) -> httpx.Response:
        raw = (
            json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode() if body is not None else b""
        )
        timestamp, nonce = int(self.clock()), secrets.token_hex(16)
        auth = wx.request_authorization(
            self.config.mchid,
            self.config.merchant_serial,
            self.config.merchant_private_pem,
            method,
            path,
            raw,
            timestamp,
            nonce,
        )
        headers = {"Authorization": auth, "Accept": "application/json", "User-Agent": "Bedside"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        try:
            return self.client.request(method, self.base_url + path, content=raw or None, headers=headers)
        except httpx.TimeoutException as exc:
            raise ChannelError("TIMEOUT") from exc
        except httpx.HTTPError as exc:
            raise ChannelError("UNREACHABLE") from exc

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self._send(method, path, body)
        if response.status_code >= 500:
            raise ChannelError(_code(response) or f"HTTP_{response.status_code}")
        self._verify(response)
        data = _json(response)
        if response.status_code >= 400:
            code = str(data.get("code") or f"HTTP_{response.status_code}")
            if code in DECLINES:
                raise ChannelDeclined(code)
            raise ChannelError(code)
        return data

    def _verify(self, response: httpx.Response, certs: dict[str, PlatformCertificate] | None = None) -> None:
        h = response.headers
        serial = h.get("Wechatpay-Serial", "")
        timestamp, nonce = h.get("Wechatpay-Timestamp", ""), h.get("Wechatpay-Nonce", "")
        signature = h.get("Wechatpay-Signature", "")
        shapes = (("timestamp", timestamp), ("nonce", nonce), ("signature", signature))
        if not all(wx.HEADER_SHAPES[name].fullmatch(value) for name, value in shapes):
            raise ChannelError("UNSIGNED_RESPONSE")
        known = certs if certs is not None else self._certificates_for(serial)
        cert = known.get(serial)
        if cert is None:
            raise ChannelError("UNKNOWN_PLATFORM_SERIAL")
        text = response.content.decode("utf-8", errors="replace")
        if not sdk.rsa_verify(
            timestamp, nonce, text, signature, sdk.load_public_key(cert.public_pem.decode())
        ):
            raise ChannelError("BAD_RESPONSE_SIGNATURE")

    # --- platform certificates ---------------------------------------------------------------

    def _certificates_for(self, serial: str) -> dict[str, PlatformCertificate]:
        with self._lock:
            # A forged serial must not make Bedside hammer WeChat: after a download that did
            # not bring it, unknown serials wait a minute for the next one.
            if serial not in self._certs and self.clock() - self._missed_at > REFRESH_SECONDS:
                self._certs.update(self._download())
                if serial not in self._certs:
                    self._missed_at = self.clock()
            return dict(self._certs)

    def _download(self) -> dict[str, PlatformCertificate]:
        response = self._send("GET", "/v3/certificates", None)
        if response.status_code >= 400:
            raise ChannelError(_code(response) or f"HTTP_{response.status_code}")
        found: dict[str, PlatformCertificate] = {}
        for item in _json(response).get("data") or []:
            enc = item.get("encrypt_certificate") or {}
            try:
                pem = sdk.aes_decrypt(
                    nonce=str(enc["nonce"]),
                    ciphertext=str(enc["ciphertext"]),
                    associated_data=str(enc.get("associated_data", "")),
                    apiv3_key=self.config.apiv3_key.decode(),
                )
                cert = x509.load_pem_x509_certificate(str(pem).encode())
            except (KeyError, ValueError, TypeError) as exc:
                # Garbage here means a wrong APIv3 key or a forged answer: trust nothing.
                raise ChannelError("CERTIFICATE_UNREADABLE") from exc
            public = cert.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            found[str(item.get("serial_no"))] = PlatformCertificate(
                str(item.get("serial_no")), public, str(item.get("expire_time", ""))
            )
        # The answer must verify with one of the certificates it carries, as the SDK checks.
        self._verify(response, found)
        return found

    def certificates(self, refresh: bool = False) -> list[PlatformCertificate]:
        with self._lock:
            if refresh or not self._certs:
                self._certs.update(self._download())
            return list(self._certs.values())

    def platform_key(self, serial: str) -> bytes | None:
        """The public key of a platform certificate, downloading anew for an unknown serial."""
        try:
            cert = self._certificates_for(serial).get(serial)
        except ChannelError:
            return None
        return cert.public_pem if cert else None

    # --- the Transport -----------------------------------------------------------------------

    def create(
        self, out_trade_no: str, amount_fen: int, trade_type: str, description: str, auth_code: str | None
    ) -> dict[str, Any]:
        path = CREATE_PATHS.get(trade_type)
        if path is None:
            raise ChannelDeclined("INVALID_REQUEST")
        body: dict[str, Any] = {
            "appid": self.config.appid,
            "mchid": self.config.mchid,
            "description": description[:127],
            "out_trade_no": out_trade_no,
            "amount": {"total": amount_fen, "currency": "CNY"},
        }
        if trade_type == "MICROPAY":
            body["payer"] = {"auth_code": auth_code or ""}
            body["scene_info"] = {"device_ip": self.config.client_ip}
        else:
            body["notify_url"] = self.config.notify_url
        if trade_type == "JSAPI":
            body["payer"] = {"openid": auth_code or ""}  # the payer's openid under this appid
        if trade_type == "H5":
            body["scene_info"] = {"payer_client_ip": self.config.client_ip, "h5_info": {"type": "Wap"}}
        data = self.call("POST", path, body)
        if trade_type == "JSAPI" and data.get("prepay_id"):
            data["jsapi"] = self.jsapi_params(str(data["prepay_id"]))
        return data

    def jsapi_params(self, prepay_id: str) -> dict[str, str]:
        """What the page hands to WeixinJSBridge `getBrandWCPayRequest`, signed by the merchant."""
        timestamp, nonce, package = str(int(self.clock())), secrets.token_hex(16), f"prepay_id={prepay_id}"
        message = f"{self.config.appid}\n{timestamp}\n{nonce}\n{package}\n".encode()
        return {
            "appId": self.config.appid,
            "timeStamp": timestamp,
            "nonceStr": nonce,
            "package": package,
            "signType": "RSA",
            "paySign": wx.sign_message(self.config.merchant_private_pem, message),
        }

    def query(self, out_trade_no: str) -> dict[str, Any]:
        path = f"/v3/pay/transactions/out-trade-no/{out_trade_no}?{urlencode({'mchid': self.config.mchid})}"
        try:
            return self.call("GET", path)
        except ChannelError as exc:
            if str(exc) == "ORDER_NOT_EXIST":
                return {"trade_state": "NOTFOUND", "out_trade_no": out_trade_no}
            raise

    def close(self, out_trade_no: str) -> None:
        path = f"/v3/pay/transactions/out-trade-no/{out_trade_no}/close"
        try:
            self.call("POST", path, {"mchid": self.config.mchid})
        except ChannelError as exc:
            if str(exc) != "ORDER_NOT_EXIST":  # nothing to close is closed
                raise

    def refund(
        self, out_trade_no: str, out_refund_no: str, amount_fen: int, total_fen: int
    ) -> dict[str, Any]:
        body = {
            "out_trade_no": out_trade_no,
            "out_refund_no": out_refund_no,
            "amount": {"refund": amount_fen, "total": total_fen, "currency": "CNY"},
        }
        return self.call("POST", "/v3/refund/domestic/refunds", body)

    def tradebill(self, bill_date: date) -> str:
        """The day's trade bill CSV, checked against the SHA1 WeChat announces."""
        query = urlencode({"bill_date": bill_date.isoformat(), "bill_type": "ALL", "tar_type": "GZIP"})
        info = self.call("GET", f"/v3/bill/tradebill?{query}")
        url = str(info.get("download_url", ""))
        if not url.startswith(self.base_url + "/"):
            raise ChannelError("BAD_DOWNLOAD_URL")
        # The file itself is not signed; its hash in the signed answer above vouches for it.
        response = self._send("GET", url[len(self.base_url) :], None)
        if response.status_code != 200:
            raise ChannelError(_code(response) or f"HTTP_{response.status_code}")
        try:
            return tradebill_gunzip(response.content, str(info.get("hash_value", "")))
        except BillFormatError as exc:
            raise ChannelError("BILL_HASH_MISMATCH") from exc


def _json(response: httpx.Response) -> dict[str, Any]:
    if not response.content:
        return {}
    try:
        data = response.json()
    except ValueError as exc:
        raise ChannelError("BAD_RESPONSE") from exc
    if not isinstance(data, dict):
        raise ChannelError("BAD_RESPONSE")
    return data


def _code(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return ""
    return str(data.get("code", "")) if isinstance(data, dict) else ""
