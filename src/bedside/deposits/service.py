"""Posting to the ledger and reading balances. Callers own the transaction; nothing here
commits, so a payment's confirmation and its ledger entry land together or not at all."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bedside.core import events
from bedside.core.audit import Actor
from bedside.core.errors import Conflict, InvalidInput, NotFound
from bedside.core.i18n import N_
from bedside.deposits.events import LowBalance
from bedside.deposits.models import ENTRY_SIGN, DepositAccount, EntryKind, LedgerEntry
from bedside.discharge.models import Discharge
from bedside.discharge.states import DischargeState
from bedside.hospital import service as hospital_service

DEFAULT_LOW_BALANCE_FEN = 100000
# Once settled (or left), the stay's account is closed to new money: it would sit there
# unsettled. A cashier's reversal reopens it, as the discharge returns to ready-to-settle.
SETTLED_STATES = (DischargeState.SETTLED, DischargeState.DISCHARGED)


class StaySettled(Conflict):
    code = "stay_settled"
    message = N_("This stay has been settled: no further deposits or top-ups can be paid into it.")


def is_settled(session: Session, notice_id: int) -> bool:
    state = session.scalar(select(Discharge.state).where(Discharge.notice_id == notice_id))
    return state in SETTLED_STATES


def ensure_accepts_payments(session: Session, notice_id: int) -> None:
    if is_settled(session, notice_id):
        raise StaySettled()


def account_for_notice(session: Session, patient_id: int, notice_id: int) -> DepositAccount:
    """The stay's account, created on first use."""
    account = session.scalar(select(DepositAccount).where(DepositAccount.notice_id == notice_id))
    if account is None:
        account = DepositAccount(patient_id=patient_id, notice_id=notice_id)
        session.add(account)
        session.flush()
    return account


def get(session: Session, account_id: int, *, lock: bool = False) -> DepositAccount:
    account = session.get(DepositAccount, account_id, with_for_update=lock)
    if account is None:
        raise NotFound(N_("Deposit account not found."), code="deposit_account_not_found")
    return account


def accounts_of(session: Session, patient_ids: set[int]) -> list[DepositAccount]:
    if not patient_ids:
        return []
    return list(
        session.scalars(
            select(DepositAccount)
            .where(DepositAccount.patient_id.in_(patient_ids))
            .order_by(DepositAccount.id.desc())
        )
    )


def derived_balance(session: Session, account_id: int) -> int:
    total = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_fen), 0)).where(LedgerEntry.account_id == account_id)
    )
    return int(total or 0)


def post(
    session: Session,
    account_id: int,
    kind: str,
    amount_fen: int,
    actor: Actor,
    *,
    payment_order_id: int | None = None,
    refund_id: int | None = None,
    memo: str | None = None,
    low_balance_threshold_fen: int | None = None,
) -> LedgerEntry:
    """Appends one entry. `amount_fen` is the positive size; the kind gives the sign."""
    if kind not in ENTRY_SIGN:
        raise InvalidInput(N_("Unknown ledger entry kind."), code="invalid_entry_kind")
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise InvalidInput(N_("The amount must be a positive number of fen."), code="invalid_amount")
    account = get(session, account_id, lock=True)
    signed = ENTRY_SIGN[kind] * amount_fen
    entry = LedgerEntry(
        account_id=account.id,
        kind=kind,
        amount_fen=signed,
        payment_order_id=payment_order_id,
        refund_id=refund_id,
        memo=memo,
        actor=f"{actor.kind}:{actor.id or actor.label}"[:100],
    )
    session.add(entry)
    before = account.balance_fen
    account.balance_fen = before + signed
    session.flush()
    threshold = low_balance_threshold_fen
    if threshold is None and account.ward_id is not None:
        threshold = hospital_service.get_ward(session, account.ward_id).low_balance_threshold_fen
    _announce(session, account, entry, before, threshold)
    return entry


def reverse(session: Session, entry_id: int, actor: Actor, reason: str) -> LedgerEntry:
    original = session.get(LedgerEntry, entry_id)
    if original is None:
        raise NotFound(N_("Ledger entry not found."), code="ledger_entry_not_found")
    if original.kind == EntryKind.REVERSAL:
        raise Conflict(N_("A reversal cannot itself be reversed."), code="reversal_of_reversal")
    if session.scalar(select(LedgerEntry.id).where(LedgerEntry.reverses_id == entry_id)) is not None:
        raise Conflict(N_("This entry has already been reversed."), code="already_reversed")
    account = get(session, original.account_id, lock=True)
    entry = LedgerEntry(
        account_id=account.id,
        kind=EntryKind.REVERSAL,
        amount_fen=-original.amount_fen,
        reverses_id=original.id,
        payment_order_id=original.payment_order_id,
        refund_id=original.refund_id,
        memo=(reason or "")[:200] or None,
        actor=f"{actor.kind}:{actor.id or actor.label}"[:100],
    )
    session.add(entry)
    before = account.balance_fen
    account.balance_fen = before - original.amount_fen
    session.flush()
    _announce(session, account, entry, before, None)
    return entry


def _announce(
    session: Session, account: DepositAccount, entry: LedgerEntry, before: int, threshold: int | None
) -> None:
    warn_if_low(session, account, entry.id, before, threshold)


def warn_if_low(
    session: Session, account: DepositAccount, entry_id: int, before: int, threshold: int | None
) -> None:
    limit = DEFAULT_LOW_BALANCE_FEN if threshold is None else threshold
    # Announced on the crossing only, so one fall under the line gives one alert.
    if before >= limit > account.balance_fen:
        events.emit(
            session,
            LowBalance(
                account_id=account.id,
                entry_id=entry_id,
                patient_id=account.patient_id,
                balance_fen=account.balance_fen,
                threshold_fen=limit,
            ),
        )


def history(session: Session, account_id: int) -> list[LedgerEntry]:
    return list(
        session.scalars(
            select(LedgerEntry).where(LedgerEntry.account_id == account_id).order_by(LedgerEntry.id.desc())
        )
    )


def check(session: Session, account_id: int) -> tuple[int, int]:
    """(cached, derived) balances; they must be equal."""
    return get(session, account_id).balance_fen, derived_balance(session, account_id)


def credit_entry_for_payment(session: Session, payment_order_id: int) -> LedgerEntry | None:
    """The entry that credited a payment (not a later refund of it)."""
    return session.scalar(
        select(LedgerEntry)
        .where(LedgerEntry.payment_order_id == payment_order_id, LedgerEntry.refund_id.is_(None))
        .order_by(LedgerEntry.id)
        .limit(1)
    )


def balance_after(session: Session, entry: LedgerEntry) -> int:
    """The balance as it stood right after `entry`, from the journal itself."""
    total = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_fen), 0)).where(
            LedgerEntry.account_id == entry.account_id, LedgerEntry.id <= entry.id
        )
    )
    return int(total or 0)


def recent_accounts(session: Session, limit: int = 100) -> list[DepositAccount]:
    return list(session.scalars(select(DepositAccount).order_by(DepositAccount.id.desc()).limit(limit)))
