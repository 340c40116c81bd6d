"""A stay's discharge-medication orders, their drugs, every move of the machine, and the
delivery runs that carry the bags to the wards."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column

from bedside.core.db import Base, utcnow
from bedside.medication.states import MedState


class MedicationRun(Base):
    """One trip from the pharmacy to a ward with the bags packed for it."""

    __tablename__ = "medication_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("wards.id"), index=True)
    created_by: Mapped[str] = mapped_column(String(100))
    dispatched_at: Mapped[datetime] = mapped_column(default=utcnow)


class MedicationOrder(Base):
    __tablename__ = "medication_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("admission_notices.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default=MedState.ORDERED, index=True)
    source: Mapped[str] = mapped_column(String(10), default="console")  # console | his
    his_ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    ordered_by: Mapped[str] = mapped_column(String(100))
    ordered_at: Mapped[datetime] = mapped_column(default=utcnow)
    return_reason: Mapped[str | None] = mapped_column(String(300))
    # Printed on the bag as a Code 128 barcode; the ward scans it on receipt.
    bag_code: Mapped[str | None] = mapped_column(String(24), unique=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("medication_runs.id"), index=True)
    packed_at: Mapped[datetime | None]
    received_at: Mapped[datetime | None]
    received_by: Mapped[str | None] = mapped_column(String(100))
    counselled_at: Mapped[datetime | None]
    counselled_by: Mapped[str | None] = mapped_column(String(100))
    counsel_note: Mapped[str | None] = mapped_column(String(500))
    charges_posted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class MedicationItem(Base):
    __tablename__ = "medication_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("medication_orders.id", ondelete="CASCADE"), index=True)
    drug_code: Mapped[str] = mapped_column(String(40))
    drug_name: Mapped[str] = mapped_column(String(100))
    spec: Mapped[str] = mapped_column(String(100))
    unit: Mapped[str] = mapped_column(String(20))
    quantity: Mapped[int]
    dose: Mapped[str] = mapped_column(String(40))
    frequency: Mapped[str] = mapped_column(String(10))
    days: Mapped[int]
    instructions: Mapped[str | None] = mapped_column(String(300))
    unit_price_fen: Mapped[int]
    # Set when the pharmacy gave another drug: what was ordered and why it changed.
    substituted_from: Mapped[str | None] = mapped_column(String(300))


class MedicationTransition(Base):
    __tablename__ = "medication_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("medication_orders.id", ondelete="CASCADE"), index=True)
    from_state: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(default=utcnow)
