"""Registering kiosks, checking their keys, and signing a patient in at one."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bedside.core import audit, ratelimit
from bedside.core.audit import Actor, AuditEvent
from bedside.core.auth import AuthSession, close_session, keyed_digest, open_session, token_digest
from bedside.core.db import utcnow
from bedside.core.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
)
from bedside.core.i18n import N_
from bedside.kiosks.models import Kiosk, KioskLoginCode
from bedside.patients.models import CredentialKind, Patient
from bedside.settings import get_settings

SESSION_KIND = "kiosk_patient"
MODULES = (
    "card_reader",
    "id_reader",
    "camera",
    "receipt_printer",
    "laser_printer",
    "stamper",
    "scanner",
    "pin_pad",
    "wristband_printer",
    "cash_acceptor",
    "face_payment",
)
KEY_PREFIX = "bk_"


class KioskKeyInvalid(DomainError):
    status = 401
    code = "kiosk_key_invalid"
    message = N_("This kiosk is not registered or its key is no longer valid.")


class KioskLoginFailed(DomainError):
    status = 401
    code = "kiosk_login_failed"
    message = N_("No patient matches these details. Please check and try again.")


def actor_for(kiosk: Kiosk) -> Actor:
    return Actor(kind="kiosk", id=kiosk.id, label=kiosk.code, kiosk_id=kiosk.id)


def _new_key(prefix: str | None = None) -> tuple[str, str]:
    prefix = prefix or secrets.token_hex(4)
    return prefix, f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(24)}"


def demo_key(code: str) -> str:
    """Deterministic in demo mode so `make demo` can print a working activation link each run."""
    secret = get_settings().secret_key
    prefix = keyed_digest(secret, f"kiosk-prefix:{code}")[:8]
    return f"{KEY_PREFIX}{prefix}_{keyed_digest(secret, f'kiosk-key:{code}')[:32]}"


def register(
    session: Session,
    actor: Actor,
    *,
    code: str,
    name: str,
    location: str,
    model: str,
    serial: str,
    modules: list[str],
    key: str | None = None,
) -> tuple[Kiosk, str]:
    """Registers a kiosk and returns its key, shown once (only its digest is stored)."""
    if actor.kind != "system" and not actor.has_role("admin"):
        raise Forbidden()
    code = code.strip().upper()
    if not code or len(code) > 32 or not code.replace("-", "").isalnum():
        raise InvalidInput(
            N_("Kiosk codes use letters, digits and dashes."), code="invalid_kiosk_code", field="code"
        )
    for label, value in (("name", name), ("location", location), ("model", model), ("serial", serial)):
        if not value.strip():
            raise InvalidInput(N_("Fill in every field."), code="field_required", field=label)
    unknown = [m for m in modules if m not in MODULES]
    if unknown:
        raise InvalidInput(N_("Unknown kiosk module."), code="invalid_module", field="modules")
    if session.scalar(select(Kiosk.id).where(Kiosk.code == code)) is not None:
        raise Conflict(N_("A kiosk with this code already exists."), code="kiosk_exists", field="code")
    if key is None:
        prefix, key = _new_key()
    else:
        prefix = key.removeprefix(KEY_PREFIX).split("_", 1)[0]
    kiosk = Kiosk(
        code=code,
        name=name.strip(),
        location=location.strip(),
        model=model.strip(),
        serial=serial.strip(),
        modules=sorted(set(modules)),
        key_prefix=prefix,
        key_hash=token_digest(key),
        registered_by=actor.id,
    )
    session.add(kiosk)
    session.flush()
    audit.record(session, actor, "kiosk.register", "kiosk", kiosk.id, code=code)
    session.commit()
    return kiosk, key


def rotate_key(session: Session, actor: Actor, kiosk_id: int) -> str:
    if not actor.has_role("admin"):
        raise Forbidden()
    kiosk = get(session, kiosk_id)
    prefix, key = _new_key()
    kiosk.key_prefix, kiosk.key_hash = prefix, token_digest(key)
    audit.record(session, actor, "kiosk.rotate_key", "kiosk", kiosk.id)
    session.commit()
    return key


def set_active(session: Session, actor: Actor, kiosk_id: int, active: bool) -> Kiosk:
    if not actor.has_role("admin"):
        raise Forbidden()
    kiosk = get(session, kiosk_id)
    kiosk.active = active
    audit.record(session, actor, "kiosk.activate" if active else "kiosk.deactivate", "kiosk", kiosk.id)
    session.commit()
    return kiosk


def get(session: Session, kiosk_id: int) -> Kiosk:
    kiosk = session.get(Kiosk, kiosk_id)
    if kiosk is None:
        raise NotFound(N_("Kiosk not found."), code="kiosk_not_found")
    return kiosk


def list_kiosks(session: Session) -> list[Kiosk]:
    return list(session.scalars(select(Kiosk).order_by(Kiosk.code)))


def authenticate(session: Session, key: str | None) -> Kiosk:
    if not key or not key.startswith(KEY_PREFIX) or "_" not in key[len(KEY_PREFIX) :]:
        raise KioskKeyInvalid()
    prefix = key[len(KEY_PREFIX) :].split("_", 1)[0]
    kiosk = session.scalar(select(Kiosk).where(Kiosk.key_prefix == prefix))
    if kiosk is None or not kiosk.active or not secrets.compare_digest(kiosk.key_hash, token_digest(key)):
        raise KioskKeyInvalid()
    now = utcnow()
    if kiosk.last_seen_at is None or now - kiosk.last_seen_at > timedelta(minutes=1):
        session.commit()  # the read ends first: see core.auth.touch
        kiosk.last_seen_at = now
        session.commit()
    return kiosk


# A QR code shown on the patient's phone (one use, two minutes).
PHONE_QR = "phone_qr"
LOGIN_KINDS = (
    CredentialKind.RESIDENT_ID,
    CredentialKind.INSURANCE_CARD,
    CredentialKind.HEALTH_CARD,
    CredentialKind.VISIT_CARD,
    CredentialKind.INPATIENT_NO,
)


PHONE_CODE_PREFIX = "BSK1:"
PHONE_CODE_TTL = timedelta(minutes=2)


def issue_phone_code(session: Session, account_id: int, patient_id: int) -> tuple[str, datetime]:
    """A code for the phone to show as a QR: valid two minutes, for one sign-in, for a patient
    the account acts for (the caller checks that)."""
    code = secrets.token_urlsafe(18)
    expires = utcnow() + PHONE_CODE_TTL
    session.add(
        KioskLoginCode(
            code_hash=token_digest(code), patient_id=patient_id, account_id=account_id, expires_at=expires
        )
    )
    session.commit()
    return PHONE_CODE_PREFIX + code, expires


# Where a credential came from: typed on the screen, or read by a device (a read counts only
# when the device agent signed it: see card_reads and signin).
SOURCES = ("keypad", "id_reader", "card_reader", "scanner", "camera")


def open_patient_session(
    session: Session,
    kiosk: Kiosk,
    patient: Patient,
    kind: str,
    *,
    source: str,
    elderly: bool = False,
    factor: str | None = None,
) -> str:
    """Opens the patient's session at this kiosk in the caller's transaction (audited)."""
    idle = idle_seconds(elderly)
    token = open_session(
        session, SESSION_KIND, patient.id, timedelta(minutes=15), kiosk_id=kiosk.id, idle_seconds=idle
    )
    audit.record(
        session,
        actor_for(kiosk),
        "kiosk.patient_login",
        "patient",
        patient.id,
        patient_id=patient.id,
        kind=kind,
        source=source if source in SOURCES else "keypad",
        factor=factor,
    )
    return token


ELDERLY_IDLE_FACTOR = 2


def idle_seconds(elderly: bool) -> int:
    """Elderly mode doubles the idle limit: slower readers and hands get more time."""
    base = get_settings().kiosk_idle_seconds
    return base * ELDERLY_IDLE_FACTOR if elderly else base


def set_elderly(session: Session, auth: AuthSession, on: bool) -> None:
    """Turning elderly mode on or off during a visit changes the session's idle limit too."""
    auth.idle_seconds = idle_seconds(on)
    auth.last_seen_at = utcnow()
    session.commit()


