"""What the insurance platform answered, kept on Bedside's side: the visit (mdtrt_id) of each
insured stay, each charge line's fee detail on file there (feedetl_sn), each settlement
(setl_id and the platform's split). The platform's own books stay on the platform."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bedside.core.db import Base, utcnow


class InsuranceVisit(Base):
    __tablename__ = "insurance_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("admission_notices.id"), unique=True)
    psn_no: Mapped[str] = mapped_column(String(32))
    insutype: Mapped[str] = mapped_column(String(6))
    mdtrt_id: Mapped[str] = mapped_column(String(40), index=True)
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)
    discharge_registered_at: Mapped[datetime | None]


class InsuranceFeeDetail(Base):
    """A charge line as uploaded by 2301; on_file False once 2302 cancelled it or a 2305
    reversal dropped the visit's details (they are uploaded again before the next 2304)."""

    __tablename__ = "insurance_fee_details"
    __table_args__ = (UniqueConstraint("notice_id", "feedetl_sn"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("admission_notices.id"), index=True)
    charge_line_id: Mapped[int] = mapped_column(ForeignKey("charge_lines.id"), unique=True)
    feedetl_sn: Mapped[str] = mapped_column(String(30))
    init_feedetl_sn: Mapped[str | None] = mapped_column(String(30))
    amount_fen: Mapped[int]
    chrgitm_lv: Mapped[str] = mapped_column(String(4))
    on_file: Mapped[bool] = mapped_column(Boolean, default=True)
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class InsuranceSettlement(Base):
    __tablename__ = "insurance_settlements"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("admission_notices.id"), index=True)
    mdtrt_id: Mapped[str] = mapped_column(String(40))
    setl_id: Mapped[str] = mapped_column(String(40), unique=True)
    medins_setl_id: Mapped[str] = mapped_column(String(100))  # Bedside's request key
    msgid: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(20), default="settled")  # settled | reversed
    medfee_sumamt_fen: Mapped[int]
    fund_fen: Mapped[int]  # fund_pay_sumamt
    personal_account_fen: Mapped[int]  # acct_pay
    cash_fen: Mapped[int]  # psn_cash_pay
    balance_fen: Mapped[int]  # balc, the personal account after the settlement
    output: Mapped[dict[str, Any]] = mapped_column(JSON)
    reversal_setl_id: Mapped[str | None] = mapped_column(String(40))
    settled_at: Mapped[datetime] = mapped_column(default=utcnow)
    reversed_at: Mapped[datetime | None]
