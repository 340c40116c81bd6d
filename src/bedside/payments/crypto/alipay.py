"""Alipay open-platform RSA2 signatures and `trade_status_sync` notifications.

The merchant side (verifying Alipay's notifications) goes through python-alipay-sdk's own
`verify`, so Bedside accepts exactly what the SDK accepts; the channel side (signing
notifications, checking that gateway requests come from the merchant), which only the bundled
sandbox needs, uses `cryptography` directly.

Two signing contents exist in the real API and they differ on purpose:
- asynchronous notifications: every parameter except `sign` and `sign_type`;
- gateway requests: every parameter except `sign` (so `sign_type` itself is signed).
Both drop empty values, sort by key and join `k=v` with `&`, values not url-encoded."""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from alipay import BaseAliPay
from Cryptodome.PublicKey import RSA
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from bedside.payments.crypto import NotificationRejected

SIGN_TYPE = "RSA2"
NOTIFY_TYPE = "trade_status_sync"
TRADE_STATUSES = frozenset({"WAIT_BUYER_PAY", "TRADE_SUCCESS", "TRADE_CLOSED", "TRADE_FINISHED"})
_PAID_STATUSES = frozenset({"TRADE_SUCCESS", "TRADE_FINISHED"})
_CN = ZoneInfo("Asia/Shanghai")
_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
# Alipay always prints two decimals; a bare integer is tolerated, nothing else (no sign, no
# exponent, no spaces, no leading zeros) so a tampered or garbled amount cannot slip through.
_YUAN = re.compile(r"^(0|[1-9]\d{0,11})(?:\.(\d{1,2}))?$")
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
# A trade_status_sync has about 30 parameters, none longer than a few hundred characters, and
# an RSA-2048 signature is 344 base64 characters: anything far beyond is refused unread.
MAX_FIELDS = 100
_MAX_VALUE = 4096
_FIELD_NAME = re.compile(r"[A-Za-z0-9_]{1,64}")
SIGNATURE_SHAPE = re.compile(r"[A-Za-z0-9+/]{1,1024}={0,2}")


@dataclass(frozen=True)
class AlipayKeyPair:
    private_pem: str
    public_pem: str


@dataclass(frozen=True)
class AlipayTradeNotification:
    notify_id: str
    notify_time: datetime
    app_id: str
    trade_no: str
    out_trade_no: str
    trade_status: str
    total_fen: int
    receipt_fen: int | None
    buyer_pay_fen: int | None
    refund_fen: int | None
    subject: str
    buyer_id: str
    buyer_logon_id: str
    gmt_create: datetime | None
    gmt_payment: datetime | None
    gmt_refund: datetime | None
    gmt_close: datetime | None
    out_biz_no: str | None
    passback_params: str | None


def generate_keypair() -> AlipayKeyPair:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    # PKCS#1 ("BEGIN RSA PRIVATE KEY") is what Alipay's key tool hands non-Java merchants and
    # what python-alipay-sdk's documentation shows.
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return AlipayKeyPair(private_pem.decode(), public_pem.decode())


# --- amounts and times -----------------------------------------------------------------------


def fen_to_yuan(fen: int) -> str:
    """12345 -> '123.45'. Integer arithmetic only: a float would misprint some amounts."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError("amounts are integer fen")
    if fen < 0:
        raise ValueError("Alipay trade amounts are never negative")
    yuan, rest = divmod(fen, 100)
    return f"{yuan}.{rest:02d}"


def yuan_to_fen(text: str) -> int:
    """'123.45' -> 12345; raises ValueError for anything that is not a plain yuan amount."""
    match = _YUAN.match(text)
    if match is None:
        raise ValueError(f"not a yuan amount: {text!r}")
    whole, frac = match.group(1), match.group(2) or ""
    return int(whole) * 100 + int(frac.ljust(2, "0"))


def format_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("an aware datetime is required")
    return moment.astimezone(_CN).strftime(_TIME_FORMAT)


def parse_time(text: str) -> datetime:
    if not _TIME.match(text):
        raise ValueError(f"not a yyyy-MM-dd HH:mm:ss time: {text!r}")
    return datetime.strptime(text, _TIME_FORMAT).replace(tzinfo=_CN)


def mask_logon_id(account: str) -> str:
    """Mask a buyer account the way Alipay's `buyer_logon_id` does: `138****8000`, `abc***@x.com`."""
    if "*" in account:
        return account
    if "@" in account:
        local, domain = account.split("@", 1)
        return f"{local[:3]}***@{domain}"
    if len(account) >= 8:
        return f"{account[:3]}****{account[-4:]}"
    return f"{account[:1]}***" if account else ""


