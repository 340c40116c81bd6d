"""Cash at a kiosk: the acceptor takes 10/20/50/100 yuan notes and gives no change, so the
payment is whatever was inserted. Each note is recorded as it is stacked; the payment is
credited when the patient presses "done", or by the worker if the kiosk never says so."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bedside.admissions import service as admissions_service
from bedside.core import audit
from bedside.core.audit import SYSTEM, Actor
from bedside.core.db import utcnow
from bedside.core.errors import Conflict, InvalidInput, NotFound
from bedside.core.i18n import N_
from bedside.deposits import service as deposits_service
from bedside.payments import service
from bedside.payments.channels.base import ChannelTrade
from bedside.payments.models import CashNote, IdempotencyRecord, PaymentOrder
from bedside.payments.states import Channel, PaymentState, Purpose

NOTES_FEN = (1000, 2000, 5000, 10000)
# What one session may take: the stacker's capacity and the hospital's cash-handling limit.
SESSION_LIMIT_FEN = 2_000_000
ABANDON_AFTER = timedelta(minutes=5)


def start_cash(
    session: Session,
    actor: Actor,
    *,
    patient_id: int,
    notice_id: int,
    purpose: str,
    place: str,
    idempotency_key: str,
) -> PaymentOrder:
    key = (idempotency_key or "").strip()
    if not 8 <= len(key) <= 100:
        raise InvalidInput(
            N_("Every payment request needs an idempotency key."), code="idempotency_key_required"
        )
    if purpose not in {p.value for p in Purpose}:
        raise InvalidInput(N_("Unknown payment purpose."), code="invalid_purpose", field="purpose")
    scope = f"cash:{actor.kind}:{actor.id or actor.label}"
    fingerprint = service.fingerprint({"patient": patient_id, "notice": notice_id, "purpose": purpose})
    previous = session.scalar(
        select(IdempotencyRecord).where(IdempotencyRecord.scope == scope, IdempotencyRecord.key == key)
    )
    if previous is not None:
        if previous.fingerprint != fingerprint:
            raise service.IdempotencyConflict()
        return service.get_order(session, int(previous.result["order_id"]))
    notice = admissions_service.get(session, notice_id)
    if notice.patient_id != patient_id:
        raise NotFound(N_("Admission notice not found."), code="notice_not_found")
    account = deposits_service.account_for_notice(session, patient_id, notice_id)
    order = PaymentOrder(
        out_trade_no=service.new_trade_no("BC"),
        account_id=account.id,
        patient_id=patient_id,
        purpose=purpose,
        amount_fen=0,
        channel=Channel.CASH,
        trade_type="CASH",
        requested_by=f"{actor.kind}:{actor.id or actor.label}"[:100],
        place=place[:40],
        expires_at=utcnow() + ABANDON_AFTER,
    )
    session.add(order)
    session.flush()
    session.add(
        IdempotencyRecord(scope=scope, key=key, fingerprint=fingerprint, result={"order_id": order.id})
    )
    service.transition(session, order, "start", "cash_acceptor")
    audit.record(
        session, actor, "payment.start", "payment_order", order.id, patient_id=patient_id, channel="cash"
    )
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return start_cash(
            session,
            actor,
            patient_id=patient_id,
            notice_id=notice_id,
            purpose=purpose,
            place=place,
            idempotency_key=key,
        )
    return order


def _cash_order(session: Session, order_id: int) -> PaymentOrder:
    order = service.locked_order(session, order_id)
    if order.channel != Channel.CASH:
        raise NotFound(N_("Payment not found."), code="payment_not_found")
    return order


def accept_note(
    session: Session, actor: Actor, order_id: int, seq: int, denomination_fen: int
) -> PaymentOrder:
    """Records one stacked note. The acceptor's sequence number makes a repeated report harmless."""
    if denomination_fen not in NOTES_FEN:
        raise InvalidInput(N_("The kiosk takes 10, 20, 50 and 100 yuan notes."), code="note_not_accepted")
    if isinstance(seq, bool) or not isinstance(seq, int) or not 1 <= seq <= 10_000:
        raise InvalidInput(N_("Invalid note sequence number."), code="invalid_note_seq")
    order = _cash_order(session, order_id)
    existing = session.scalar(
        select(CashNote).where(CashNote.payment_order_id == order.id, CashNote.seq == seq)
    )
    if existing is not None:
        if existing.denomination_fen != denomination_fen:
            raise Conflict(N_("This note was already reported differently."), code="note_conflict")
        session.commit()
        return order
    if order.state != PaymentState.PAYING:
        raise Conflict(N_("This cash payment is already finished."), code="cash_finished")
    if order.amount_fen + denomination_fen > SESSION_LIMIT_FEN:
        # The acceptor holds the note in escrow and hands it back.
        raise Conflict(
            N_("This note would exceed the cash limit of one payment; it was returned."),
            code="cash_limit_reached",
        )
    session.add(CashNote(payment_order_id=order.id, seq=seq, denomination_fen=denomination_fen))
    order.amount_fen += denomination_fen
    order.expires_at = utcnow() + ABANDON_AFTER
    audit.record(
        session,
        actor,
        "payment.cash_note",
        "payment_order",
        order.id,
        patient_id=order.patient_id,
        denomination_fen=denomination_fen,
        seq=seq,
    )
    session.commit()
    return order


def finish_cash(session: Session, actor: Actor, order_id: int) -> PaymentOrder:
    """Credits what was inserted; with nothing inserted the order is closed."""
    order = _cash_order(session, order_id)
    if order.state != PaymentState.PAYING:
        session.commit()
        return order
    total = session.scalar(
        select(func.coalesce(func.sum(CashNote.denomination_fen), 0)).where(
            CashNote.payment_order_id == order.id
        )
    )
    if int(total or 0) != order.amount_fen:  # the notes are the truth; never credit a guess
        raise Conflict(N_("The cash count does not match; call staff."), code="cash_count_mismatch")
    if order.amount_fen == 0:
        service.transition(session, order, "close", "cash_acceptor")
        session.commit()
        return order
    out_trade_no, amount = order.out_trade_no, order.amount_fen
    audit.record(
        session, actor, "payment.cash_finish", "payment_order", order.id, patient_id=order.patient_id
    )
    session.commit()
    trade = ChannelTrade(
        out_trade_no=out_trade_no,
        state="SUCCESS",
        channel_trade_no=f"CASH{out_trade_no}",
        amount_fen=amount,
        success_time=utcnow(),
    )
    service.apply_trade(session, Channel.CASH, trade, source="cash_acceptor")
    return service.get_order(session, order_id)


def finish_abandoned(session: Session, limit: int = 50) -> int:
    """A kiosk that died mid-payment: what it stacked is credited, never kept silently."""
    ids = list(
        session.scalars(
            select(PaymentOrder.id)
            .where(
                PaymentOrder.channel == Channel.CASH,
                PaymentOrder.state == PaymentState.PAYING,
                PaymentOrder.expires_at <= utcnow(),
            )
            .order_by(PaymentOrder.id)
            .limit(limit)
        )
    )
    session.commit()
    for order_id in ids:
        finish_cash(session, SYSTEM, order_id)
    return len(ids)
