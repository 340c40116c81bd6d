"""The bills the fiscal platform numbered for Bedside's businesses, with the red-letter bill
that reversed one. The business serial (业务流水号) is the platform's idempotency key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from bedside.core.db import Base, utcnow
from bedside.einvoice.states import BillState


class EInvoiceBill(Base):
    __tablename__ = "einvoice_bills"

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # inpatient | deposit
    notice_id: Mapped[int] = mapped_column(ForeignKey("admission_notices.id"), index=True)
    settlement_id: Mapped[int | None] = mapped_column(ForeignKey("settlements.id"), index=True)
    payment_order_id: Mapped[int | None] = mapped_column(ForeignKey("payment_orders.id"))
    state: Mapped[str] = mapped_column(String(20), default=BillState.PENDING)
    total_fen: Mapped[int]
    batch_code: Mapped[str | None] = mapped_column(String(20))
    number: Mapped[str | None] = mapped_column(String(20))
    check_code: Mapped[str | None] = mapped_column(String(12))
    issued_at: Mapped[datetime | None]
    qr_content: Mapped[str | None] = mapped_column(String(500))
    red_batch_code: Mapped[str | None] = mapped_column(String(20))
    red_number: Mapped[str | None] = mapped_column(String(20))
    red_check_code: Mapped[str | None] = mapped_column(String(12))
    red_issued_at: Mapped[datetime | None]
    red_qr_content: Mapped[str | None] = mapped_column(String(500))
    reversal_reason: Mapped[str | None] = mapped_column(String(300))
    # Calls made for this bill: after the first, the platform is asked by serial before issuing.
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
