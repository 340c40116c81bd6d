"""Rollout tables: published kiosk software releases, rollouts and each kiosk's deployment."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from bedside.core.db import Base, utcnow


class SoftwareRelease(Base):
    """A signed kiosk bundle, checked against the release key when it was published."""

    __tablename__ = "fleet_releases"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(40), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    # Loaded only when a kiosk downloads it, never with a list of releases.
    bundle: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    notes: Mapped[str] = mapped_column(String(400), default="")
    published_by: Mapped[str] = mapped_column(String(100))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)


class Rollout(Base):
    __tablename__ = "fleet_rollouts"

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("fleet_releases.id"), index=True)
    # "rollout", or "rollback" for the one that puts the previous versions back.
    kind: Mapped[str] = mapped_column(String(10), default="rollout")
    state: Mapped[str] = mapped_column(String(20), index=True)
    stage: Mapped[int] = mapped_column(default=0)
    pilot_kiosk_id: Mapped[int | None] = mapped_column(ForeignKey("kiosks.id", ondelete="SET NULL"))
    max_error_rate_pct: Mapped[int] = mapped_column(default=0)
    soak_minutes: Mapped[int] = mapped_column(default=30)
    halted_reason: Mapped[str] = mapped_column(String(200), default="")
    rollback_of_id: Mapped[int | None] = mapped_column(ForeignKey("fleet_rollouts.id"))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    stage_started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]


class RolloutAction(Base):
    """One kiosk's deployment in a rollout; its id is the hawkBit action id the kiosk sees."""

    __tablename__ = "fleet_rollout_actions"
    __table_args__ = (Index("ix_fleet_rollout_actions_kiosk_state", "kiosk_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rollout_id: Mapped[int] = mapped_column(ForeignKey("fleet_rollouts.id", ondelete="CASCADE"), index=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id", ondelete="CASCADE"))
    release_id: Mapped[int] = mapped_column(ForeignKey("fleet_releases.id"))
    stage: Mapped[int]
    state: Mapped[str] = mapped_column(String(20))
    # What the kiosk ran before, so a rollback knows what to put back.
    from_version: Mapped[str] = mapped_column(String(40), default="")
    detail: Mapped[str] = mapped_column(String(300), default="")
    offered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
