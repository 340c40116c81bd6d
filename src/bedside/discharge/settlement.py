"""Settlement, one act for every stay: pre-settlement (the insurance split, the deposit used,
the refund or the supplementary payment due), settling (the insurance settles, the ledger
records it, the surplus goes back by the original routes), and — when money is still owed —
the supplementary payment started by the same signed act, which settles the stay as soon as
the payment is credited. The cashier's reversal undoes it.

Money: charges are already in the ledger (each line moved it). Settlement posts what the
insurance pays (pooled fund + personal account) as one entry, so the balance left is exactly
the refund due (positive) or the supplementary payment due (negative)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bedside.admissions import service as notices
from bedside.admissions.models import AdmissionNotice
from bedside.core import audit, events, faults
from bedside.core.audit import Actor
from bedside.core.db import utcnow
from bedside.core.errors import Conflict, DomainError, Forbidden, InvalidInput
from bedside.core.i18n import N_
from bedside.deposits import service as deposits_service
from bedside.deposits.models import EntryKind
from bedside.discharge import insurance_gateway, window
from bedside.discharge.events import Settled, SettlementReversed
from bedside.discharge.lifecycle import get, move, who
from bedside.discharge.models import Discharge, Settlement, SettlementIntent
from bedside.discharge.states import DischargeState
from bedside.payments.models import PaymentOrder
from bedside.payments.states import Purpose

S = DischargeState
MAX_SIGNATURE_BYTES = 200_000
PAID = ("paid", "partially_refunded", "refunded")


@dataclass(frozen=True)
class PreSettlement:
    total_fen: int
    fund_fen: int
    personal_account_fen: int
    cash_fen: int
    paid_fen: int  # deposits and supplementary payments, net of refunds already made
    refund_fen: int
    supplementary_fen: int
    split: dict[str, int]


@dataclass(frozen=True)
class Payer:
    """How the supplementary payment is paid where the patient signs: the surface's channel
    and trade type (phone wallet, kiosk QR / payment code / PIN pad, the window's scanner)."""

    channel: str
    trade_type: str
    place: str
    payer: str | None = None  # the WeChat openid of a JSAPI order
    auth_code: str | None = None  # a scanned payment code


def pre_settle(session: Session, notice_id: int, request_key: str | None = None) -> PreSettlement:
    notice = notices.get(session, notice_id)
    split = insurance_gateway.pre_settle(session, notice, request_key)
    account = deposits_service.account_for_notice(session, notice.patient_id, notice.id)
    # The ledger already carries every charge: balance = paid - charges.
    paid = account.balance_fen + split["total_fen"]
    after = account.balance_fen + split["fund_fen"] + split["personal_account_fen"]
    return PreSettlement(
        total_fen=split["total_fen"],
        fund_fen=split["fund_fen"],
        personal_account_fen=split["personal_account_fen"],
        cash_fen=split["cash_fen"],
        paid_fen=paid,
        refund_fen=max(after, 0),
        supplementary_fen=max(-after, 0),
        split=split,
    )


def _signature(data_url: str) -> bytes:
    head, _, payload = data_url.partition(",")
    try:
        raw = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if (
        head != "data:image/png;base64"
        or not raw.startswith(b"\x89PNG\r\n\x1a\n")
        or len(raw) > MAX_SIGNATURE_BYTES
    ):
        raise InvalidInput(
            N_("Please sign in the box before confirming."), code="signature_required", field="signature"
        )
    return raw


def _key(request_key: str) -> str:
    key = (request_key or "").strip()
    if not 8 <= len(key) <= 100:
        raise InvalidInput(
            N_("Every payment request needs an idempotency key."), code="idempotency_key_required"
        )
    return key


def _done(session: Session, notice_id: int, key: str) -> Settlement | None:
    done = session.scalar(select(Settlement).where(Settlement.request_key == key))
    if done is not None and done.notice_id != notice_id:
        raise Conflict(
            N_("This request key was already used for a different request."), code="idempotency_conflict"
        )
    return done


def _at_window_allowed(actor: Actor, at_window: bool) -> None:
    if at_window and not actor.has_role("cashier"):
        raise Forbidden(
            N_("Only the settlement window's clerks settle for a patient."), code="window_clerk_only"
        )


def settle(
    session: Session,
    actor: Actor,
    notice_id: int,
    signature: str,
    request_key: str,
    *,
    at_window: bool = False,
) -> Settlement:
    """Settles a stay that owes nothing more. A retry with the same request key returns the
    first settlement. `at_window`: a window clerk settles for the patient, whatever sent the
    stay to the window (the clerk is recorded)."""
    key = _key(request_key)
    _at_window_allowed(actor, at_window)
    done = _done(session, notice_id, key)
    if done is not None:
        return done
    return _settle(session, actor, notice_id, _signature(signature), key, at_window=at_window)


def settle_or_pay(
    session: Session,
    actor: Actor,
    notice_id: int,
    signature: str,
    request_key: str,
    payer: Payer | None,
    *,
    at_window: bool = False,
) -> Settlement | PaymentOrder:
    """The one act: with nothing owed it settles; with money owed it starts the supplementary
    payment by `payer` and keeps the signed act, so the credit settles the stay (`finish`).
    Returns the settlement, or the order to follow until it is paid."""
    key = _key(request_key)
    _at_window_allowed(actor, at_window)
    done = _done(session, notice_id, key)
    if done is not None:
        return done
    intent = session.scalar(select(SettlementIntent).where(SettlementIntent.request_key == key))
    if intent is not None:
        if intent.notice_id != notice_id:
            raise Conflict(
                N_("This request key was already used for a different request."), code="idempotency_conflict"
            )
        return session.get_one(PaymentOrder, intent.payment_order_id)
    png = _signature(signature)
    notice = notices.get(session, notice_id)
    d = get(session, notice_id)
    _settleable(session, notice, d, at_window=at_window)
    pre = pre_settle(session, notice_id, key)
    if pre.supplementary_fen == 0:
        return _settle(session, actor, notice_id, png, key, at_window=at_window)
    if payer is None:
        raise Conflict(
            N_("Please pay the remaining %(amount)s first."),
            code="supplementary_due",
            params={"amount": pre.supplementary_fen},
        )
    order = _start_payment(session, actor, notice.patient_id, notice_id, pre.supplementary_fen, payer, key)
    session.add(
        SettlementIntent(
            notice_id=notice_id,
            request_key=key,
            payment_order_id=order.id,
            amount_fen=pre.supplementary_fen,
            signature_png=png,
            actor_kind=actor.kind,
            actor_id=actor.id,
            actor_label=actor.label[:100],
            at_window=at_window,
        )
    )
    audit.record(
        session,
        actor,
        "discharge.settle_with_payment",
        "discharge",
        d.id,
        patient_id=notice.patient_id,
        amount_fen=pre.supplementary_fen,
        channel=order.channel,
    )
    try:
        session.commit()
    except IntegrityError:  # the same act raced us: follow the winner's payment
        session.rollback()
        return settle_or_pay(session, actor, notice_id, signature, key, payer, at_window=at_window)
    if order.state in PAID:  # a scanned payment code can be paid at once
        finish(session, order.id)
    return order


def _start_payment(
    session: Session, actor: Actor, patient_id: int, notice_id: int, amount: int, payer: Payer, key: str
) -> PaymentOrder:
    from bedside.payments import cash
    from bedside.payments import service as payments_service

    if payer.channel == "cash":  # the acceptor counts what is inserted; a surplus is refunded
        return cash.start_cash(
            session,
            actor,
            patient_id=patient_id,
            notice_id=notice_id,
            purpose=Purpose.SUPPLEMENTARY,
            place=payer.place,
            idempotency_key=key,
        )
    return payments_service.start_payment(
        session,
        actor,
        patient_id=patient_id,
        notice_id=notice_id,
        purpose=Purpose.SUPPLEMENTARY,
        amount_fen=amount,
        channel=payer.channel,
        trade_type=payer.trade_type,
        place=payer.place,
        idempotency_key=key,
        payer=payer.payer,
        auth_code=payer.auth_code,
    )


def intent_for(session: Session, order_id: int) -> SettlementIntent | None:
    return session.scalar(select(SettlementIntent).where(SettlementIntent.payment_order_id == order_id))


def finish(session: Session, order_id: int) -> Settlement | None:
    """Settles the act a credited supplementary payment belongs to (from the waiting screen or
    the credit's event, whichever comes first: the request key makes it once). A settlement
    the stay now refuses (new charges, a window reason) is recorded on the act, and the money
    stays on the deposit for the next try."""
    intent = intent_for(session, order_id)
    if intent is None:
        return None
    if intent.settlement_id is not None:
        return session.get(Settlement, intent.settlement_id)
    order = session.get_one(PaymentOrder, order_id)
    if intent.state != "waiting" or order.state not in PAID:
        session.commit()
        return None
    actor = Actor(kind=intent.actor_kind, id=intent.actor_id, label=intent.actor_label)
    intent_id, notice_id, png, key, at_window = (
        intent.id,
        intent.notice_id,
        intent.signature_png,
        intent.request_key,
        intent.at_window,
    )
    try:
        row = _done(session, notice_id, key) or _settle(
            session, actor, notice_id, png, key, at_window=at_window
        )
    except DomainError as exc:
        session.rollback()
        failed = session.get_one(SettlementIntent, intent_id)
        if failed.state == "waiting":
            failed.state, failed.error_code = "failed", exc.code[:60]
        session.commit()
        return None
    done = session.get_one(SettlementIntent, intent_id)
    done.state, done.settlement_id = "settled", row.id
    session.commit()
    return row


def _settleable(session: Session, notice: AdmissionNotice, d: Discharge, *, at_window: bool) -> None:
    if d.state != S.READY_TO_SETTLE:
        raise Conflict(N_("This stay is not ready to settle."), code="not_ready_to_settle")
    if at_window:
        return
    reasons = window.reasons(session, notice, d)
    if reasons:
        raise Conflict(reasons[0].reason, code=reasons[0].code, params={"window": reasons[0].window})


def _settle(
    session: Session, actor: Actor, notice_id: int, png: bytes, key: str, *, at_window: bool
) -> Settlement:
    d = get(session, notice_id, lock=True)
    done = _done(session, notice_id, key)  # another path settled it while we waited for the lock
    if done is not None:
        return done
    notice = notices.get(session, notice_id)
    _settleable(session, notice, d, at_window=at_window)
    pre = pre_settle(session, notice_id, key)
    if pre.supplementary_fen > 0:
        raise Conflict(
            N_("Please pay the remaining %(amount)s first."),
            code="supplementary_due",
            params={"amount": pre.supplementary_fen},
        )
    account = deposits_service.account_for_notice(session, notice.patient_id, notice.id)
    setl_id = insurance_gateway.settle(session, notice, pre.split, key)
    covered = pre.fund_fen + pre.personal_account_fen
    entry = (
        deposits_service.post(
            session, account.id, EntryKind.SETTLEMENT, covered, actor, memo=f"settlement {setl_id}"
        )
        if covered > 0
        else None
    )
    row = Settlement(
        notice_id=notice_id,
        request_key=key,
        insurance_type=notice.insurance_type,
        setl_id=setl_id,
        total_fen=pre.total_fen,
        fund_fen=pre.fund_fen,
        personal_account_fen=pre.personal_account_fen,
        cash_fen=pre.cash_fen,
        split=pre.split,
        paid_before_fen=pre.paid_fen,
        refund_fen=pre.refund_fen,
        ledger_entry_id=entry.id if entry else None,
        signature_png=png,
        settled_by=who(actor),
    )
    session.add(row)
    session.flush()
    channels: tuple[str, ...] = ()
    if pre.refund_fen > 0:
        from bedside.payments import refunds as payments_refunds
        from bedside.payments import service as payments_service

        made = payments_refunds.refund_to_origin(
            session, actor, account.id, pre.refund_fen, f"discharge settlement {row.id}", commit=False
        )
        channels = tuple(
            sorted({payments_service.get_order(session, r.payment_order_id).channel for r in made})
        )
    if at_window:
        audit.record(
            session,
            actor,
            "discharge.settle_at_window",
            "discharge",
            d.id,
            patient_id=notice.patient_id,
            reasons=[w.code for w in window.reasons(session, notice, d, pre.supplementary_fen)],
        )
        window.close_cases(session, actor, notice_id)
    move(session, actor, d, "settle")
    events.emit(
        session,
        Settled(
            notice_id=notice_id,
            patient_id=notice.patient_id,
            settlement_id=row.id,
            refund_fen=pre.refund_fen,
            refund_channels=channels,
        ),
    )
    faults.point("settlement.before_commit")
    try:
        session.commit()
    except IntegrityError:  # the same request key raced us; answer with the winner
        session.rollback()
        winner = _done(session, notice_id, key)
        if winner is None:
            raise
        return winner
    # Settled, but the patient's screen never hears so: the retry must find this settlement.
    faults.point("settlement.after_commit")
    return row


def current_settlement(session: Session, notice_id: int) -> Settlement | None:
    return session.scalar(
        select(Settlement)
        .where(Settlement.notice_id == notice_id, Settlement.state == "settled")
        .order_by(Settlement.id.desc())
    )


def reverse(session: Session, actor: Actor, notice_id: int, reason: str) -> Settlement:
    """A cashier undoes a settlement: the insurance reverses it and the ledger entry is
    reversed, so the stay's balance is what it was before, minus any refunds already paid."""
    if not actor.has_role("cashier"):
        raise Forbidden()
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(N_("Give a reason."), code="reason_required", field="reason")
    d = get(session, notice_id, lock=True)
    row = current_settlement(session, notice_id)
    if row is None or d.state != S.SETTLED:
        raise Conflict(N_("There is no settlement to reverse."), code="no_settlement")
    notice = notices.get(session, notice_id)
    insurance_gateway.reverse(session, notice, row.setl_id)
    if row.ledger_entry_id is not None:
        deposits_service.reverse(
            session, row.ledger_entry_id, actor, f"settlement {row.id} reversed: {reason}"
        )
    row.state, row.reversed_at, row.reversal_reason = "reversed", utcnow(), reason
    move(session, actor, d, "reverse_settlement", reason)
    events.emit(session, SettlementReversed(notice_id, notice.patient_id, row.id, reason))
    session.commit()
    return row
