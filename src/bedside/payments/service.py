"""Payment use cases: start an order, credit it exactly once, close what was never paid.
Refunds to the original route are in payments.refunds. Every function owns its transaction."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bedside.admissions import service as admissions_service
from bedside.core import audit, events, faults
from bedside.core.audit import SYSTEM, Actor
from bedside.core.db import utcnow
from bedside.core.errors import DomainError, InvalidInput, NotFound
from bedside.core.i18n import N_
from bedside.core.states import InvalidTransition
from bedside.deposits import service as deposits_service
from bedside.deposits.models import EntryKind
from bedside.payments import registry
from bedside.payments.channels.base import ChannelDeclined, ChannelError, ChannelTrade
from bedside.payments.events import PaymentCredited
from bedside.payments.models import (
    ChannelNotification,
    IdempotencyRecord,
    PaymentOrder,
    PaymentTransition,
)
from bedside.payments.states import (
    PAYMENT_MACHINE,
    Channel,
    PaymentState,
    Purpose,
)

MIN_FEN = 100  # ¥1
MAX_FEN = 50_000_000  # ¥500,000 in one payment
ORDER_TTL = timedelta(minutes=15)
QUERY_AFTER = timedelta(seconds=30)
ENTRY_FOR_PURPOSE = {
    Purpose.DEPOSIT: EntryKind.DEPOSIT,
    Purpose.TOPUP: EntryKind.TOPUP,
    Purpose.SUPPLEMENTARY: EntryKind.SUPPLEMENTARY_PAYMENT,
    Purpose.RECORD_COPY: EntryKind.FEE_PAYMENT,
    Purpose.COMPANION_CARE: EntryKind.FEE_PAYMENT,
}
# Payments of a fee, not of the deposit: the fee is booked as soon as it is paid, and deposit
# refunds never draw on them (only the fee's own refund does, see refund_fee).
FEE_PURPOSES = frozenset({Purpose.RECORD_COPY, Purpose.COMPANION_CARE})
# Wallet payment codes are 16-24 digits; an adapter may say otherwise (insurance numbers).
AUTH_CODE = r"^\d{16,24}$"


class NotificationRejected(DomainError):
    status = 401
    code = "notification_rejected"
    message = N_("The payment notification failed verification and was ignored.")


class IdempotencyConflict(DomainError):
    status = 409
    code = "idempotency_key_reused"
    message = N_("This request key was already used for a different request.")


def new_trade_no(prefix: str) -> str:
    # 32 characters at most (WeChat's limit): prefix, UTC timestamp, randomness.
    return f"{prefix}{utcnow():%Y%m%d%H%M%S}{secrets.token_hex(6)}".upper()[:32]


def fingerprint(payload: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def transition(session: Session, order: PaymentOrder, action: str, source: str) -> None:
    old = PaymentState(order.state)
    new = PAYMENT_MACHINE.next_state(old, action, order)
    order.state = new
    session.add(
        PaymentTransition(
            payment_order_id=order.id, from_state=old, action=action, to_state=new, source=source
        )
    )


def locked_order(session: Session, order_id: int) -> PaymentOrder:
    order = session.scalar(select(PaymentOrder).where(PaymentOrder.id == order_id).with_for_update())
    if order is None:
        raise NotFound(N_("Payment not found."), code="payment_not_found")
    return order


def get_order(session: Session, order_id: int) -> PaymentOrder:
    order = session.get(PaymentOrder, order_id)
    if order is None:
        raise NotFound(N_("Payment not found."), code="payment_not_found")
    return order


def start_payment(
    session: Session,
    actor: Actor,
    *,
    patient_id: int,
    notice_id: int,
    purpose: str,
    amount_fen: int,
    channel: str,
    trade_type: str,
    place: str,
    idempotency_key: str,
    auth_code: str | None = None,
    payer: str | None = None,
) -> PaymentOrder:
    """Creates the order at the channel. A retry with the same key returns the first order.

    `auth_code` is the payer's payment code scanned at a kiosk (MICROPAY / BARCODE); `payer`
    the WeChat openid a JSAPI order is paid by. Either is passed to the channel, never stored."""
    key = (idempotency_key or "").strip()
    if not 8 <= len(key) <= 100:
        raise InvalidInput(
            N_("Every payment request needs an idempotency key."), code="idempotency_key_required"
        )
    if purpose not in {p.value for p in Purpose}:
        raise InvalidInput(N_("Unknown payment purpose."), code="invalid_purpose", field="purpose")
    if channel == "wechat" and trade_type == "JSAPI" and not payer:
        # WeChat refuses a JSAPI order without the payer's openid (PARAM_ERROR): said here, in
        # words, before anything is created.
        raise InvalidInput(
            N_("Bind WeChat to this account first (Me → WeChat), then pay here in WeChat."),
            code="wechat_not_bound",
        )
    if (
        isinstance(amount_fen, bool)
        or not isinstance(amount_fen, int)
        or not MIN_FEN <= amount_fen <= MAX_FEN
    ):
        raise InvalidInput(
            N_("The amount must be between ¥1 and ¥500,000."), code="invalid_amount", field="amount"
        )
    if channel == Channel.CASH or channel not in {c.value for c in Channel}:
        raise InvalidInput(N_("This payment channel is not available."), code="channel_unavailable")
    adapter = registry.get(channel)
    if trade_type not in adapter.trade_types:
        raise InvalidInput(N_("This payment channel is not available."), code="channel_unavailable")
    pattern = getattr(adapter, "code_pattern", AUTH_CODE)
    if trade_type in adapter.code_trade_types and not re.match(pattern, auth_code or ""):
        raise InvalidInput(
            N_("Scan the payment code shown in the payer's WeChat or Alipay."),
            code="payment_code_invalid",
            field="auth_code",
        )
    if trade_type == "JSAPI" and payer:
        # The channel's one payer credential for this trade type; WeChat refuses JSAPI without.
        auth_code = payer
    scope = f"payment:{actor.kind}:{actor.id or actor.label}"
    digest = fingerprint(
        {
            "patient": patient_id,
            "notice": notice_id,
            "purpose": purpose,
            "amount": amount_fen,
            "channel": channel,
            "trade_type": trade_type,
            "auth_code": hashlib.sha256((auth_code or "").encode()).hexdigest(),
        }
    )
    previous = session.scalar(
        select(IdempotencyRecord).where(IdempotencyRecord.scope == scope, IdempotencyRecord.key == key)
    )
    if previous is not None:
        if previous.fingerprint != digest:
            raise IdempotencyConflict()
        order = get_order(session, int(previous.result["order_id"]))
        if order.state == PaymentState.CREATED:  # the channel did not answer the first time
            return _open_at_channel(session, order.id, actor, auth_code)
        return order
    notice = admissions_service.get(session, notice_id)
    if notice.patient_id != patient_id:
        raise NotFound(N_("Admission notice not found."), code="notice_not_found")
    if purpose not in FEE_PURPOSES:  # a fee (a record copy) is paid after leaving, by design
        deposits_service.ensure_accepts_payments(session, notice_id)
    account = deposits_service.account_for_notice(session, patient_id, notice_id)
    order = PaymentOrder(
        out_trade_no=new_trade_no("BS"),
        account_id=account.id,
        patient_id=patient_id,
        purpose=purpose,
        amount_fen=amount_fen,
        channel=channel,
        trade_type=trade_type,
        requested_by=f"{actor.kind}:{actor.id or actor.label}"[:100],
        place=place[:40],
        expires_at=utcnow() + ORDER_TTL,
    )
    session.add(order)
    session.flush()
    session.add(IdempotencyRecord(scope=scope, key=key, fingerprint=digest, result={"order_id": order.id}))
    audit.record(
        session,
        actor,
        "payment.start",
        "payment_order",
        order.id,
        patient_id=patient_id,
        amount_fen=amount_fen,
        channel=channel,
        purpose=purpose,
    )
    try:
        session.commit()
    except IntegrityError:
        # A concurrent retry with the same key won the race; answer with its order.
        session.rollback()
        return start_payment(
            session,
            actor,
            patient_id=patient_id,
            notice_id=notice_id,
            purpose=purpose,
            amount_fen=amount_fen,
            channel=channel,
            trade_type=trade_type,
            place=place,
            idempotency_key=key,
            auth_code=auth_code,
        )
    return _open_at_channel(session, order.id, actor, auth_code)


def _open_at_channel(session: Session, order_id: int, actor: Actor, auth_code: str | None) -> PaymentOrder:
    """Creates the order at the channel with no database transaction open: a network call must
    not hold locks. The channel is idempotent on out_trade_no, so this may be repeated."""
    order = get_order(session, order_id)
    out_trade_no, amount, trade_type, purpose = (
        order.out_trade_no,
        order.amount_fen,
        order.trade_type,
        order.purpose,
    )
    session.commit()
    try:
        created = registry.get(order.channel).create(
            out_trade_no, amount, trade_type, _description(purpose), auth_code
        )
    except ChannelDeclined as exc:
        order = locked_order(session, order_id)
        if order.state == PaymentState.CREATED:
            transition(session, order, "fail", "api")
        session.commit()
        raise InvalidInput(
            N_("The payment was declined. Nothing was charged; please check the code or use another method."),
            code="payment_declined",
        ) from exc
    except ChannelError as exc:
        raise DomainError(
            N_("The payment channel is not answering. Please try again or use another channel."),
            code="channel_unavailable",
        ) from exc
    order = locked_order(session, order_id)
    if order.state == PaymentState.CREATED:
        order.pay_params = created.pay_params
        transition(session, order, "start", "api")
    session.commit()
    if created.trade is not None:  # a payment code paid in the create call itself
        apply_trade(session, order.channel, created.trade, source="create")
        order = get_order(session, order_id)
    return order


def _description(purpose: str) -> str:
    return {
        "deposit": "住院预交金",
        "topup": "住院预交金充值",
        "supplementary_payment": "出院补缴",
        "record_copy": "病案复印费",
        "companion_care": "陪护费",
    }.get(purpose, "住院费用")


def handle_notification(session: Session, channel: str, headers: Mapping[str, str], body: bytes) -> str:
    """Verifies and applies a channel notification; returns what happened."""
    adapter = registry.get(channel)
    try:
        trade = adapter.parse_notification(headers, body)
    except ValueError as exc:
        session.add(ChannelNotification(channel=channel, outcome="rejected", detail=str(exc)[:500]))
        session.commit()
        raise NotificationRejected() from exc
    return apply_trade(session, channel, trade, source="notification")


def apply_trade(session: Session, channel: str, trade: ChannelTrade, *, source: str) -> str:
    """Credits a paid order exactly once, whichever of notification or query says so first."""
    order = session.scalar(
        select(PaymentOrder).where(PaymentOrder.out_trade_no == trade.out_trade_no).with_for_update()
    )
    outcome = _apply(session, order, channel, trade, source)
    session.add(
        ChannelNotification(
            channel=channel,
            notification_id=trade.notification_id,
            out_trade_no=trade.out_trade_no,
            channel_trade_no=trade.channel_trade_no,
            outcome=outcome,
            detail=source,
        )
    )
    session.commit()
    if outcome == "late_payment":
        # Imported here: refunds builds on this module's orders and transitions.
        from bedside.payments import refunds

        refunds.refund_late_payment(session, trade.out_trade_no)
    return outcome


def _apply(
    session: Session, order: PaymentOrder | None, channel: str, trade: ChannelTrade, source: str
) -> str:
    if order is None or order.channel != channel:
        return "unknown_order"
    if trade.state != "SUCCESS":
        if trade.state in ("PAYERROR",) and order.state == PaymentState.PAYING:
            transition(session, order, "fail", source)
            return "failed"
        return "not_paid"
    if trade.amount_fen != order.amount_fen:
        # Never credit a different amount than was asked; a person must look at it.
        audit.record(
            session,
            SYSTEM,
            "payment.amount_mismatch",
            "payment_order",
            order.id,
            patient_id=order.patient_id,
            expected=order.amount_fen,
            got=trade.amount_fen,
        )
        return "amount_mismatch"
    if order.channel_trade_no is not None:
        return "duplicate" if order.channel_trade_no == trade.channel_trade_no else "conflicting_trade_no"
    late = order.state in (PaymentState.CLOSED, PaymentState.FAILED)
    # Started before the settlement, paid after it: nothing settles this money any more.
    after_settlement = (
        not late
        and order.purpose not in FEE_PURPOSES
        and deposits_service.is_settled(session, deposits_service.get(session, order.account_id).notice_id)
    )
    try:
        transition(session, order, "pay_late" if late else "pay", source)
    except InvalidTransition:
        return "ignored"
    order.channel_trade_no = trade.channel_trade_no
    order.paid_at = trade.success_time or utcnow()
    deposits_service.post(
        session,
        order.account_id,
        ENTRY_FOR_PURPOSE[Purpose(order.purpose)],
        order.amount_fen,
        SYSTEM,
        payment_order_id=order.id,
        memo=f"{order.channel} {order.channel_trade_no}",
    )
    if order.purpose in FEE_PURPOSES and not late:  # late money is refunded whole instead
        balance = deposits_service.get(session, order.account_id).balance_fen
        deposits_service.post(
            session,
            order.account_id,
            EntryKind.FEE,
            order.amount_fen,
            SYSTEM,
            payment_order_id=order.id,
            memo=f"{order.purpose} {order.out_trade_no}",
            # The balance only returns to where it was: that crosses no low-balance line.
            low_balance_threshold_fen=balance - order.amount_fen,
        )
    audit.record(
        session,
        SYSTEM,
        "payment.credit",
        "payment_order",
        order.id,
        patient_id=order.patient_id,
        source=source,
        late=late,
        after_settlement=after_settlement,
    )
    events.emit(
        session,
        PaymentCredited(
            order_id=order.id,
            patient_id=order.patient_id,
            account_id=order.account_id,
            amount_fen=order.amount_fen,
            channel=order.channel,
            purpose=order.purpose,
            late=late,
        ),
    )
    if after_settlement:
        # Refunded in the credit's own transaction, so no crash can leave it on the account.
        from bedside.payments import refunds

        refunds.refund_paid_after_settlement(session, order)
    faults.point("payments.credit.before_commit")
    if after_settlement:
        return "paid_after_settlement"
    return "late_payment" if late else "credited"


def poll_open_orders(session: Session, limit: int = 100) -> dict[str, int]:
    """Asks the channel about orders with no answer yet; closes the expired unpaid ones."""
    now = utcnow()
    rows = list(
        session.scalars(
            select(PaymentOrder.id)
            .where(
                PaymentOrder.state.in_([PaymentState.CREATED, PaymentState.PAYING]),
                PaymentOrder.channel != Channel.CASH,
                PaymentOrder.created_at <= now - QUERY_AFTER,
            )
            .order_by(PaymentOrder.id)
            .limit(limit)
        )
    )
    session.commit()
    counts: dict[str, int] = {}
    for order_id in rows:
        outcome = check_order(session, order_id)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


ACTIVE_QUERY_EVERY = timedelta(seconds=3)


def refresh(session: Session, order_id: int) -> PaymentOrder:
    """A screen waiting on a payment asks the channel itself every few seconds instead of only
    waiting for the notification (which may be late or never come; card payments send none)."""
    order = get_order(session, order_id)
    if order.state != PaymentState.PAYING or order.channel == Channel.CASH:
        return order
    last = order.last_query_at or order.created_at
    if utcnow() - last >= ACTIVE_QUERY_EVERY:
        check_order(session, order_id)
        order = get_order(session, order_id)
        if order.last_query_at is None or order.last_query_at < utcnow() - ACTIVE_QUERY_EVERY:
            order.last_query_at = utcnow()
            session.commit()
    return order


def check_order(session: Session, order_id: int) -> str:
    order = get_order(session, order_id)
    channel, out_trade_no = order.channel, order.out_trade_no
    adapter = registry.get(channel)
    session.commit()  # no transaction open across the channel call
    try:
        trade = adapter.query(out_trade_no)
    except ChannelError:
        return "channel_error"
    if trade.state in ("SUCCESS", "PAYERROR"):
        return apply_trade(session, channel, trade, source="query")
    expired = get_order(session, order_id).expires_at <= utcnow()
    session.commit()
    if trade.state == "NOTPAY" and expired:
        try:
            adapter.close(out_trade_no)
        except ChannelError:
            return "channel_error"  # e.g. paid in the meantime: the next query credits it
    order = locked_order(session, order_id)
    order.last_query_at = utcnow()
    if (trade.state in ("CLOSED", "NOTFOUND") or (trade.state == "NOTPAY" and expired)) and order.state in (
        PaymentState.CREATED,
        PaymentState.PAYING,
    ):
        transition(session, order, "close", "timeout")
        session.commit()
        return "closed"
    session.commit()
    return "waiting"


def orders_for_account(session: Session, account_id: int) -> list[PaymentOrder]:
    return list(
        session.scalars(
            select(PaymentOrder).where(PaymentOrder.account_id == account_id).order_by(PaymentOrder.id.desc())
        )
    )
