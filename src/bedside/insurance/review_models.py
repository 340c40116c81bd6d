"""The insurance review (医保审核) of a stay, line by line, and the scheme's catalogue it is
checked against (目录: each item's class, its usual daily dose, a class-B item's indication).
The catalogue is data a hospital loads (the demo loads a small one); with none loaded the
catalogue rules stay silent rather than flag every line."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from bedside.core.db import Base, utcnow
from bedside.insurance.review_states import LineState, ReviewState


class CatalogueItem(Base):
    __tablename__ = "insurance_catalogue_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    insurance_class: Mapped[str] = mapped_column(String(1))
    # The usual most per day, in thousandths of a unit like ChargeLine.quantity_milli.
    max_daily_milli: Mapped[int | None]
    # A class-B item paid only for an indication (限…): the words a diagnosis must contain.
    indication: Mapped[str | None] = mapped_column(String(200))
    indication_keywords: Mapped[list[str]] = mapped_column(JSON, default=list)


class InsuranceReview(Base):
    __tablename__ = "insurance_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("admission_notices.id"), unique=True)
    state: Mapped[str] = mapped_column(String(20), default=ReviewState.IN_REVIEW, index=True)
    # Stay-level findings (e.g. the share paid by the patient), as rule codes.
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(100))


class ReviewLine(Base):
    __tablename__ = "insurance_review_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("insurance_reviews.id", ondelete="CASCADE"), index=True)
    charge_line_id: Mapped[int] = mapped_column(ForeignKey("charge_lines.id"), unique=True)
    state: Mapped[str] = mapped_column(String(20), default=LineState.OPEN)
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The class the HIS billed; the line's own class becomes C while it is marked self-pay.
    original_class: Mapped[str] = mapped_column(String(1))
    reason: Mapped[str | None] = mapped_column(String(300))  # the officer's, when returned or self-pay
    answer: Mapped[str | None] = mapped_column(String(300))  # the ward's
    answered_by: Mapped[str | None] = mapped_column(String(100))
    answered_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
