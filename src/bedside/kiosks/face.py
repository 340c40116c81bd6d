"""Face sign-in at a kiosk: the matcher interface, its simulator, consent, enrolment,
identification with a limited number of tries, and withdrawal.

Only the matcher's template is stored, never the picture: the page hands the camera's frame to
the server, the matcher turns it into a template (enrolment) or compares it with the enrolled
templates (sign-in), and the frame is dropped when the request ends.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Literal, Protocol

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bedside.core import audit
from bedside.core.audit import Actor, AuditEvent
from bedside.core.auth import keyed_digest
from bedside.core.db import utcnow
from bedside.core.errors import DomainError, InvalidInput, NotFound
from bedside.core.i18n import N_
from bedside.kiosks import service as kiosks_service
from bedside.kiosks.models import FaceConsent, FaceEnrolment, Kiosk
from bedside.patients import service as patients_service
from bedside.patients.models import Patient
from bedside.settings import get_settings

# The wording the patient agreed to; bump it when the consent text changes, so each consent
# row says which text it was given to.
CONSENT_VERSION = "face-consent-2026-11"
MAX_TRIES = 3
ATTEMPT_TTL = timedelta(minutes=5)
MAX_IMAGE_BYTES = 2 << 20
# A template nobody has signed in with for this long is deleted (the consent text says so).
RETENTION = timedelta(days=365)
LOGIN_KIND = "face"


class FaceSettings(BaseSettings):
    """BEDSIDE_FACE_*: which matcher, and the score a match needs."""

    model_config = SettingsConfigDict(env_prefix="BEDSIDE_FACE_", env_file=".env", extra="ignore")

    # "off" unless set; the simulator trusts a tag in the picture, so it is for demos and tests
    # only (demo mode turns it on by default).
    matcher: Literal["off", "simulator"] | None = None
    match_threshold: float = Field(default=0.80, gt=0, le=1)


@lru_cache
def face_settings() -> FaceSettings:
    return FaceSettings()


# --- The matcher --------------------------------------------------------------------------


class NoFaceFound(Exception):
    """The picture holds no usable face (nobody there, too blurred, not a picture)."""


@dataclass(frozen=True)
class MatchResult:
    candidate_id: int | None
    score: float


class FaceMatcher(Protocol):
    name: str

    def enrol(self, image: bytes) -> bytes:
        """The template to keep for this face; raises NoFaceFound."""
        ...

    def match(self, image: bytes, candidates: Sequence[tuple[int, bytes]]) -> MatchResult:
        """The candidate (id, template) most like the face in the picture, and how alike
        (0-1); raises NoFaceFound."""
        ...


SIM_TAG = b"bedside-sim:"
SIM_MATCH_SCORE = 0.96


def sim_subject(image: bytes) -> tuple[str, int] | None:
    """Who the simulated camera says stands in front of it, and the picture's quality (0-100),
    from the JPEG comment the kiosk agent's simulator writes ("<subject>" or "<subject>;q=<n>")."""
    from PIL import Image, UnidentifiedImageError  # only the simulated camera reads pictures here

    try:
        with Image.open(io.BytesIO(image)) as picture:
            comment = picture.info.get("comment", b"")
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    if not isinstance(comment, bytes) or not comment.startswith(SIM_TAG):
        return None
    subject, _, quality = comment[len(SIM_TAG) :].decode(errors="replace").partition(";q=")
    return subject, int(quality) if quality.isdigit() and int(quality) <= 100 else 100


class SimulatedFaceMatcher:
    """Deterministic: the template is a keyed digest of who the simulated camera says it saw,
    so the same demo person always matches, and a "stranger" frame (a fresh random template
    each time) never matches anyone, itself included."""

    name = "simulator-1"

    def __init__(self, secret: str) -> None:
        self._secret = secret.encode()

    def _template(self, image: bytes) -> tuple[bytes, int]:
        found = sim_subject(image)
        if found is None or found[0] in ("", "nobody"):
            raise NoFaceFound()
        subject, quality = found
        if subject == "stranger":
            return secrets.token_bytes(32), quality
        return hmac.new(self._secret, b"face:" + subject.encode(), hashlib.sha256).digest(), quality

    def enrol(self, image: bytes) -> bytes:
        template, quality = self._template(image)
        if quality < 50:
            raise NoFaceFound()
        return template

    def match(self, image: bytes, candidates: Sequence[tuple[int, bytes]]) -> MatchResult:
        probe, quality = self._template(image)
        best: MatchResult = MatchResult(None, 0.0)
        for candidate_id, template in candidates:
            if hmac.compare_digest(probe, template):
                score = round(SIM_MATCH_SCORE * quality / 100, 3)
            else:
                # A stable low likeness between two different faces.
                score = 0.1 + (hashlib.sha256(probe + template).digest()[0] % 30) / 100
            if score > best.score:
                best = MatchResult(candidate_id, score)
        return best


_override: FaceMatcher | None = None


