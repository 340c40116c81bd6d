"""A stay's discharge, its settlements (a reversed one stays on record) and the documents."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, LargeBinary, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from bedside.core.db import Base, utcnow
from bedside.discharge.states import DischargeState


class Discharge(Base):
    __tablename__ = "discharges"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("admission_notices.id"), unique=True)
    state: Mapped[str] = mapped_column(String(30), default=DischargeState.ORDERED, index=True)
    planned_date: Mapped[date]
    ordered_by: Mapped[str] = mapped_column(String(100))
    ordered_at: Mapped[datetime] = mapped_column(default=utcnow)
    has_medication: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    medication_handed_over: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    cleared_at: Mapped[datetime | None]
    reviewed_at: Mapped[datetime | None]
    review_note: Mapped[str | None] = mapped_column(String(500))
    # Set by the insurance officer or a rule: the stay is settled at a staffed window.
    window_reason: Mapped[str | None] = mapped_column(String(60))
    discharged_at: Mapped[datetime | None]


class DischargeTransition(Base):
    __tablename__ = "discharge_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    discharge_id: Mapped[int] = mapped_column(ForeignKey("discharges.id", ondelete="CASCADE"), index=True)
    from_state: Mapped[str] = mapped_column(String(30))
    action: Mapped[str] = mapped_column(String(30))
    to_state: Mapped[str] = mapped_column(String(30))
    actor: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Settlement(Base):
    __tablename__ = "settlements"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("admission_notices.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default="settled")  # settled | reversed
    request_key: Mapped[str] = mapped_column(String(100), unique=True)
    insurance_type: Mapped[str | None] = mapped_column(String(20))
    setl_id: Mapped[str | None] = mapped_column(String(40))
    total_fen: Mapped[int]
    fund_fen: Mapped[int]
    personal_account_fen: Mapped[int]
    cash_fen: Mapped[int]
    split: Mapped[dict[str, Any]] = mapped_column(JSON)
    paid_before_fen: Mapped[int]  # deposits and supplementary payments, net of earlier refunds
    refund_fen: Mapped[int]
    ledger_entry_id: Mapped[int | None]
    signature_png: Mapped[bytes | None] = mapped_column(LargeBinary)
    settled_by: Mapped[str] = mapped_column(String(100))
    settled_at: Mapped[datetime] = mapped_column(default=utcnow)
    reversed_at: Mapped[datetime | None]
    reversal_reason: Mapped[str | None] = mapped_column(Text)


class DischargeDocument(Base):
    """A document as issued: its bytes and hash are kept, so it can be fetched again and a
    copy brought to the verification page can be told genuine or altered."""

    __tablename__ = "discharge_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    settlement_id: Mapped[int] = mapped_column(ForeignKey("settlements.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # e_invoice | fee_list | settlement_list
    number: Mapped[str] = mapped_column(String(40), unique=True)
    check_code: Mapped[str] = mapped_column(String(12))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SettlementIntent(Base):
    """A settlement the patient signed while money was still owed: the supplementary payment
    it started, and what settles the stay once that payment is credited (the same act)."""

    __tablename__ = "settlement_intents"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("admission_notices.id"), index=True)
    request_key: Mapped[str] = mapped_column(String(100), unique=True)
    payment_order_id: Mapped[int] = mapped_column(ForeignKey("payment_orders.id"), unique=True)
    amount_fen: Mapped[int]
    signature_png: Mapped[bytes] = mapped_column(LargeBinary)
    # Who signed: the settlement is recorded as theirs, whoever finishes it.
    actor_kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None]
    actor_label: Mapped[str] = mapped_column(String(100))
    at_window: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    state: Mapped[str] = mapped_column(String(20), default="waiting")  # waiting | settled | failed
    settlement_id: Mapped[int | None] = mapped_column(ForeignKey("settlements.id"))
    error_code: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WindowCase(Base):
    """A stay sent to the staffed discharge window by an act (the patient disputing a charge);
    the other reasons are read from the stay as it is (discharge.window)."""

    __tablename__ = "discharge_window_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("admission_notices.id"), index=True)
    code: Mapped[str] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(String(500))
    opened_by: Mapped[str] = mapped_column(String(100))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_by: Mapped[str | None] = mapped_column(String(100))
    closed_at: Mapped[datetime | None]
