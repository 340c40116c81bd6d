"""A reconciliation day, the statement files imported for it, their rows, the cash-box counts
and the discrepancies found, each worked to closure."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bedside.core.db import Base, utcnow


class ReconDay(Base):
    """One business day of the hospital, all channels; closed means immutable."""

    __tablename__ = "recon_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    bill_date: Mapped[date] = mapped_column(unique=True)
    state: Mapped[str] = mapped_column(String(20))
    opened_by: Mapped[str] = mapped_column(String(100))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_by: Mapped[str | None] = mapped_column(String(100))
    closed_at: Mapped[datetime | None]
    # Per channel: count, amount, refunds, fees, net, as the statements say (set by each run).
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class StatementImport(Base):
    """One channel's file for one day. The file's digest makes a second import of the same
    file a no-op; a different file for a day already imported is refused."""

    __tablename__ = "recon_imports"
    __table_args__ = (UniqueConstraint("day_id", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day_id: Mapped[int] = mapped_column(ForeignKey("recon_days.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    file_name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int]
    amount_fen: Mapped[int]
    refund_fen: Mapped[int]
    fee_fen: Mapped[int]
    imported_by: Mapped[str] = mapped_column(String(100))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)


class StatementRow(Base):
    """One payment or refund as the channel reports it (amounts positive fen)."""

    __tablename__ = "recon_statement_rows"

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("recon_imports.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # payment | refund
    at: Mapped[datetime]
    out_trade_no: Mapped[str] = mapped_column(String(64), index=True)
    channel_trade_no: Mapped[str] = mapped_column(String(64))
    out_refund_no: Mapped[str | None] = mapped_column(String(64))
    amount_fen: Mapped[int]
    fee_fen: Mapped[int]
    status: Mapped[str] = mapped_column(String(20))


class CashCount(Base):
    """What the cashier counted in a kiosk's cash box for a day."""

    __tablename__ = "recon_cash_counts"
    __table_args__ = (UniqueConstraint("day_id", "kiosk_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day_id: Mapped[int] = mapped_column(ForeignKey("recon_days.id"), index=True)
    kiosk_code: Mapped[str] = mapped_column(String(40))
    counted_fen: Mapped[int]
    counted_by: Mapped[str] = mapped_column(String(100))
    counted_at: Mapped[datetime] = mapped_column(default=utcnow)


class Discrepancy(Base):
    __tablename__ = "recon_discrepancies"
    __table_args__ = (UniqueConstraint("day_id", "channel", "kind", "ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day_id: Mapped[int] = mapped_column(ForeignKey("recon_days.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(30))
    # The order, refund or kiosk number it is about: with the kind, one discrepancy per thing.
    ref: Mapped[str] = mapped_column(String(64))
    channel_trade_no: Mapped[str | None] = mapped_column(String(64))
    ours_fen: Mapped[int | None]
    theirs_fen: Mapped[int | None]
    our_state: Mapped[str | None] = mapped_column(String(20))
    their_state: Mapped[str | None] = mapped_column(String(20))
    suggested_action: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), index=True)
    assignee: Mapped[str | None] = mapped_column(String(100))
    notes: Mapped[str] = mapped_column(Text, default="")
    resolution: Mapped[str | None] = mapped_column(String(200))
    resolved_by: Mapped[str | None] = mapped_column(String(100))
    approved_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class InTransit(Base):
    """An order we recorded paid just before the day cut that the channel's file of that day
    lacks: held, not a discrepancy, and matched against the next day's file."""

    __tablename__ = "recon_in_transit"
    __table_args__ = (UniqueConstraint("channel", "out_trade_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day_id: Mapped[int] = mapped_column(ForeignKey("recon_days.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    out_trade_no: Mapped[str] = mapped_column(String(64))
    amount_fen: Mapped[int]
    paid_at: Mapped[datetime]
    matched_day_id: Mapped[int | None] = mapped_column(ForeignKey("recon_days.id"))