def use_matcher(matcher: FaceMatcher | None) -> None:
    """Installs a matcher (a real backend, or a test's); None goes back to the settings."""
    global _override
    _override = matcher


def matcher() -> FaceMatcher | None:
    """The configured matcher, or None when face sign-in is off."""
    if _override is not None:
        return _override
    choice = face_settings().matcher or ("simulator" if get_settings().demo else "off")
    if choice == "simulator":
        return SimulatedFaceMatcher(get_settings().secret_key)
    return None


def available(kiosk: Kiosk) -> bool:
    return matcher() is not None and "camera" in (kiosk.modules or [])


# --- Errors -------------------------------------------------------------------------------


class FaceUnavailable(DomainError):
    status = 409
    code = "face_unavailable"
    message = N_("Face sign-in is not available at this kiosk. Please use a card or number.")


class FaceAttemptInvalid(DomainError):
    status = 409
    code = "face_attempt_invalid"
    message = N_("This face sign-in has expired. Please start again.")


class FaceNotMatched(DomainError):
    status = 401
    code = "face_not_matched"
    message = N_(
        "Your face was not recognised. Please look straight at the camera and try again "
        "(%(left)d tries left)."
    )


class FaceTriesExhausted(DomainError):
    status = 401
    code = "face_tries_exhausted"
    message = N_(
        "Your face could not be recognised. Please sign in with your ID card, another card or "
        "your inpatient number."
    )


class FaceNotFound(DomainError):
    status = 422
    code = "face_not_found"
    message = N_(
        "No face could be seen. Please stand in front of the screen and look at the camera "
        "(%(left)d tries left)."
    )


class FaceEnrolNotAllowed(DomainError):
    status = 403
    code = "face_enrol_needs_id_card"
    message = N_("To set up face sign-in, sign in with your resident ID card on the reader first.")


def _image(data: bytes) -> bytes:
    if not data or len(data) > MAX_IMAGE_BYTES:
        raise InvalidInput(N_("The camera picture is missing or too large."), code="invalid_image")
    return data


# --- Sign-in ------------------------------------------------------------------------------


def _attempt_token(kiosk: Kiosk, attempt_id: int) -> str:
    mac = keyed_digest(get_settings().secret_key, f"face-attempt:{kiosk.id}:{attempt_id}")[:32]
    return f"{attempt_id}.{mac}"


def start_attempt(session: Session, kiosk: Kiosk) -> str:
    """The patient agreed to be looked at: up to MAX_TRIES captures under the token returned."""
    if not available(kiosk):
        raise FaceUnavailable()
    kiosks_service.limit_guesses(kiosk)
    row = audit.record(
        session,
        kiosks_service.actor_for(kiosk),
        "kiosk.face_attempt",
        "kiosk",
        kiosk.id,
        consent_version=CONSENT_VERSION,
    )
    session.flush()
    session.commit()
    return _attempt_token(kiosk, row.id)


def _attempt(session: Session, kiosk: Kiosk, token: str) -> AuditEvent:
    head = (token or "").partition(".")[0]
    if not head.isdigit() or len(head) > 10 or int(head) > 2**31 - 1:
        raise FaceAttemptInvalid()
    if not secrets.compare_digest(_attempt_token(kiosk, int(head)).encode(), (token or "").encode()):
        raise FaceAttemptInvalid()
    row = session.get(AuditEvent, int(head))
    if row is None or row.action != "kiosk.face_attempt" or row.at <= utcnow() - ATTEMPT_TTL:
        raise FaceAttemptInvalid()
    return row


def tries_used(session: Session, attempt: AuditEvent) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.action == "kiosk.patient_login_failed",
                AuditEvent.entity_type == "face_attempt",
                AuditEvent.entity_id == str(attempt.id),
            )
        )
        or 0
    )


def login(
    session: Session, kiosk: Kiosk, attempt_token: str, image: bytes, *, elderly: bool = False
) -> tuple[Patient, str]:
    """Signs in the enrolled patient whose face this is. Each miss counts against the kiosk's
    guess limit like a wrong card number; after MAX_TRIES misses the attempt is over and the
    patient is sent to the other credentials."""
    face = matcher()
    if face is None or "camera" not in (kiosk.modules or []):
        raise FaceUnavailable()
    attempt = _attempt(session, kiosk, attempt_token)
    used = tries_used(session, attempt)
    if used >= MAX_TRIES:
        raise FaceTriesExhausted()
    kiosks_service.limit_guesses(kiosk)
    image = _image(image)
    candidates = [
        (row.patient_id, row.template)
        for row in session.scalars(select(FaceEnrolment).where(FaceEnrolment.matcher == face.name))
    ]
    session.commit()  # no transaction held while the matcher works
    threshold = face_settings().match_threshold
    try:
        result = face.match(image, candidates)
        outcome = "matched" if result.candidate_id is not None and result.score >= threshold else "no_match"
    except NoFaceFound:
        result, outcome = MatchResult(None, 0.0), "no_face"
    if outcome == "matched" and result.candidate_id is not None:
        patient = patients_service.get(session, result.candidate_id)
        used_row = enrolment_for(session, patient.id)
        if used_row is not None:
            used_row.last_used_at = utcnow()
        token = kiosks_service.open_patient_session(
            session, kiosk, patient, LOGIN_KIND, source="camera", elderly=elderly
        )
        session.commit()
        return patient, token
    audit.record(
        session,
        kiosks_service.actor_for(kiosk),
        "kiosk.patient_login_failed",
        "face_attempt",
        attempt.id,
        kind=LOGIN_KIND,
        outcome=outcome,
        score=round(result.score, 3),
    )
    session.commit()
    kiosks_service.count_failed_guess(kiosk)
    if used + 1 >= MAX_TRIES:
        raise FaceTriesExhausted()
    if outcome == "no_face":
        raise FaceNotFound(params={"left": MAX_TRIES - used - 1})
    raise FaceNotMatched(params={"left": MAX_TRIES - used - 1})


