"""The request envelope's sign, as the Bosssoft-style medical e-invoice interfaces define it:
the business JSON is Base64-encoded into `data`; the sign is the upper-case hex MD5 of
`appid=…&data=…&noise=…&key=<app key>&version=…` (the parameters in that order, the app key
between noise and version). Each province's vendor must be checked against this
(docs/go-live.md)."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

SIGNED = ("appid", "data", "noise")


def string_to_sign(params: dict[str, str], app_key: str) -> str:
    head = "&".join(f"{name}={params.get(name, '')}" for name in SIGNED)
    return f"{head}&key={app_key}&version={params.get('version', '')}"


def sign(params: dict[str, str], app_key: str) -> str:
    # MD5 because the platforms specify it; it authenticates, it protects no secret at rest.
    digest = hashlib.md5(string_to_sign(params, app_key).encode("utf-8"), usedforsecurity=False)
    return digest.hexdigest().upper()


def encode_data(business: dict[str, Any]) -> str:
    text = json.dumps(business, ensure_ascii=False, separators=(",", ":"))
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def decode_data(data: str) -> Any:
    return json.loads(base64.b64decode(data.encode("ascii"), validate=True).decode("utf-8"))


def base64_text(value: str) -> str:
    """An error answer's message: Base64 of the platform's UTF-8 text."""
    try:
        return base64.b64decode(value.encode("ascii"), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError("not Base64 text") from exc
