"""A deposit account per stay and its journal. Entries are never edited; a reversal is a new
entry pointing at the one it reverses."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from bedside.core.db import Base, utcnow


class EntryKind(StrEnum):
    DEPOSIT = "deposit"
    TOPUP = "topup"
    CHARGE = "charge"
    SETTLEMENT = "settlement"
    REFUND = "refund"
    SUPPLEMENTARY_PAYMENT = "supplementary_payment"
    REVERSAL = "reversal"
    # A fee (e.g. a medical record copy) passes through the stay's ledger: its payment in, and
    # the fee booked against it in the same transaction, so the deposit balance is unchanged.
    FEE_PAYMENT = "fee_payment"
    FEE = "fee"
    # Part of a charge line taken back (the HIS reversed part of its quantity): money returns.
    CHARGE_CORRECTION = "charge_correction"


# Sign of each kind: money in the patient's favour is positive.
ENTRY_SIGN: dict[str, int] = {
    EntryKind.DEPOSIT: 1,
    EntryKind.TOPUP: 1,
    EntryKind.SUPPLEMENTARY_PAYMENT: 1,
    EntryKind.CHARGE: -1,
    # Charges are posted line by line; at settlement what the insurance pays (pooled fund and
    # personal account) comes back to the stay, leaving the refund or the amount still due.
    EntryKind.SETTLEMENT: 1,
    EntryKind.REFUND: -1,
    EntryKind.FEE_PAYMENT: 1,
    EntryKind.FEE: -1,
    EntryKind.CHARGE_CORRECTION: 1,
}


class DepositAccount(Base):
    __tablename__ = "deposit_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    # The stay: the admission notice is the root of a stay until the admission issue adds one.
    notice_id: Mapped[int] = mapped_column(ForeignKey("admission_notices.id"), unique=True)
    # Set when the patient is given a bed: the ward's low-balance threshold applies from then.
    ward_id: Mapped[int | None] = mapped_column(ForeignKey("wards.id"))
    # Cache of the journal's sum, updated in the same transaction and checked against it.
    balance_fen: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("deposit_accounts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    amount_fen: Mapped[int]  # signed
    payment_order_id: Mapped[int | None] = mapped_column(index=True)
    refund_id: Mapped[int | None] = mapped_column(index=True)
    # One reversal per entry at most: the unique constraint makes a double reversal impossible.
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"), unique=True)
    memo: Mapped[str | None] = mapped_column(String(200))
    actor: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