# --- Enrolment and withdrawal -------------------------------------------------------------


def enrolment_for(session: Session, patient_id: int) -> FaceEnrolment | None:
    return session.scalar(select(FaceEnrolment).where(FaceEnrolment.patient_id == patient_id))


def may_enrol(kind: str | None, source: str | None) -> bool:
    """Only a patient who signed in with the resident ID card on the reader: the card in the
    reader is what ties this face to this identity."""
    return kind == "resident_id" and source == "id_reader"


def enrol(
    session: Session,
    kiosk: Kiosk,
    patient_id: int,
    image: bytes,
    *,
    login_kind: str | None,
    login_source: str | None,
    agreed_version: str,
) -> FaceEnrolment:
    """Keeps the template of the face in `image` for this patient, with the consent recorded
    (a second enrolment replaces the first, with a new consent)."""
    face = matcher()
    if face is None or "camera" not in (kiosk.modules or []):
        raise FaceUnavailable()
    if not may_enrol(login_kind, login_source):
        raise FaceEnrolNotAllowed()
    if agreed_version != CONSENT_VERSION:
        raise InvalidInput(
            N_("Please read and agree to the consent first."), code="face_consent_required", field="agree"
        )
    image = _image(image)
    try:
        template = face.enrol(image)
    except NoFaceFound:
        raise FaceNotFound(
            N_("No face could be seen. Please stand in front of the screen and look at the camera.")
        ) from None
    actor = kiosks_service.actor_for(kiosk)
    previous = enrolment_for(session, patient_id)
    if previous is not None:
        _withdraw_consent(session, previous.consent_id, "kiosk")
        session.delete(previous)
        session.flush()
    consent = FaceConsent(patient_id=patient_id, kiosk_id=kiosk.id, text_version=CONSENT_VERSION)
    session.add(consent)
    session.flush()
    row = FaceEnrolment(
        patient_id=patient_id, consent_id=consent.id, matcher=face.name, template=template, kiosk_id=kiosk.id
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "face.enrol",
        "face_enrolment",
        row.id,
        patient_id=patient_id,
        consent_id=consent.id,
        text_version=CONSENT_VERSION,
        matcher=face.name,
    )
    session.commit()
    return row


def _withdraw_consent(session: Session, consent_id: int, via: str) -> None:
    consent = session.get(FaceConsent, consent_id)
    if consent is not None and consent.withdrawn_at is None:
        consent.withdrawn_at, consent.withdrawn_via = utcnow(), via


def withdraw(session: Session, actor: Actor, patient_id: int, *, via: Literal["kiosk", "phone"]) -> None:
    """Deletes the patient's template; the consent row keeps when and how it was withdrawn.
    The caller has checked that the actor may act for this patient."""
    row = enrolment_for(session, patient_id)
    if row is None:
        raise NotFound(N_("Face sign-in is not set up."), code="face_not_enrolled")
    _withdraw_consent(session, row.consent_id, via)
    audit.record(session, actor, "face.withdraw", "face_enrolment", row.id, patient_id=patient_id, via=via)
    session.delete(row)
    session.commit()


def consents_for(session: Session, patient_id: int) -> list[FaceConsent]:
    return list(
        session.scalars(
            select(FaceConsent).where(FaceConsent.patient_id == patient_id).order_by(FaceConsent.id.desc())
        )
    )


def prune_unused(session: Session) -> int:
    """Deletes templates unused for RETENTION (daily timer); their consents record why."""
    cutoff = utcnow() - RETENTION
    rows = list(
        session.scalars(
            select(FaceEnrolment).where(
                func.coalesce(FaceEnrolment.last_used_at, FaceEnrolment.created_at) < cutoff
            )
        )
    )
    for row in rows:
        _withdraw_consent(session, row.consent_id, "expired")
        audit.record(
            session, audit.SYSTEM, "face.expire", "face_enrolment", row.id, patient_id=row.patient_id
        )
        session.delete(row)
    session.commit()
    return len(rows)
