"""Many entries to one stay's account at once (a batch of charge lines from the HIS): the
account locked once, the entries inserted together, the balance moved once. The same rules
as `service.post` and `service.reverse`, checked for the whole batch before anything is
written. Callers own the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from bedside.core.audit import Actor
from bedside.core.bulk import insert_ids
from bedside.core.db import utcnow
from bedside.core.errors import Conflict, InvalidInput, NotFound
from bedside.core.i18n import N_
from bedside.deposits.models import ENTRY_SIGN, DepositAccount, EntryKind, LedgerEntry
from bedside.deposits.service import warn_if_low
from bedside.hospital import service as hospital_service


@dataclass(frozen=True)
class NewEntry:
    """`amount_fen` is the positive size and the kind gives the sign, as for `service.post`;
    a reversal names the entry it cancels and takes its amount from it."""

    kind: str
    amount_fen: int = 0
    memo: str | None = None
    reverses_id: int | None = None

    @classmethod
    def reversal(cls, entry_id: int, reason: str) -> NewEntry:
        return cls(EntryKind.REVERSAL, memo=(reason or "")[:200] or None, reverses_id=entry_id)


def lock_for_notice(session: Session, patient_id: int, notice_id: int) -> DepositAccount:
    """The stay's account, locked until the transaction ends and read afresh (its balance
    may have moved since the session last saw it); created on first use."""
    account = session.scalar(
        select(DepositAccount)
        .where(DepositAccount.notice_id == notice_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if account is None:
        account = DepositAccount(patient_id=patient_id, notice_id=notice_id)
        session.add(account)
        session.flush()
    return account


@dataclass(frozen=True)
class Prepared:
    """Entries checked and turned into rows before the write transaction, so that it holds
    SQLite's write lock only to insert them; the account and what a reversal takes from its
    original are filled in by `post_many`."""

    rows: list[dict[str, Any]]
    reverses: list[int]  # the entries each reversal row cancels, in row order


def prepare(entries: Sequence[NewEntry], actor: Actor) -> Prepared:
    label = f"{actor.kind}:{actor.id or actor.label}"[:100]
    now = utcnow()
    rows = [
        {
            "account_id": None,
            "kind": e.kind,
            "amount_fen": 0 if e.reverses_id is not None else _signed(e),
            "payment_order_id": None,
            "refund_id": None,
            "reverses_id": e.reverses_id,
            "memo": e.memo,
            "actor": label,
            "created_at": now,
        }
        for e in entries
    ]
    return Prepared(rows, [e.reverses_id for e in entries if e.reverses_id is not None])


def post_many(session: Session, account: DepositAccount, prepared: Prepared) -> list[int]:
    """Appends the prepared entries to `account` (locked by the caller) in order; returns
    their ids."""
    if not prepared.rows:
        return []
    originals = _originals(session, account, prepared.reverses)
    for row in prepared.rows:
        row["account_id"] = account.id
        if row["reverses_id"] is not None:
            row["amount_fen"], row["payment_order_id"], row["refund_id"] = originals[row["reverses_id"]]
    ids = insert_ids(session, LedgerEntry, prepared.rows)
    before = account.balance_fen
    account.balance_fen = before + sum(row["amount_fen"] for row in prepared.rows)
    session.flush()
    threshold = None
    if account.balance_fen < before and account.ward_id is not None:
        threshold = hospital_service.get_ward(session, account.ward_id).low_balance_threshold_fen
    warn_if_low(session, account, ids[-1], before, threshold)
    return ids


def _signed(e: NewEntry) -> int:
    if e.kind not in ENTRY_SIGN:
        raise InvalidInput(N_("Unknown ledger entry kind."), code="invalid_entry_kind")
    if isinstance(e.amount_fen, bool) or not isinstance(e.amount_fen, int) or e.amount_fen <= 0:
        raise InvalidInput(N_("The amount must be a positive number of fen."), code="invalid_amount")
    return ENTRY_SIGN[e.kind] * e.amount_fen


def _originals(
    session: Session, account: DepositAccount, entry_ids: list[int]
) -> dict[int, tuple[int, int | None, int | None]]:
    """For each entry to reverse: the reversal's signed amount and the payment or refund it
    carries over; refused as `service.reverse` refuses, or when it is another account's."""
    if not entry_ids:
        return {}
    if len(set(entry_ids)) != len(entry_ids):
        raise Conflict(N_("This entry has already been reversed."), code="already_reversed")
    reverser = aliased(LedgerEntry)
    found = {
        row.id: row
        for row in session.execute(
            select(
                LedgerEntry.id,
                LedgerEntry.account_id,
                LedgerEntry.kind,
                LedgerEntry.amount_fen,
                LedgerEntry.payment_order_id,
                LedgerEntry.refund_id,
                reverser.id.label("reversed_by"),
            )
            .outerjoin(reverser, reverser.reverses_id == LedgerEntry.id)
            .where(LedgerEntry.id.in_(entry_ids))
        )
    }
    out: dict[int, tuple[int, int | None, int | None]] = {}
    for entry_id in entry_ids:
        row = found.get(entry_id)
        if row is None or row.account_id != account.id:
            raise NotFound(N_("Ledger entry not found."), code="ledger_entry_not_found")
        if row.kind == EntryKind.REVERSAL:
            raise Conflict(N_("A reversal cannot itself be reversed."), code="reversal_of_reversal")
        if row.reversed_by is not None:
            raise Conflict(N_("This entry has already been reversed."), code="already_reversed")
        out[entry_id] = (-row.amount_fen, row.payment_order_id, row.refund_id)
    return out
