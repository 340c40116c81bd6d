"""Care vendors (each with its own integration key and merchant number), the staff who work
for one, caregivers, care orders with their rates, the bills by day, and the vendors' ledger:
care money is recorded here, never as the patient's deposit."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bedside.companion.states import BillState, DayState
from bedside.core.db import Base, utcnow


class CareVendor(Base):
    __tablename__ = "care_vendors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    # The vendor's own merchant at the payment channel: its money is its own.
    merchant_no: Mapped[str] = mapped_column(String(32))
    key_prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CareVendorStaff(Base):
    """A care_vendor staff account and the one vendor it works for."""

    __tablename__ = "care_vendor_staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), unique=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("care_vendors.id"), index=True)


class Caregiver(Base):
    __tablename__ = "caregivers"

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("care_vendors.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(20))
    certificate_no: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CareOrder(Base):
    __tablename__ = "care_orders"
    __table_args__ = (UniqueConstraint("vendor_id", "vendor_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("care_vendors.id"), index=True)
    vendor_ref: Mapped[str] = mapped_column(String(64))
    notice_id: Mapped[int] = mapped_column(ForeignKey("admission_notices.id"), index=True)
    caregiver_id: Mapped[int] = mapped_column(ForeignKey("caregivers.id"))
    mode: Mapped[str] = mapped_column(String(12))  # one_to_one | shared
    share_count: Mapped[int] = mapped_column(default=1)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CareRate(Base):
    __tablename__ = "care_rates"
    __table_args__ = (UniqueConstraint("order_id", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("care_orders.id", ondelete="CASCADE"), index=True)
    effective_from: Mapped[date]
    daily_rate_fen: Mapped[int]


class CareBill(Base):
    __tablename__ = "care_bills"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("admission_notices.id"), index=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("care_vendors.id"), index=True)
    state: Mapped[str] = mapped_column(String(12), default=BillState.PENDING, index=True)
    total_fen: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    confirmed_by: Mapped[str | None] = mapped_column(String(100))
    payment_order_id: Mapped[int | None] = mapped_column(ForeignKey("payment_orders.id"))
    paid_at: Mapped[datetime | None]
    receipt_no: Mapped[str | None] = mapped_column(String(24), unique=True)


class CareDay(Base):
    __tablename__ = "care_days"
    __table_args__ = (UniqueConstraint("order_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("care_bills.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("care_orders.id"))
    day: Mapped[date]
    full: Mapped[bool]
    rate_fen: Mapped[int]
    share_count: Mapped[int]
    amount_fen: Mapped[int]
    state: Mapped[str] = mapped_column(String(12), default=DayState.BILLED)
    dispute_reason: Mapped[str | None] = mapped_column(String(300))
    vendor_answer: Mapped[str | None] = mapped_column(String(300))


class CareLedgerEntry(Base):
    """Money received for a vendor: apart from the hospital's deposit ledger."""

    __tablename__ = "care_ledger_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("care_vendors.id"), index=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("care_bills.id"))
    merchant_no: Mapped[str] = mapped_column(String(32))
    amount_fen: Mapped[int]
    payment_order_id: Mapped[int] = mapped_column(ForeignKey("payment_orders.id"), unique=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
