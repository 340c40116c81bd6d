"""The sandbox channel's own books. It plays the channel, so it keeps its own tables and
never reads Bedside's: what it knows is only what a real channel would know."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bedside.core.db import Base, utcnow


class SandboxKeys(Base):
    __tablename__ = "sandbox_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20), unique=True)
    private_pem: Mapped[str] = mapped_column(Text)
    public_pem: Mapped[str] = mapped_column(Text)
    serial: Mapped[str] = mapped_column(String(64))
    secret: Mapped[str] = mapped_column(String(64))  # WeChat's APIv3 key; empty elsewhere


class SandboxTrade(Base):
    __tablename__ = "sandbox_trades"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    out_trade_no: Mapped[str] = mapped_column(String(32), unique=True)
    transaction_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    trade_type: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(100))
    amount_fen: Mapped[int]
    state: Mapped[str] = mapped_column(String(20), default="NOTPAY")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    success_time: Mapped[datetime | None]
    refunded_fen: Mapped[int] = mapped_column(default=0)
    payer: Mapped[str] = mapped_column(String(64), default="")  # masked account, card or code
    pin_failures: Mapped[int] = mapped_column(default=0)


class SandboxRefund(Base):
    __tablename__ = "sandbox_refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    out_refund_no: Mapped[str] = mapped_column(String(32), unique=True)
    refund_id: Mapped[str] = mapped_column(String(64), unique=True)
    out_trade_no: Mapped[str] = mapped_column(String(32), index=True)
    amount_fen: Mapped[int]
    state: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SandboxNotification(Base):
    __tablename__ = "sandbox_notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    out_trade_no: Mapped[str] = mapped_column(String(32), index=True)
    headers: Mapped[dict[str, Any]] = mapped_column(JSON)
    body: Mapped[str] = mapped_column(Text)
    deliver_at: Mapped[datetime] = mapped_column(index=True)
    delivered_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)


class SandboxInsuranceAccount(Base):
    """An insured person's medical-insurance personal account (个人账户) at the simulated
    insurance platform, keyed by the insurance number on the card."""

    __tablename__ = "sandbox_insurance_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    insurance_no: Mapped[str] = mapped_column(String(32), unique=True)
    balance_fen: Mapped[int]
    # What the pooled fund has paid for this person this year (the annual cap counts it).
    year_fund_paid_fen: Mapped[int] = mapped_column(default=0, server_default="0")