def login_method(session: Session, auth: AuthSession) -> tuple[str | None, str | None]:
    """(kind, source) of the sign-in that opened this kiosk session, from its audit row."""
    row = session.scalar(
        select(AuditEvent)
        .where(
            AuditEvent.action == "kiosk.patient_login",
            AuditEvent.kiosk_id == auth.kiosk_id,
            AuditEvent.patient_id == auth.subject_id,
            AuditEvent.at >= auth.created_at - timedelta(seconds=5),
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    if row is None:
        return None, None
    return row.detail.get("kind"), row.detail.get("source")


def _guess_rules() -> tuple[ratelimit.Rule, ratelimit.Rule]:
    """Failed sign-ins (card numbers, inpatient numbers, QR codes, faces) per kiosk, and per
    address for someone who holds the keys of several kiosks."""
    settings = get_settings()
    message = N_("Too many failed sign-ins at this kiosk. Please wait a few minutes or ask staff for help.")
    return (
        ratelimit.Rule(
            "kiosk_login_kiosk",
            settings.rate_limit_kiosk_login_per_kiosk,
            message,
            "kiosk_login_rate_limited",
        ),
        ratelimit.Rule(
            "kiosk_login_address",
            settings.rate_limit_kiosk_login_per_address,
            message,
            "kiosk_login_rate_limited",
        ),
    )


def limit_guesses(kiosk: Kiosk) -> None:
    per_kiosk, per_address = _guess_rules()
    ratelimit.limiter().check(per_kiosk, str(kiosk.id))
    ratelimit.limiter().check(per_address, ratelimit.client_address())


def count_failed_guess(kiosk: Kiosk) -> None:
    per_kiosk, per_address = _guess_rules()
    ratelimit.limiter().count(per_kiosk, str(kiosk.id))
    ratelimit.limiter().count(per_address, ratelimit.client_address())


def patient_logout(session: Session, kiosk: Kiosk, token: str | None, reason: str) -> None:
    close_session(session, SESSION_KIND, token)
    audit.record(session, actor_for(kiosk), "kiosk.patient_logout", "kiosk", kiosk.id, reason=reason)
    session.commit()
