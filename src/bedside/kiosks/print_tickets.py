"""Print tickets: a short-lived, one-use permission for the kiosk agent to fetch one document
from the server by URL, so the page no longer carries the bytes.

A ticket is `<payload>.<mac>`: the payload (kiosk, patient, document path, locale, expiry,
nonce) in URL-safe base64 JSON, the MAC an HMAC-SHA256 of it under the server secret. It is
bound to the kiosk that asked for it; it is refused once expired, and refused the second time
(the nonce is recorded when it is redeemed).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bedside.core import audit
from bedside.core.db import utcnow
from bedside.core.errors import DomainError
from bedside.core.i18n import N_
from bedside.kiosks import service as kiosks_service
from bedside.kiosks.models import Kiosk, KioskPrintTicketUse
from bedside.settings import get_settings

TTL = timedelta(minutes=2)
MAX_TICKET = 1000
_DOCUMENT = re.compile(r"^/kiosk/[A-Za-z0-9_./-]{1,200}$")


class PrintTicketInvalid(DomainError):
    status = 403
    code = "print_ticket_invalid"
    message = N_("This print ticket is not valid.")


class PrintTicketExpired(DomainError):
    status = 410
    code = "print_ticket_expired"
    message = N_("This print ticket has expired. Please print again from the screen.")


class PrintTicketUsed(DomainError):
    status = 409
    code = "print_ticket_used"
    message = N_("This print ticket has already been used. Please print again from the screen.")


@dataclass(frozen=True)
class Claims:
    kiosk_id: int
    patient_id: int
    document: str
    locale: str
    expires: int
    nonce: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _mac(payload: str) -> str:
    key = hashlib.sha256(("print-ticket:" + get_settings().secret_key).encode()).digest()
    return _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())


def issue(kiosk: Kiosk, patient_id: int, document: str, locale: str) -> str:
    """A ticket for one document path this kiosk's signed-in patient may print."""
    if not _DOCUMENT.match(document) or ".." in document:
        raise PrintTicketInvalid()
    claims = {
        "k": kiosk.id,
        "p": patient_id,
        "d": document,
        "l": "en" if locale == "en" else "zh_CN",
        "e": int((utcnow() + TTL).timestamp()),
        "n": secrets.token_hex(16),
    }
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    return f"{payload}.{_mac(payload)}"


def _claims(ticket: str) -> Claims:
    payload, _, mac = (ticket or "")[:MAX_TICKET].partition(".")
    if not payload or not mac or not secrets.compare_digest(_mac(payload).encode(), mac.encode()):
        raise PrintTicketInvalid()
    try:
        raw = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return Claims(
            kiosk_id=int(raw["k"]),
            patient_id=int(raw["p"]),
            document=str(raw["d"]),
            locale=str(raw["l"]),
            expires=int(raw["e"]),
            nonce=str(raw["n"]),
        )
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise PrintTicketInvalid() from None


def redeem(session: Session, ticket: str, *, kiosk: Kiosk | None = None) -> Claims:
    """Checks the ticket and spends it. When the caller also shows a kiosk key (the agent
    does), it must be the ticket's kiosk's."""
    claims = _claims(ticket)
    owner = session.get(Kiosk, claims.kiosk_id)
    if owner is None or not owner.active or (kiosk is not None and kiosk.id != owner.id):
        raise PrintTicketInvalid()
    now = utcnow()
    if claims.expires <= int(now.timestamp()):
        raise PrintTicketExpired()
    # Spent tickets are only needed until they would have expired anyway.
    session.execute(delete(KioskPrintTicketUse).where(KioskPrintTicketUse.used_at < now - 2 * TTL))
    session.add(KioskPrintTicketUse(nonce=claims.nonce, kiosk_id=owner.id, used_at=now))
    audit.record(
        session,
        kiosks_service.actor_for(owner),
        "kiosk.print_ticket_redeemed",
        "kiosk",
        owner.id,
        patient_id=claims.patient_id,
        document=claims.document,
    )
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise PrintTicketUsed() from None
    return claims