# --- signing -----------------------------------------------------------------------------------


def _content(params: Mapping[str, str], excluded: frozenset[str]) -> str:
    items = sorted((k, str(v)) for k, v in params.items() if k not in excluded and str(v) != "")
    return "&".join(f"{k}={v}" for k, v in items)


def notification_sign_content(params: Mapping[str, str]) -> str:
    return _content(params, frozenset({"sign", "sign_type"}))


def request_sign_content(params: Mapping[str, str]) -> str:
    return _content(params, frozenset({"sign"}))


def _private_key(pem: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TypeError("an RSA private key is required")
    return key


def _public_key(pem: str) -> rsa.RSAPublicKey:
    key = serialization.load_pem_public_key(pem.encode())
    if not isinstance(key, rsa.RSAPublicKey):
        raise TypeError("an RSA public key is required")
    return key


def _rsa2_sign(private_pem: str, content: str) -> str:
    signature = _private_key(private_pem).sign(content.encode(), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


def sign_notification(params: Mapping[str, str], alipay_private_pem: str) -> dict[str, str]:
    """Channel side: add `sign` and `sign_type=RSA2` to a notification's parameters."""
    signed = {k: str(v) for k, v in params.items() if k not in ("sign", "sign_type")}
    signed["sign"] = _rsa2_sign(alipay_private_pem, notification_sign_content(signed))
    signed["sign_type"] = SIGN_TYPE
    return signed


class _VerifyingClient(BaseAliPay):
    """The SDK client insists on loading an app private key the verifier does not have; only
    key loading is replaced, so `verify` runs the SDK's own code path."""

    def _load_key(self) -> None:
        self._alipay_public_key = RSA.importKey(self._alipay_public_key_string)


@lru_cache(maxsize=16)
def _verifier(alipay_public_pem: str) -> Any:
    return _VerifyingClient(appid="verify-only", alipay_public_key_string=alipay_public_pem)


def verify_notification(form: Mapping[str, str], alipay_public_pem: str) -> dict[str, str]:
    """Merchant side: check an asynchronous notification's RSA2 signature with the SDK.

    Returns the parameters (without `sign`/`sign_type`) or raises NotificationRejected with one of
    malformed_field, missing_signature, missing_sign_type, unsupported_sign_type, bad_signature."""
    params = {k: str(v) for k, v in form.items()}
    if len(params) > MAX_FIELDS or any(
        not _FIELD_NAME.fullmatch(k) or len(v) > _MAX_VALUE for k, v in params.items()
    ):
        raise NotificationRejected("malformed_field")
    signature = params.pop("sign", "")
    if not signature:
        raise NotificationRejected("missing_signature")
    if not SIGNATURE_SHAPE.fullmatch(signature):
        raise NotificationRejected("bad_signature")
    sign_type = params.get("sign_type", "")
    if not sign_type:
        raise NotificationRejected("missing_sign_type")
    if sign_type != SIGN_TYPE:
        # RSA (SHA-1) is still accepted by Alipay for old apps; Bedside never configures it.
        raise NotificationRejected("unsupported_sign_type")
    # Alipay's own SDKs drop empty values from the signed content; python-alipay-sdk does not,
    # so they are dropped here before handing over (sign_type stays: the SDK checks and pops it).
    data = {k: v for k, v in params.items() if v != ""}
    verifier = _verifier(alipay_public_pem)  # a broken key is a configuration error, raised as such
    try:
        ok = verifier.verify(data, signature)
    except ValueError:  # undecodable base64 or a signature of the wrong length
        ok = False
    if not ok:
        raise NotificationRejected("bad_signature")
    return {k: v for k, v in params.items() if k != "sign_type"}


def sign_request(params: Mapping[str, str], app_private_pem: str) -> dict[str, str]:
    """Merchant side of a gateway request: `sign_type` is part of what is signed."""
    signed = {k: str(v) for k, v in params.items() if k != "sign"}
    signed.setdefault("sign_type", SIGN_TYPE)
    if signed["sign_type"] != SIGN_TYPE:
        raise ValueError("only RSA2 requests are supported")
    signed["sign"] = _rsa2_sign(app_private_pem, request_sign_content(signed))
    return signed


def verify_request(params: Mapping[str, str], app_public_pem: str) -> dict[str, str]:
    """Channel side (sandbox gateway): check that a request really comes from the merchant.

    Same reason codes as verify_notification; returns the parameters without `sign`."""
    data = {k: str(v) for k, v in params.items()}
    signature = data.pop("sign", "")
    if not signature:
        raise NotificationRejected("missing_signature")
    sign_type = data.get("sign_type", "")
    if not sign_type:
        raise NotificationRejected("missing_sign_type")
    if sign_type != SIGN_TYPE:
        raise NotificationRejected("unsupported_sign_type")
    try:
        raw = base64.b64decode(signature, validate=True)
        _public_key(app_public_pem).verify(
            raw, request_sign_content(data).encode(), padding.PKCS1v15(), hashes.SHA256()
        )
    except (ValueError, InvalidSignature) as exc:
        raise NotificationRejected("bad_signature") from exc
    return data


# --- trade_status_sync ------------------------------------------------------------------------


def _notify_id(notify_time: datetime) -> str:
    # Same shape as real ids (34 digits starting with the notification date); only uniqueness matters.
    local = notify_time.astimezone(_CN)
    return local.strftime("%Y%m%d") + "00222" + local.strftime("%H%M%S") + f"{secrets.randbelow(10**15):015d}"


def build_trade_notification(
    *,
    app_id: str,
    seller_id: str,
    trade_no: str,
    out_trade_no: str,
    trade_status: str,
    total_fen: int,
    subject: str,
    buyer_id: str,
    buyer_account: str,
    gmt_create: datetime,
    notify_time: datetime,
    gmt_payment: datetime | None = None,
    gmt_close: datetime | None = None,
    refund_fen: int | None = None,
    gmt_refund: datetime | None = None,
    out_biz_no: str | None = None,
    body: str | None = None,
    passback_params: str | None = None,
    notify_id: str | None = None,
) -> dict[str, str]:
    """The unsigned parameter set of a real `trade_status_sync` notification.

    A refund shows up as `refund_fee`/`gmt_refund`/`out_biz_no` on a TRADE_SUCCESS notification
    (partial refund) or a TRADE_CLOSED one (everything refunded)."""
    if trade_status not in TRADE_STATUSES:
        raise ValueError(f"unknown trade status {trade_status!r}")
    if total_fen <= 0:
        raise ValueError("total_fen must be positive")
    paid = gmt_payment is not None
    if trade_status in _PAID_STATUSES and not paid:
        raise ValueError(f"{trade_status} needs gmt_payment")
    if trade_status == "WAIT_BUYER_PAY" and (paid or refund_fen is not None):
        raise ValueError("WAIT_BUYER_PAY has neither payment nor refund")
    if trade_status == "TRADE_CLOSED" and gmt_close is None:
        raise ValueError("TRADE_CLOSED needs gmt_close")
    if refund_fen is not None:
        if not paid or gmt_refund is None or not out_biz_no:
            raise ValueError("a refund needs gmt_payment, gmt_refund and out_biz_no")
        if not 0 < refund_fen <= total_fen:
            raise ValueError("refund_fen must be within the paid amount")
    total = fen_to_yuan(total_fen)
    params: dict[str, str] = {
        "notify_time": format_time(notify_time),
        "notify_type": NOTIFY_TYPE,
        "notify_id": notify_id or _notify_id(notify_time),
        "app_id": app_id,
        "auth_app_id": app_id,
        "charset": "utf-8",
        "version": "1.0",
        "trade_no": trade_no,
        "out_trade_no": out_trade_no,
        "buyer_id": buyer_id,
        "buyer_logon_id": mask_logon_id(buyer_account),
        "seller_id": seller_id,
        "trade_status": trade_status,
        "total_amount": total,
        "subject": subject,
        "gmt_create": format_time(gmt_create),
    }
    if gmt_payment is not None:
        params.update(
            {
                "receipt_amount": total,
                "invoice_amount": total,
                "buyer_pay_amount": total,
                "point_amount": "0.00",
                "gmt_payment": format_time(gmt_payment),
                "fund_bill_list": f'[{{"amount":"{total}","fundChannel":"ALIPAYACCOUNT"}}]',
            }
        )
    if refund_fen is not None and gmt_refund is not None and out_biz_no:
        params.update(
            {
                "refund_fee": fen_to_yuan(refund_fen),
                "gmt_refund": format_time(gmt_refund),
                "out_biz_no": out_biz_no,
            }
        )
    if gmt_close is not None:
        params["gmt_close"] = format_time(gmt_close)
    if body:
        params["body"] = body
    if passback_params:
        params["passback_params"] = passback_params
    return params


def _required(params: Mapping[str, str], name: str) -> str:
    value = params.get(name, "")
    if not value:
        raise NotificationRejected("missing_field")
    return value


def _amount(params: Mapping[str, str], name: str) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    try:
        return yuan_to_fen(value)
    except ValueError as exc:
        raise NotificationRejected("bad_amount") from exc


def _time(params: Mapping[str, str], name: str) -> datetime | None:
    value = params.get(name)
    if not value:
        return None
    try:
        return parse_time(value)
    except ValueError as exc:
        raise NotificationRejected("bad_time") from exc


def parse_trade_notification(params: Mapping[str, str]) -> AlipayTradeNotification:
    """Read verified notification parameters; amounts come back as integer fen.

    Raises NotificationRejected: unsupported_notify_type, unknown_trade_status, missing_field,
    bad_amount, bad_time."""
    if params.get("notify_type") != NOTIFY_TYPE:
        raise NotificationRejected("unsupported_notify_type")
    status = _required(params, "trade_status")
    if status not in TRADE_STATUSES:
        raise NotificationRejected("unknown_trade_status")
    notify_time = _time(params, "notify_time")
    total = _amount(params, "total_amount")
    if notify_time is None or total is None:
        raise NotificationRejected("missing_field")
    return AlipayTradeNotification(
        notify_id=_required(params, "notify_id"),
        notify_time=notify_time,
        app_id=_required(params, "app_id"),
        trade_no=_required(params, "trade_no"),
        out_trade_no=_required(params, "out_trade_no"),
        trade_status=status,
        total_fen=total,
        receipt_fen=_amount(params, "receipt_amount"),
        buyer_pay_fen=_amount(params, "buyer_pay_amount"),
        refund_fen=_amount(params, "refund_fee"),
        subject=params.get("subject", ""),
        buyer_id=params.get("buyer_id", ""),
        buyer_logon_id=params.get("buyer_logon_id", ""),
        gmt_create=_time(params, "gmt_create"),
        gmt_payment=_time(params, "gmt_payment"),
        gmt_refund=_time(params, "gmt_refund"),
        gmt_close=_time(params, "gmt_close"),
        out_biz_no=params.get("out_biz_no") or None,
        passback_params=params.get("passback_params") or None,
    )
