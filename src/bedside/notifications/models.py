"""In-app messages, their deliveries on external channels, per-account preferences and the
console's template overrides. Text is rendered at read or send time, in the reader's language."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from bedside.core.db import Base, utcnow


class InboxMessage(Base):
    __tablename__ = "inbox_messages"
    # One event gives at most one message per account.
    __table_args__ = (UniqueConstraint("account_id", "dedupe_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id"))
    template: Mapped[str] = mapped_column(String(60))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    link: Mapped[str | None] = mapped_column(String(200))
    dedupe_key: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]


class NotificationDelivery(Base):
    """One message to one account on one external channel (see states.py for its lifecycle)."""

    __tablename__ = "notification_deliveries"
    # One event gives at most one message per recipient and channel, however often delivered.
    __table_args__ = (UniqueConstraint("account_id", "dedupe_key", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id"), index=True)
    template: Mapped[str] = mapped_column(String(60), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    dedupe_key: Mapped[str] = mapped_column(String(100))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    link: Mapped[str | None] = mapped_column(String(200))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    state: Mapped[str] = mapped_column(String(20), index=True)
    # opted_out | template_disabled | channel_disabled | no_address
    skip_reason: Mapped[str | None] = mapped_column(String(40))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    sent_at: Mapped[datetime | None]
    # The channel's own error code (WeChat errcode, an SMS vendor's code such as Tencent's
    # FailedOperation.TemplateParamSetNotMatchApprovedTemplate) and message of the last failure.
    error_code: Mapped[str | None] = mapped_column(String(80))
    last_error: Mapped[str | None] = mapped_column(Text)
    # The provider's id of the sent message (SMS BizId / SerialNo): its receipt names it.
    provider_ref: Mapped[str | None] = mapped_column(String(64), index=True)
    # The provider's delivery receipt: delivered | failed, the carrier's status code and when.
    receipt: Mapped[str | None] = mapped_column(String(20))
    receipt_code: Mapped[str | None] = mapped_column(String(40))
    receipt_at: Mapped[datetime | None]


class NotificationPreference(Base):
    """An account holder's choices; no row means the defaults (every channel on, quiet nights)."""

    __tablename__ = "notification_preferences"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), unique=True)
    sms: Mapped[bool] = mapped_column(Boolean, default=True)
    wechat: Mapped[bool] = mapped_column(Boolean, default=True)
    # On: non-urgent messages wait for the end of the hospital's quiet hours.
    quiet_hours: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class NotificationTemplate(Base):
    """An administrator's override of a template's code defaults (templates.TEMPLATES).
    An empty text means "the catalog translation of the default" for that language."""

    __tablename__ = "notification_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    title_zh: Mapped[str | None] = mapped_column(String(100))
    body_zh: Mapped[str | None] = mapped_column(Text)
    title_en: Mapped[str | None] = mapped_column(String(100))
    body_en: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(100))
