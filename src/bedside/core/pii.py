"""Masking of personal data on screens and in logs."""

from __future__ import annotations

import re

# Credentials as they appear in headers, cookies, URLs and reprs: the name stays, the value goes.
_SECRET_FIELD = re.compile(
    r"(?i)(\b(?:authorization|cookie|set-cookie|x-[a-z-]*key|x-csrf-token|csrf_token|password|passwd|"
    r"secret(?:_key)?|(?:access_|refresh_)?token|api[_-]?key|bs_[a-z_]+)\b['\"]?\s*[:=,]\s*(?:b?['\"])?)"
    r"((?:bearer |basic )?[^'\"\s;,)&]+)"
)
# Tokens that stand in a URL path (the SMS vendors' receipt callbacks carry no signature).
_PATH_TOKEN = re.compile(r"(/receipts/[a-z]+/)[A-Za-z0-9_-]{8,}")
# Our own key formats (kiosk bk_…, integration bi_…) wherever they stand.
_OWN_KEYS = re.compile(r"\b(b[ik]_)[A-Za-z0-9_-]{8,}")
_RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[0-9Xx])(?![0-9A-Za-z])")
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def mask_resident_id(value: str | None) -> str:
    if not value:
        return ""
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str | None) -> str:
    if not value:
        return ""
    if len(value) == 1:
        return value
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


def mask_card(value: str | None) -> str:
    if not value:
        return ""
    if len(value) <= 10:
        return value[:2] + "*" * max(0, len(value) - 4) + value[-2:]
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def scrub(text: str) -> str:
    """Masks credentials, resident IDs and mobile numbers wherever they appear in free text
    (every log line, tracebacks included)."""
    text = _SECRET_FIELD.sub(lambda m: m.group(1) + "***", text)
    text = _OWN_KEYS.sub(lambda m: m.group(1) + "***", text)
    text = _PATH_TOKEN.sub(lambda m: m.group(1) + "***", text)
    text = _RESIDENT_ID.sub(lambda m: m.group(1) + "********" + m.group(2), text)
    return _PHONE.sub(lambda m: m.group(1) + "****" + m.group(2), text)
