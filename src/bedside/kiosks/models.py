"""Registered kiosk devices."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from bedside.core.db import Base, utcnow


class Kiosk(Base):
    __tablename__ = "kiosks"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    location: Mapped[str] = mapped_column(String(200))
    model: Mapped[str] = mapped_column(String(100))
    serial: Mapped[str] = mapped_column(String(100))
    modules: Mapped[list[str]] = mapped_column(JSON, default=list)
    key_prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)
    registered_by: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime | None]


class KioskStatus(Base):
    """The latest telemetry of a kiosk (one row per kiosk, replaced on every report)."""

    __tablename__ = "kiosk_status"

    id: Mapped[int] = mapped_column(primary_key=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id", ondelete="CASCADE"), unique=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    software_version: Mapped[str] = mapped_column(String(40))
    modules: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    consumables: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    last_error: Mapped[str | None] = mapped_column(String(300))
    transactions: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)


class KioskTelemetry(Base):
    """Every report, for the fleet-ops history (pruned after a retention period)."""

    __tablename__ = "kiosk_telemetry"

    id: Mapped[int] = mapped_column(primary_key=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id", ondelete="CASCADE"), index=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)


class KioskLoginCode(Base):
    """A short-lived, one-use code shown on the patient's phone and scanned at a kiosk."""

    __tablename__ = "kiosk_login_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_kiosk_id: Mapped[int | None]


class FaceConsent(Base):
    """A patient's consent to face sign-in: who, when, at which kiosk, which wording. Kept after
    withdrawal (with when and how), as the record that the template existed lawfully."""

    __tablename__ = "face_consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    kiosk_id: Mapped[int | None] = mapped_column(ForeignKey("kiosks.id"))
    text_version: Mapped[str] = mapped_column(String(40))
    consented_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]
    withdrawn_via: Mapped[str | None] = mapped_column(String(20))  # kiosk | phone


class FaceEnrolment(Base):
    """The matcher's template of one patient's face (never the photo); deleted on withdrawal."""

    __tablename__ = "face_enrolments"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), unique=True)
    consent_id: Mapped[int] = mapped_column(ForeignKey("face_consents.id"))
    # Templates of different matchers cannot be compared; a new matcher needs re-enrolment.
    matcher: Mapped[str] = mapped_column(String(40))
    template: Mapped[bytes] = mapped_column(LargeBinary)
    kiosk_id: Mapped[int | None] = mapped_column(ForeignKey("kiosks.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Templates unused for the retention period are deleted (see face.prune_unused).
    last_used_at: Mapped[datetime | None]


class KioskPrintTicketUse(Base):
    """A print ticket the agent has redeemed: one row per ticket nonce makes each ticket one-use."""

    __tablename__ = "kiosk_print_ticket_uses"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce: Mapped[str] = mapped_column(String(32), unique=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id", ondelete="CASCADE"))
    used_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class KioskCardReadUse(Base):
    """A card read the kiosk agent signed and a sign-in used: one row per read nonce makes
    each signed read one-use, so a read captured once cannot be sent again."""

    __tablename__ = "kiosk_card_read_uses"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce: Mapped[str] = mapped_column(String(32), unique=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id", ondelete="CASCADE"))
    used_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
