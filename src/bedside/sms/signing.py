"""The two vendors' request signatures, as their documentation specifies them; the clients
sign with them and the simulator peers check with them.

Alibaba Cloud RPC (signature version 1.0, HMAC-SHA1): every parameter but Signature, sorted
by name, each name and value percent-encoded by RFC 3986 (UTF-8; only A-Z a-z 0-9 - _ . ~
left as they are, so a space is %20 and * is %2A), joined as k=v with &; the string to sign
is METHOD & %2F & percent-encode(that query); the signature is base64(HMAC-SHA1(secret + "&",
string to sign)).

Tencent Cloud API 3.0 (TC3-HMAC-SHA256): a canonical request (method, "/", the query, the
signed headers as lowercase name:value lines, their names joined by ;, and the SHA-256 hex of
the body), a string to sign ("TC3-HMAC-SHA256", the timestamp, date/service/tc3_request, the
SHA-256 hex of the canonical request), and a key derived as HMAC-SHA256 chains from "TC3" +
SecretKey over the UTC date, the service and "tc3_request"."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from urllib.parse import quote

TC3 = "TC3-HMAC-SHA256"


def percent_encode(value: str) -> str:
    return quote(value, safe="~")


def rpc_string_to_sign(method: str, params: Mapping[str, str]) -> str:
    query = "&".join(
        f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()) if k != "Signature"
    )
    return f"{method.upper()}&{percent_encode('/')}&{percent_encode(query)}"


def rpc_signature(secret: str, method: str, params: Mapping[str, str]) -> str:
    digest = hmac.new(
        f"{secret}&".encode(), rpc_string_to_sign(method, params).encode(), hashlib.sha1
    ).digest()
    return base64.b64encode(digest).decode()


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac256(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def tc3_date(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")


def tc3_canonical_request(
    method: str, query: str, headers: Mapping[str, str], signed: Iterable[str], payload: bytes
) -> str:
    names = sorted(name.lower() for name in signed)
    lower = {k.lower(): v for k, v in headers.items()}
    canonical_headers = "".join(f"{n}:{lower.get(n, '').strip().lower()}\n" for n in names)
    return "\n".join([method.upper(), "/", query, canonical_headers, ";".join(names), _sha256_hex(payload)])


def tc3_string_to_sign(timestamp: int, service: str, canonical_request: str) -> str:
    scope = f"{tc3_date(timestamp)}/{service}/tc3_request"
    return f"{TC3}\n{timestamp}\n{scope}\n{_sha256_hex(canonical_request.encode())}"


def tc3_signature(secret_key: str, date: str, service: str, string_to_sign: str) -> str:
    key = _hmac256(_hmac256(_hmac256(f"TC3{secret_key}".encode(), date), service), "tc3_request")
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def tc3_authorization(
    secret_id: str,
    secret_key: str,
    *,
    service: str,
    timestamp: int,
    headers: Mapping[str, str],
    signed: Iterable[str],
    payload: bytes,
    method: str = "POST",
    query: str = "",
) -> str:
    names = sorted(name.lower() for name in signed)
    canonical = tc3_canonical_request(method, query, headers, names, payload)
    signature = tc3_signature(
        secret_key, tc3_date(timestamp), service, tc3_string_to_sign(timestamp, service, canonical)
    )
    scope = f"{tc3_date(timestamp)}/{service}/tc3_request"
    return f"{TC3} Credential={secret_id}/{scope}, SignedHeaders={';'.join(names)}, Signature={signature}"


def parse_tc3_authorization(value: str) -> dict[str, str] | None:
    """The Credential, SignedHeaders and Signature parts, or None if it is not TC3."""
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != TC3:
        return None
    parts: dict[str, str] = {}
    for item in rest.split(","):
        name, sep, val = item.strip().partition("=")
        if sep:
            parts[name] = val
    if not {"Credential", "SignedHeaders", "Signature"} <= parts.keys():
        return None
    return parts
