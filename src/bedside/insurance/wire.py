"""The national medical insurance platform's wire format, shared by the real client and the
bundled peer: the request envelope, its signatures, msgid, JSON with yuan amounts.

Two signatures, after integrators' code (FORMATS.md; the official text was not checked):
- the gateway's headers x-tif-paasid, x-tif-timestamp (Unix seconds), x-tif-nonce and
  x-tif-signature = hex SHA-256 of timestamp + secret + nonce + timestamp;
- the envelope's signtype/cainfo: here HMAC-SHA256 with the institution's key over the
  envelope's canonical JSON without cainfo (sorted keys, no spaces, UTF-8), so a body altered
  between Bedside and the platform is refused even where a proxy re-signs the headers.

Amounts travel as yuan JSON numbers with two decimals, decoded with parse_float=Decimal and
converted to fen here and nowhere else."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Final
from zoneinfo import ZoneInfo

from bedside.insurance.platform import Fen, fen_to_yuan, yuan_to_fen

# The platform's clock and its "yyyy-MM-dd HH:mm:ss" times are Beijing time.
PLATFORM_TZ: Final = ZoneInfo("Asia/Shanghai")
TIME_FORMAT: Final = "%Y-%m-%d %H:%M:%S"
SIGNTYPE: Final = "HMAC-SHA256"
HEADER_PAAS_ID: Final = "x-tif-paasid"
HEADER_TIMESTAMP: Final = "x-tif-timestamp"
HEADER_NONCE: Final = "x-tif-nonce"
HEADER_SIGNATURE: Final = "x-tif-signature"
_DEC = "\x00dec:"
_DEC_RE = re.compile(r'"\\u0000dec:(-?\d+(?:\.\d+)?)"')
# Per process; the random start keeps two processes (web and worker) apart within a second.
_SEQ = itertools.count(secrets.randbelow(10_000))


@dataclass(frozen=True)
class Institution:
    """Who Bedside is on the platform: every value from configuration."""

    fixmedins_code: str
    fixmedins_name: str
    mdtrtarea_admvs: str
    insuplc_admdvs: str
    recer_sys_code: str
    dev_no: str
    opter: str
    opter_name: str
    infver: str = "V1.0"


def platform_time(value: datetime) -> str:
    return value.astimezone(PLATFORM_TZ).strftime(TIME_FORMAT)


def parse_time(text: str) -> datetime:
    return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=PLATFORM_TZ)


def new_msgid(fixmedins_code: str, now: datetime) -> str:
    """12-character institution code + yyyyMMddHHmmss + a 4-digit sequence."""
    return f"{fixmedins_code[:12]:0<12}{now.astimezone(PLATFORM_TZ):%Y%m%d%H%M%S}{next(_SEQ) % 10_000:04d}"


def yuan(fen: Fen) -> str:
    """A fen amount marked for `dumps` to write as a JSON number in yuan (never a float)."""
    return _DEC + str(fen_to_yuan(fen))


def number(value: Decimal | int) -> str:
    return _DEC + str(value)


def dumps(body: Mapping[str, Any]) -> str:
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return _DEC_RE.sub(r"\1", text)


def loads(text: str | bytes) -> Any:
    return json.loads(text, parse_float=Decimal)


def fen(value: Any) -> Fen:
    """A yuan amount from an answer; absent or null counts as 0."""
    if value is None or value == "":
        return 0
    return yuan_to_fen(value)


def _marked(value: Any) -> Any:
    """A decoded body made dumpable again: the peer signs what it parsed, Decimals included."""
    if isinstance(value, Decimal):
        return number(value)
    if isinstance(value, dict):
        return {k: _marked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_marked(v) for v in value]
    return value


def canonical(envelope: Mapping[str, Any]) -> bytes:
    return dumps(_marked({k: v for k, v in envelope.items() if k != "cainfo"})).encode()


def body_signature(key: str, envelope: Mapping[str, Any]) -> str:
    return hmac.new(key.encode(), canonical(envelope), hashlib.sha256).hexdigest()


def gateway_signature(secret: str, timestamp: str, nonce: str) -> str:
    return hashlib.sha256(f"{timestamp}{secret}{nonce}{timestamp}".encode()).hexdigest()


def envelope(
    inst: Institution,
    infno: str,
    input_: Mapping[str, Any],
    *,
    msgid: str,
    now: datetime,
    sign_no: str,
    sign_key: str,
    insuplc_admdvs: str | None = None,
) -> dict[str, Any]:
    env: dict[str, Any] = {
        "infno": infno,
        "msgid": msgid,
        "mdtrtarea_admvs": inst.mdtrtarea_admvs,
        "insuplc_admdvs": insuplc_admdvs or inst.insuplc_admdvs,
        "recer_sys_code": inst.recer_sys_code,
        "dev_no": inst.dev_no,
        "dev_safe_info": "",
        "signtype": SIGNTYPE,
        "infver": inst.infver,
        "opter_type": "1",  # 1 = hospital staff / system
        "opter": inst.opter,
        "opter_name": inst.opter_name,
        "inf_time": platform_time(now),
        "fixmedins_code": inst.fixmedins_code,
        "fixmedins_name": inst.fixmedins_name,
        "sign_no": sign_no,
        "input": dict(input_),
    }
    env["cainfo"] = body_signature(sign_key, env)
    return env


def headers(paas_id: str, secret: str, timestamp: str, nonce: str) -> dict[str, str]:
    return {
        HEADER_PAAS_ID: paas_id,
        HEADER_TIMESTAMP: timestamp,
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: gateway_signature(secret, timestamp, nonce),
        "Content-Type": "application/json;charset=utf-8",
    }
