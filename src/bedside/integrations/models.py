"""Registered machine clients; only a digest of each key is stored."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column

from bedside.core.db import Base, utcnow


class IntegrationClient(Base):
    __tablename__ = "integration_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    key_prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime | None]


class HisMessage(Base):
    """A feed message already applied, by the HIS's own message id: a resend answers the
    stored reply; the same id with a different body is refused."""

    __tablename__ = "his_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    body_sha256: Mapped[str] = mapped_column(String(64))
    reply: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class HisStayStatus(Base):
    """What the HIS last said about a stay's orders and charges; the ward-clearance guards
    read it when the HIS is the record of orders (BEDSIDE_HIS_RECORD includes "orders")."""

    __tablename__ = "his_stay_status"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(
        ForeignKey("admission_notices.id", ondelete="CASCADE"), unique=True
    )
    pending_orders: Mapped[int] = mapped_column(default=0)
    charges_closed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    message_id: Mapped[str] = mapped_column(String(64))
    reported_at: Mapped[datetime] = mapped_column(default=utcnow)


class HisPatientMerge(Base):
    """A patient the HIS merged into another; the merged-away row stays as a tombstone."""

    __tablename__ = "his_patient_merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    merged_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), unique=True)
    survivor_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    message_id: Mapped[str] = mapped_column(String(64))
    moved: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    merged_at: Mapped[datetime] = mapped_column(default=utcnow)


class HisDelivery(Base):
    """One write-back event to the HIS webhook. Per stream (a stay, or a patient without one)
    the rows go out strictly in id order: a row is sent only once every earlier row of its
    stream is acknowledged."""

    __tablename__ = "his_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The outbox event and kind it came from: a repeated handler run adds nothing.
    source: Mapped[str] = mapped_column(String(120), unique=True)
    stream: Mapped[str] = mapped_column(String(40), index=True)
    event: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(10), default="pending", index=True)  # pending|acked|failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_status: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    acked_at: Mapped[datetime | None]
