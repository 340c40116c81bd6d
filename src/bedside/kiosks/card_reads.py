"""Signed card reads: the kiosk agent vouches for what its readers read, so the kiosk page
cannot claim a read it did not get.

A read is `v1.<payload>.<mac>`: the payload (device, credential kind, value, time, nonce) in
URL-safe base64 JSON, the MAC an HMAC-SHA256 of it under the kiosk's device secret. The server
stores only the digest of the kiosk key, so the digest is that secret: the agent derives it
from the key it holds, the server has it on file, and the page has neither. A read is refused
when it is older than MAX_AGE, and the second time (its nonce is recorded when it is used).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bedside.core.auth import token_digest
from bedside.core.db import utcnow
from bedside.core.errors import DomainError
from bedside.core.i18n import N_
from bedside.kiosks.models import Kiosk, KioskCardReadUse

VERSION = "v1"
MAX_AGE = timedelta(seconds=90)
# The agent's clock and the server's may differ a little.
CLOCK_SKEW = timedelta(seconds=30)
MAX_READ = 2000
CARD_KINDS = ("insurance_card", "health_card", "visit_card")
# A scanned code is signed as "scan": the agent does not know which kind of code it is.
SCAN = "scan"
# Which credential kinds each device can read.
DEVICE_KINDS = {
    "id_reader": ("resident_id",),
    "card_reader": CARD_KINDS,
    "scanner": ("health_card",),
}


class CardReadInvalid(DomainError):
    status = 403
    code = "card_read_invalid"
    message = N_("The card read could not be confirmed by this kiosk's reader. Please read the card again.")


class CardReadReplayed(DomainError):
    status = 409
    code = "card_read_replayed"
    message = N_("This card read has already been used. Please read the card again.")


@dataclass(frozen=True)
class Read:
    device: str
    kind: str
    value: str
    at: int
    nonce: str


def device_secret(kiosk_key: str) -> str:
    """What the agent signs with, derived from the key it was given (see the module doc)."""
    return token_digest(kiosk_key)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _mac(secret: str, payload: str) -> str:
    key = hashlib.sha256(("card-read:" + secret).encode()).digest()
    return _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())


def sign(secret: str, device: str, kind: str, value: str, *, at: datetime | None = None) -> str:
    """A signed read, made by the agent right after a reader returned `value`."""
    claims = {
        "d": device,
        "c": kind,
        "v": value,
        "t": int((at or utcnow()).timestamp()),
        "n": secrets.token_hex(16),
    }
    payload = _b64(json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode())
    return f"{VERSION}.{payload}.{_mac(secret, payload)}"


def parse(kiosk: Kiosk, token: str) -> Read:
    """The read, if this kiosk's device secret signed it (not yet checked for age or reuse)."""
    version, _, rest = (token or "")[:MAX_READ].partition(".")
    payload, _, mac = rest.partition(".")
    if version != VERSION or not payload or not mac:
        raise CardReadInvalid()
    if not secrets.compare_digest(_mac(kiosk.key_hash, payload).encode(), mac.encode()):
        raise CardReadInvalid()
    try:
        raw = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return Read(
            device=str(raw["d"]),
            kind=str(raw["c"]),
            value=str(raw["v"]),
            at=int(raw["t"]),
            nonce=str(raw["n"])[:32],
        )
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise CardReadInvalid() from None


def verify(session: Session, kiosk: Kiosk, token: str, *, source: str, kind: str, value: str) -> Read:
    """Checks that this kiosk's agent read `value` of `kind` on `source` just now, and spends
    the read (in the caller's transaction: a failed sign-in does not spend it)."""
    read = parse(kiosk, token)
    allowed = DEVICE_KINDS.get(read.device, ())
    signed_kind = kind if read.device == "scanner" and read.kind == SCAN else read.kind
    if (
        read.device != source
        or kind not in allowed
        or signed_kind != kind
        or not secrets.compare_digest(read.value.encode(), value.encode())
    ):
        raise CardReadInvalid()
    now = utcnow()
    age = now.timestamp() - read.at
    if age > MAX_AGE.total_seconds() or age < -CLOCK_SKEW.total_seconds():
        raise CardReadInvalid()
    # Spent reads are only needed until they would have been too old anyway.
    session.execute(delete(KioskCardReadUse).where(KioskCardReadUse.used_at < now - 2 * MAX_AGE))
    try:
        with session.begin_nested():
            session.add(KioskCardReadUse(nonce=read.nonce, kiosk_id=kiosk.id, used_at=now))
    except IntegrityError:
        raise CardReadReplayed() from None
    return read
