"""Charge lines. A correction is a new negative line pointing at the one it reverses."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bedside.core.db import Base, utcnow


class Category(StrEnum):
    WESTERN_DRUG = "western_drug"
    CHINESE_PATENT_DRUG = "chinese_patent_drug"
    HERBAL = "herbal"
    EXAM = "exam"
    LAB = "lab"
    TREATMENT = "treatment"
    SURGERY = "surgery"
    BED = "bed"
    NURSING = "nursing"
    MATERIAL = "material"
    OTHER = "other"


class ChargeLine(Base):
    __tablename__ = "charge_lines"
    __table_args__ = (UniqueConstraint("notice_id", "his_line_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("admission_notices.id"), index=True)
    # The HIS's own line number: posting the same line twice is a no-op.
    his_line_id: Mapped[str] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    spec: Mapped[str | None] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(30))
    insurance_class: Mapped[str] = mapped_column(String(1))
    unit_price_fen: Mapped[int]
    # Thousandths of a unit, so half a tablet or 0.25 of a vial stays an integer.
    quantity_milli: Mapped[int]
    amount_fen: Mapped[int]  # signed: a reversal is negative
    service_date: Mapped[date]
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    # A line may be reversed in parts (by quantity), so several lines may reverse one.
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("charge_lines.id"), index=True)
    ledger_entry_id: Mapped[int | None]
    posted_by: Mapped[str] = mapped_column(String(100))
    posted_at: Mapped[datetime] = mapped_column(default=utcnow)
