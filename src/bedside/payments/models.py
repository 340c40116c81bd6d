"""Payment orders, channel notifications, refunds and idempotency records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bedside.core.db import Base, utcnow
from bedside.payments.states import PaymentState, RefundState


class PaymentOrder(Base):
    __tablename__ = "payment_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    out_trade_no: Mapped[str] = mapped_column(String(32), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("deposit_accounts.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(30))
    amount_fen: Mapped[int]
    channel: Mapped[str] = mapped_column(String(20))
    trade_type: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), default=PaymentState.CREATED, index=True)
    # The channel's own number; unique so one channel payment can be credited only once.
    channel_trade_no: Mapped[str | None] = mapped_column(String(64), unique=True)
    pay_params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    requested_by: Mapped[str] = mapped_column(String(100))
    place: Mapped[str] = mapped_column(String(40))  # phone | kiosk code | bedside
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    paid_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    refunded_fen: Mapped[int] = mapped_column(default=0)
    last_query_at: Mapped[datetime | None]


class PaymentTransition(Base):
    __tablename__ = "payment_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_order_id: Mapped[int] = mapped_column(ForeignKey("payment_orders.id"), index=True)
    from_state: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(30))
    to_state: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(30))  # notification | query | timeout | api
    at: Mapped[datetime] = mapped_column(default=utcnow)


class ChannelNotification(Base):
    """Every notification received, accepted or not: the raw trail for disputes."""

    __tablename__ = "channel_notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    notification_id: Mapped[str | None] = mapped_column(String(64))
    out_trade_no: Mapped[str | None] = mapped_column(String(32), index=True)
    channel_trade_no: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(30))  # credited | duplicate | rejected | late_refund | ...
    detail: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class Refund(Base):
    __tablename__ = "refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    out_refund_no: Mapped[str] = mapped_column(String(32), unique=True)
    payment_order_id: Mapped[int] = mapped_column(ForeignKey("payment_orders.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("deposit_accounts.id"), index=True)
    amount_fen: Mapped[int]
    route: Mapped[str] = mapped_column(String(20))
    rule: Mapped[str] = mapped_column(String(40))  # why it is on the list / this route
    reason: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20), default=RefundState.PENDING_APPROVAL, index=True)
    channel_refund_no: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    decided_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class IdempotencyRecord(Base):
    """The first answer to a money-moving request, replayed for any retry with the same key."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(60))
    key: Mapped[str] = mapped_column(String(100))
    fingerprint: Mapped[str] = mapped_column(String(64))
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CashNote(Base):
    """One banknote the kiosk's acceptor stacked, reported as it happens so that a kiosk that
    crashes mid-payment cannot lose the patient's money."""

    __tablename__ = "cash_notes"
    __table_args__ = (UniqueConstraint("payment_order_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_order_id: Mapped[int] = mapped_column(ForeignKey("payment_orders.id"), index=True)
    seq: Mapped[int]  # the acceptor's own counter within the session: a retried report is a no-op
    denomination_fen: Mapped[int]
    accepted_at: Mapped[datetime] = mapped_column(default=utcnow)
