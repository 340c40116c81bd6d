"""Refunds: to the original route (newest payment first), of a fee, of a late payment; the
worker's execution against the channel, and the cashier's decision on what waits for a person.
Every function here owns its transaction."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bedside.core import audit, events
from bedside.core.audit import SYSTEM, Actor
from bedside.core.db import utcnow
from bedside.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from bedside.core.i18n import N_
from bedside.deposits import service as deposits_service
from bedside.deposits.models import EntryKind, LedgerEntry
from bedside.payments import registry
from bedside.payments.channels.base import ChannelError
from bedside.payments.events import RefundFinished
from bedside.payments.models import (
    PaymentOrder,
    Refund,
)
from bedside.payments.service import FEE_PURPOSES, get_order, locked_order, new_trade_no, transition
from bedside.payments.states import (
    REFUND_MACHINE,
    Channel,
    PaymentState,
    RefundRoute,
    RefundState,
)


def _committed_refunds(session: Session, order_id: int) -> int:
    total = session.scalar(
        select(func.coalesce(func.sum(Refund.amount_fen), 0)).where(
            Refund.payment_order_id == order_id, Refund.state != RefundState.REJECTED
        )
    )
    return int(total or 0)


def refundable(session: Session, order: PaymentOrder) -> int:
    if order.state not in (PaymentState.PAID, PaymentState.PARTIALLY_REFUNDED):
        return 0
    return order.amount_fen - _committed_refunds(session, order.id)


def refund_to_origin(
    session: Session, actor: Actor, account_id: int, amount_fen: int, reason: str, *, commit: bool = True
) -> list[Refund]:
    """Spreads a refund over the stay's payments, newest first. Within a channel's refund window
    the money goes back by the original route at once; cash and payments past the window wait
    for a cashier (staffed window or bank transfer)."""
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise InvalidInput(N_("The amount must be a positive number of fen."), code="invalid_amount")
    account = deposits_service.get(session, account_id, lock=True)
    if amount_fen > account.balance_fen:
        raise Conflict(N_("The refund is larger than the deposit balance."), code="refund_exceeds_balance")
    orders = list(
        session.scalars(
            select(PaymentOrder)
            .where(
                PaymentOrder.account_id == account_id,
                PaymentOrder.state.in_([PaymentState.PAID, PaymentState.PARTIALLY_REFUNDED]),
                PaymentOrder.purpose.not_in(FEE_PURPOSES),
            )
            .order_by(PaymentOrder.paid_at.desc(), PaymentOrder.id.desc())
            .with_for_update()
        )
    )
    left = amount_fen
    made: list[Refund] = []
    now = utcnow()
    for order in orders:
        if left == 0:
            break
        part = min(left, refundable(session, order))
        if part <= 0:
            continue
        route, rule, state = _route_for(order, now)
        refund = Refund(
            out_refund_no=new_trade_no("RF"),
            payment_order_id=order.id,
            account_id=account_id,
            amount_fen=part,
            route=route,
            rule=rule,
            reason=(reason or "")[:200] or "surplus",
            state=state,
        )
        session.add(refund)
        session.flush()
        # The ledger moves when the refund is committed to; a rejected refund is reversed.
        deposits_service.post(
            session,
            account_id,
            EntryKind.REFUND,
            part,
            actor,
            refund_id=refund.id,
            payment_order_id=order.id,
            memo=rule,
        )
        audit.record(
            session,
            actor,
            "refund.create",
            "refund",
            refund.id,
            patient_id=order.patient_id,
            amount_fen=part,
            route=route,
            rule=rule,
        )
        made.append(refund)
        left -= part
    if left > 0:
        raise Conflict(N_("The payments of this stay cannot cover this refund."), code="refund_not_coverable")
    if commit:
        session.commit()
    return made


def refund_fee(session: Session, actor: Actor, order_id: int, reason: str) -> Refund | None:
    """Gives a paid fee back by that payment's own route (a record copy refused or cancelled
    before the work): the fee booked at payment is reversed and the refund takes the same
    amount out again, so the deposit balance ends where it was. The caller owns the
    transaction; a payment with nothing left to refund returns None."""
    order = locked_order(session, order_id)
    if order.purpose not in FEE_PURPOSES:
        raise Conflict(N_("This payment is not a fee."), code="not_a_fee")
    part = refundable(session, order)
    if part <= 0:
        return None
    fee = session.scalar(
        select(LedgerEntry).where(LedgerEntry.payment_order_id == order.id, LedgerEntry.kind == EntryKind.FEE)
    )
    # Reversed already if an earlier refund of this fee was rejected by a cashier.
    if fee is not None and not session.scalar(select(LedgerEntry.id).filter_by(reverses_id=fee.id)):
        deposits_service.reverse(session, fee.id, actor, (reason or "")[:200] or "fee refunded")
    route, rule, state = _route_for(order, utcnow())
    refund = Refund(
        out_refund_no=new_trade_no("RF"),
        payment_order_id=order.id,
        account_id=order.account_id,
        amount_fen=part,
        route=route,
        rule=rule,
        reason=(reason or "")[:200] or "fee refunded",
        state=state,
    )
    session.add(refund)
    session.flush()
    balance = deposits_service.get(session, order.account_id).balance_fen
    deposits_service.post(
        session,
        order.account_id,
        EntryKind.REFUND,
        part,
        actor,
        refund_id=refund.id,
        payment_order_id=order.id,
        memo=rule,
        low_balance_threshold_fen=balance - part,
    )
    audit.record(
        session,
        actor,
        "refund.create",
        "refund",
        refund.id,
        patient_id=order.patient_id,
        amount_fen=part,
        route=route,
        rule=rule,
    )
    return refund


def _route_for(order: PaymentOrder, now: Any) -> tuple[str, str, str]:
    if order.channel == Channel.CASH:
        return RefundRoute.STAFFED_WINDOW, "cash_payment", RefundState.PENDING_APPROVAL
    adapter = registry.get(order.channel)
    paid_at = order.paid_at or order.created_at
    if now - paid_at > timedelta(days=adapter.refund_window_days):
        return RefundRoute.BANK_TRANSFER, "refund_window_expired", RefundState.PENDING_APPROVAL
    return RefundRoute.ORIGINAL, "original_route", RefundState.PROCESSING


def refund_late_payment(session: Session, out_trade_no: str) -> Refund | None:
    """Money that reached a closed order is never kept: it is refunded whole, automatically."""
    order = session.scalar(
        select(PaymentOrder).where(PaymentOrder.out_trade_no == out_trade_no).with_for_update()
    )
    if order is None or refundable(session, order) <= 0:
        session.rollback()
        return None
    return _refund_whole_order(session, order, "paid_after_close")


def refund_paid_after_settlement(session: Session, order: PaymentOrder) -> Refund | None:
    """Money that reached a settled stay is refunded whole to its origin, in the caller's
    transaction (the one that credited it). None when nothing is left to refund."""
    if refundable(session, order) <= 0:
        return None
    return _refund_whole_order(
        session, order, "paid_after_settlement", "paid after the stay was settled", commit=False
    )


def _refund_whole_order(
    session: Session,
    order: PaymentOrder,
    rule: str,
    reason: str = "paid after the order was closed",
    *,
    commit: bool = True,
) -> Refund:
    part = refundable(session, order)
    route, default_rule, state = _route_for(order, utcnow())
    refund = Refund(
        out_refund_no=new_trade_no("RF"),
        payment_order_id=order.id,
        account_id=order.account_id,
        amount_fen=part,
        route=route,
        rule=rule if route == RefundRoute.ORIGINAL else default_rule,
        reason=reason,
        state=state,
    )
    session.add(refund)
    session.flush()
    deposits_service.post(
        session,
        order.account_id,
        EntryKind.REFUND,
        part,
        SYSTEM,
        refund_id=refund.id,
        payment_order_id=order.id,
        memo=rule,
    )
    audit.record(
        session,
        SYSTEM,
        "refund.create",
        "refund",
        refund.id,
        patient_id=order.patient_id,
        amount_fen=part,
        rule=rule,
    )
    if commit:
        session.commit()
    return refund


def process_refunds(session: Session, limit: int = 50) -> dict[str, int]:
    """Sends refunds that are due to their channel; retried until the channel answers."""
    ids = list(
        session.scalars(
            select(Refund.id)
            .where(
                Refund.state.in_([RefundState.PROCESSING, RefundState.FAILED]),
                Refund.route == RefundRoute.ORIGINAL,
                Refund.attempts < 20,
            )
            .order_by(Refund.id)
            .limit(limit)
        )
    )
    session.commit()
    counts: dict[str, int] = {}
    for refund_id in ids:
        outcome = execute_refund(session, refund_id)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def execute_refund(session: Session, refund_id: int) -> str:
    """Sends one refund. The attempt is recorded first and the channel called with no
    transaction open; the channel is idempotent on out_refund_no, so a crash between the call
    and the bookkeeping is repaired by the next attempt."""
    refund = session.scalar(select(Refund).where(Refund.id == refund_id).with_for_update())
    if refund is None or refund.state not in (RefundState.PROCESSING, RefundState.FAILED):
        session.rollback()
        return "skipped"
    if refund.state == RefundState.FAILED:
        refund.state = REFUND_MACHINE.next_state(RefundState.FAILED, "retry")
    refund.attempts += 1
    order = get_order(session, refund.payment_order_id)
    call = (order.channel, order.out_trade_no, refund.out_refund_no, refund.amount_fen, order.amount_fen)
    session.commit()
    try:
        answer = registry.get(call[0]).refund(*call[1:])
    except ChannelError as exc:
        return _refund_failed(session, refund_id, str(exc), "retry_later")
    if answer.state == "SUCCESS":
        refund = session.scalar(select(Refund).where(Refund.id == refund_id).with_for_update())
        if refund is not None and refund.state == RefundState.PROCESSING:
            order = locked_order(session, refund.payment_order_id)
            _finish_refund(session, refund, order, answer.channel_refund_no)
        session.commit()
        return "succeeded"
    if answer.state == "PROCESSING":
        return "processing"
    return _refund_failed(session, refund_id, answer.error or answer.state, "failed")


def _refund_failed(session: Session, refund_id: int, error: str, outcome: str) -> str:
    refund = session.scalar(select(Refund).where(Refund.id == refund_id).with_for_update())
    if refund is not None and refund.state == RefundState.PROCESSING:
        refund.last_error = error[:500]
        refund.state = REFUND_MACHINE.next_state(RefundState.PROCESSING, "fail")
    session.commit()
    return outcome


def _finish_refund(
    session: Session, refund: Refund, order: PaymentOrder, channel_refund_no: str | None
) -> None:
    refund.state = REFUND_MACHINE.next_state(RefundState(refund.state), "succeed")
    refund.channel_refund_no = channel_refund_no
    refund.finished_at = utcnow()
    order.refunded_fen += refund.amount_fen
    transition(
        session, order, "refund_all" if order.refunded_fen >= order.amount_fen else "refund_part", "refund"
    )
    events.emit(
        session,
        RefundFinished(
            refund_id=refund.id,
            order_id=order.id,
            patient_id=order.patient_id,
            amount_fen=refund.amount_fen,
            channel=order.channel,
            route=refund.route,
        ),
    )


def decide_refund(session: Session, actor: Actor, refund_id: int, approve: bool, note: str = "") -> Refund:
    """A cashier approves (paid at the window / transferred) or rejects a waiting refund."""
    if not actor.has_role("cashier"):
        raise Forbidden()
    refund = session.scalar(select(Refund).where(Refund.id == refund_id).with_for_update())
    if refund is None:
        raise NotFound(N_("Refund not found."), code="refund_not_found")
    if refund.state != RefundState.PENDING_APPROVAL:
        raise Conflict(N_("This refund has already been decided."), code="refund_already_decided")
    order = get_order(session, refund.payment_order_id)
    refund.decided_by = f"{actor.kind}:{actor.id}"
    if approve:
        refund.state = REFUND_MACHINE.next_state(RefundState.PENDING_APPROVAL, "approve")
        _finish_refund(session, refund, order, None)
    else:
        refund.state = REFUND_MACHINE.next_state(RefundState.PENDING_APPROVAL, "reject")
        entry_id = session.scalar(select(func.max(LedgerEntry.id)).where(LedgerEntry.refund_id == refund.id))
        if entry_id is not None:
            deposits_service.reverse(
                session, entry_id, actor, f"refund {refund.out_refund_no} rejected: {note}"
            )
    audit.record(
        session,
        actor,
        "refund.approve" if approve else "refund.reject",
        "refund",
        refund.id,
        patient_id=order.patient_id,
        note=note[:200],
    )
    session.commit()
    return refund


def refunds_waiting(session: Session) -> list[Refund]:
    return list(
        session.scalars(
            select(Refund).where(Refund.state == RefundState.PENDING_APPROVAL).order_by(Refund.id)
        )
    )


def refunds_for_account(session: Session, account_id: int) -> list[Refund]:
    return list(
        session.scalars(select(Refund).where(Refund.account_id == account_id).order_by(Refund.id.desc()))
    )
