"""WeChat Pay API v3 signatures and AEAD_AES_256_GCM resources.

The merchant side (verify, decrypt) uses the wechatpayv3 SDK's own helpers, so Bedside checks
notifications exactly as the SDK does; the channel side (sign, encrypt), which only the
sandbox needs, uses `cryptography` directly."""

from __future__ import annotations

import base64
import json
import re
import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from wechatpayv3 import utils as sdk

from bedside.payments.crypto import NotificationRejected

SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
_CN = ZoneInfo("Asia/Shanghai")
_NONCE_CHARS = string.ascii_letters + string.digits
# Checked before any header is used: a 400-digit timestamp is a valid int that no float can
# hold, and an RSA-2048 signature is 344 base64 characters, not megabytes.
HEADER_SHAPES = {
    "timestamp": re.compile(r"[0-9]{1,12}"),
    "nonce": re.compile(r"[\x21-\x7e]{1,64}"),
    "signature": re.compile(r"[A-Za-z0-9+/]{1,1024}={0,2}"),
}


@dataclass(frozen=True)
class RsaKeyPair:
    private_pem: bytes
    public_pem: bytes
    serial: str


@dataclass(frozen=True)
class WechatNotification:
    id: str
    event_type: str
    resource: dict[str, Any]


def generate_rsa_keypair(serial: str | None = None) -> RsaKeyPair:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return RsaKeyPair(private_pem, public_pem, serial or secrets.token_hex(20).upper())


def _nonce(n: int = 32) -> str:
    return "".join(secrets.choice(_NONCE_CHARS) for _ in range(n))


def sign_message(private_pem: bytes, message: bytes) -> str:
    key = serialization.load_pem_private_key(private_pem, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TypeError("an RSA private key is required")
    return base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()


def verify_message(public_pem: bytes, message: bytes, signature_b64: str) -> bool:
    key = sdk.load_public_key(public_pem.decode())
    try:
        key.verify(base64.b64decode(signature_b64), message, padding.PKCS1v15(), hashes.SHA256())
    except Exception:  # noqa: BLE001 - any failure is a failed verification
        return False
    return True


def request_authorization(
    mchid: str,
    serial: str,
    private_pem: bytes,
    method: str,
    url_path: str,
    body: bytes,
    timestamp: int,
    nonce: str,
) -> str:
    message = f"{method}\n{url_path}\n{timestamp}\n{nonce}\n".encode() + body + b"\n"
    signature = sign_message(private_pem, message)
    return (
        f'{SIGNATURE_TYPE} mchid="{mchid}",nonce_str="{nonce}",signature="{signature}",'
        f'timestamp="{timestamp}",serial_no="{serial}"'
    )


def encrypt_resource(
    apiv3_key: bytes, plaintext: dict[str, Any], associated_data: str = "transaction"
) -> dict[str, str]:
    nonce = _nonce(12)  # WeChat uses 12 printable characters as the GCM nonce
    data = json.dumps(plaintext, ensure_ascii=False, separators=(",", ":")).encode()
    sealed = AESGCM(apiv3_key).encrypt(nonce.encode(), data, associated_data.encode())
    return {
        "algorithm": "AEAD_AES_256_GCM",
        "ciphertext": base64.b64encode(sealed).decode(),
        "nonce": nonce,
        "associated_data": associated_data,
        "original_type": "transaction",
    }


def decrypt_resource(apiv3_key: bytes, resource: Mapping[str, Any]) -> dict[str, Any]:
    if resource.get("algorithm") != "AEAD_AES_256_GCM":
        raise NotificationRejected("unknown resource algorithm")
    try:
        text = sdk.aes_decrypt(
            nonce=str(resource["nonce"]),
            ciphertext=str(resource["ciphertext"]),
            associated_data=str(resource.get("associated_data", "")),
            apiv3_key=apiv3_key.decode(),
        )
    except (KeyError, ValueError) as exc:
        raise NotificationRejected("malformed resource") from exc
    if text is None:
        raise NotificationRejected("resource does not decrypt (tampered or wrong key)")
    return dict(json.loads(text))


def build_notification(
    event_type: str,
    resource_plain: dict[str, Any],
    platform: RsaKeyPair,
    apiv3_key: bytes,
    now: datetime,
    notification_id: str | None = None,
) -> tuple[dict[str, str], bytes]:
    body = json.dumps(
        {
            "id": notification_id or secrets.token_hex(16),
            "create_time": now.astimezone(_CN).isoformat(timespec="seconds"),
            "event_type": event_type,
            "resource_type": "encrypt-resource",
            "resource": encrypt_resource(apiv3_key, resource_plain),
            "summary": "支付成功" if event_type == "TRANSACTION.SUCCESS" else event_type,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    timestamp, nonce = str(int(now.timestamp())), _nonce()
    signature = sign_message(platform.private_pem, f"{timestamp}\n{nonce}\n".encode() + body + b"\n")
    headers = {
        "Wechatpay-Timestamp": timestamp,
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature": signature,
        "Wechatpay-Serial": platform.serial,
        "Wechatpay-Signature-Type": SIGNATURE_TYPE,
        "Content-Type": "application/json",
    }
    return headers, body


def verify_notification(
    headers: Mapping[str, str],
    body: bytes,
    platform_public_pem: bytes,
    platform_serial: str,
    apiv3_key: bytes,
    now: datetime,
    max_skew_seconds: int = 300,
) -> WechatNotification:
    h = {k.lower(): v for k, v in headers.items()}
    try:
        timestamp, nonce = h["wechatpay-timestamp"], h["wechatpay-nonce"]
        signature, serial = h["wechatpay-signature"], h["wechatpay-serial"]
    except KeyError as exc:
        raise NotificationRejected(f"missing header {exc.args[0]}") from exc
    if h.get("wechatpay-signature-type", SIGNATURE_TYPE) != SIGNATURE_TYPE:
        raise NotificationRejected("unsupported signature type")
    for name, value in (("timestamp", timestamp), ("nonce", nonce), ("signature", signature)):
        if not HEADER_SHAPES[name].fullmatch(value):
            raise NotificationRejected(f"malformed {name} header")
    if serial != platform_serial:
        raise NotificationRejected("unknown platform certificate serial")
    if abs(now.timestamp() - int(timestamp)) > max_skew_seconds:
        raise NotificationRejected("timestamp too far from now (replay?)")
    try:
        text = body.decode()
    except UnicodeDecodeError as exc:
        raise NotificationRejected("body is not UTF-8") from exc
    if not sdk.rsa_verify(
        timestamp, nonce, text, signature, sdk.load_public_key(platform_public_pem.decode())
    ):
        raise NotificationRejected("signature does not verify")
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise NotificationRejected("body is not JSON") from exc
    if not isinstance(data, dict) or not isinstance(data.get("resource"), dict):
        raise NotificationRejected("body is not a notification")
    resource = decrypt_resource(apiv3_key, data["resource"])
    return WechatNotification(
        id=str(data.get("id", "")), event_type=str(data.get("event_type", "")), resource=resource
    )
