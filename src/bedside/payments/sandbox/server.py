"""The sandbox payment "servers" (WeChat Pay, Alipay, UnionPay acquirer): accept orders, are
paid when the demo payer confirms, answer queries, closes and refunds, and send signed
notifications — on time, late, twice, out of order or never, as real channels sometimes do.

The books here are channel-neutral; what goes over the wire is shaped by each channel's
module (wire_wechat, wire_alipay, wire_unionpay)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Collection, Mapping
from datetime import timedelta
from types import ModuleType
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bedside.core.db import utcnow
from bedside.payments.sandbox import wire_alipay, wire_insurance, wire_unionpay, wire_wechat
from bedside.payments.sandbox.models import SandboxKeys, SandboxNotification, SandboxRefund, SandboxTrade

WIRES: dict[str, ModuleType] = {
    "wechat": wire_wechat,
    "alipay": wire_alipay,
    "unionpay": wire_unionpay,
    "insurance_account": wire_insurance,
}
# WeChat's documented notification retry schedule (seconds after the previous attempt); Alipay's
# is similar in spirit (4m, 10m, 10m, 1h, 2h, 6h, 15h), so one schedule serves the sandbox.
RETRY_SCHEDULE = (15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600)
CHAOS_MODES = ("normal", "duplicate", "late", "missing", "reorder")
# A payment code (付款码) over this amount asks the payer for a password first (USERPAYING).
PASSWORD_ABOVE_FEN = 100000
DEMO_CARD = "6222021234567890123"
DEMO_PIN = "123456"
MAX_PIN_TRIES = 3


class SandboxError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def wire(channel: str) -> ModuleType:
    try:
        return WIRES[channel]
    except KeyError:
        raise SandboxError("CHANNEL_UNKNOWN") from None


def keys(session: Session, channel: str) -> SandboxKeys:
    """The channel's own key pair (and, for Alipay, the merchant's) made on first use."""
    row = session.scalar(select(SandboxKeys).where(SandboxKeys.channel == channel))
    if row is None:
        row = wire(channel.removesuffix("_app")).make_keys(channel)
        session.add(row)
        session.flush()
    return row


def _trade(session: Session, out_trade_no: str, lock: bool = False) -> SandboxTrade | None:
    stmt = select(SandboxTrade).where(SandboxTrade.out_trade_no == out_trade_no)
    return session.scalar(stmt.with_for_update() if lock else stmt)


def create(
    session: Session,
    channel: str,
    out_trade_no: str,
    amount_fen: int,
    trade_type: str,
    description: str,
    auth_code: str | None = None,
) -> dict[str, Any]:
    w = wire(channel)
    if trade_type not in w.TRADE_TYPES:
        raise SandboxError("INVALID_REQUEST")
    trade = _trade(session, out_trade_no, lock=True)
    if trade is None:
        trade = SandboxTrade(
            channel=channel,
            out_trade_no=out_trade_no,
            amount_fen=amount_fen,
            trade_type=trade_type,
            description=description[:100],
        )
        session.add(trade)
        session.flush()
    elif trade.amount_fen != amount_fen or trade.channel != channel:
        raise SandboxError("OUT_TRADE_NO_USED")
    if channel == "insurance_account" and trade.state == "NOTPAY":
        if not auth_code or not w.auth_code_ok(auth_code):
            raise SandboxError("AUTH_CODE_INVALID")
        trade.payer = auth_code
        if not wire_insurance.debit(session, trade):
            raise SandboxError("INSUFFICIENT_BALANCE")
        _succeed(session, trade, "normal", 0)
    elif trade_type in w.CODE_TRADE_TYPES and trade.state == "NOTPAY":
        if not auth_code or not w.auth_code_ok(auth_code):
            raise SandboxError("AUTH_CODE_INVALID")
        trade.payer = auth_code[:4] + "****"
        if amount_fen > PASSWORD_ABOVE_FEN:
            trade.state = "USERPAYING"
        else:
            _succeed(session, trade, "normal", 20)
    return dict(w.create_answer(trade, secrets.token_urlsafe(8)))


def pay(
    session: Session, out_trade_no: str, *, mode: str = "normal", delay_seconds: int = 20, payer: str = ""
) -> SandboxTrade:
    """The payer confirms in the (simulated) wallet app, or types the card PIN."""
    trade = _trade(session, out_trade_no, lock=True)
    if trade is None:
        raise SandboxError("ORDERNOTEXIST")
    if trade.state in ("CLOSED", "PAYERROR") and mode != "after_close":
        raise SandboxError("ORDERCLOSED")
    if trade.state not in ("SUCCESS", "REFUND"):
        if payer:
            trade.payer = payer[:64]
        _succeed(session, trade, mode, delay_seconds)
    return trade


def enter_pin(session: Session, out_trade_no: str, card_no: str, pin: str) -> SandboxTrade:
    """The UnionPay PIN pad: the demo card with the demo PIN pays; wrong PINs count against it."""
    trade = _trade(session, out_trade_no, lock=True)
    if trade is None or trade.channel != "unionpay":
        raise SandboxError("ORDERNOTEXIST")
    if trade.state != "NOTPAY":
        raise SandboxError("ORDERCLOSED")
    if card_no.replace(" ", "") != DEMO_CARD:
        raise SandboxError("CARD_UNREADABLE")
    if pin != DEMO_PIN:
        trade.pin_failures += 1
        if trade.pin_failures >= MAX_PIN_TRIES:
            trade.state = "PAYERROR"
            raise SandboxError("PIN_LOCKED")
        raise SandboxError("PIN_WRONG")
    trade.payer = card_no[:6] + "******" + card_no[-4:]
    _succeed(session, trade, "normal", 0)
    return trade


def _succeed(session: Session, trade: SandboxTrade, mode: str, delay_seconds: int) -> None:
    trade.state = "SUCCESS"
    trade.transaction_id = wire(trade.channel).new_trade_no()
    trade.success_time = utcnow()
    _schedule(session, trade, mode, delay_seconds)


def _schedule(session: Session, trade: SandboxTrade, mode: str, delay_seconds: int) -> None:
    if mode == "missing":
        return
    now = utcnow()
    copies = {"duplicate": 3, "reorder": 2}.get(mode, 1)
    first = now + timedelta(seconds=delay_seconds) if mode == "late" else now
    for i in range(copies):
        note = notification_for(session, trade)
        if note is None:  # the channel only answers queries (the card acquirer)
            return
        headers, body = note
        when = first + timedelta(seconds=(copies - i) if mode == "reorder" else 0)
        session.add(
            SandboxNotification(
                channel=trade.channel,
                out_trade_no=trade.out_trade_no,
                headers=dict(headers),
                body=body.decode(),
                deliver_at=when,
            )
        )


def notification_for(session: Session, trade: SandboxTrade) -> tuple[Mapping[str, str], bytes] | None:
    w = wire(trade.channel)
    result: tuple[Mapping[str, str], bytes] | None = w.notification(session, trade)
    return result


def query(session: Session, channel: str, out_trade_no: str) -> dict[str, Any]:
    trade = _trade(session, out_trade_no)
    if trade is not None and trade.channel != channel:
        trade = None
    return dict(wire(channel).query_answer(trade, out_trade_no))


def close(session: Session, channel: str, out_trade_no: str) -> None:
    trade = _trade(session, out_trade_no, lock=True)
    if trade is None or trade.channel != channel:
        return
    if trade.state in ("SUCCESS", "REFUND"):
        raise SandboxError("ORDERPAID")
    trade.state = "CLOSED"


def refund(
    session: Session, channel: str, out_trade_no: str, out_refund_no: str, amount_fen: int, total_fen: int
) -> dict[str, Any]:
    w = wire(channel)
    existing = session.scalar(select(SandboxRefund).where(SandboxRefund.out_refund_no == out_refund_no))
    if existing is not None:  # channels are idempotent on the merchant's refund number
        return dict(w.refund_answer(existing))
    trade = _trade(session, out_trade_no, lock=True)
    if trade is None or trade.channel != channel or trade.state not in ("SUCCESS", "REFUND"):
        raise SandboxError("RESOURCE_NOT_EXISTS")
    if total_fen != trade.amount_fen or amount_fen <= 0 or trade.refunded_fen + amount_fen > trade.amount_fen:
        raise SandboxError("INVALID_REQUEST")
    trade.refunded_fen += amount_fen
    if trade.refunded_fen == trade.amount_fen:
        trade.state = "REFUND"
    if channel == "insurance_account":
        wire_insurance.credit(session, trade, amount_fen)
    row = SandboxRefund(
        channel=channel,
        out_refund_no=out_refund_no,
        out_trade_no=out_trade_no,
        refund_id=w.new_refund_no(),
        amount_fen=amount_fen,
        state="SUCCESS",
    )
    session.add(row)
    session.flush()
    return dict(w.refund_answer(row))


Deliver = Callable[[str, Mapping[str, str], bytes], int]


def deliver_due(
    factory: sessionmaker[Session],
    deliver: Deliver,
    limit: int = 50,
    channels: Collection[str] | None = None,
) -> int:
    """Sends due notifications (of some channels: a peer speaks only its own protocol);
    anything but a 2xx answer is retried on the channel's schedule."""
    now = utcnow()
    stmt = select(SandboxNotification).where(
        SandboxNotification.delivered_at.is_(None), SandboxNotification.deliver_at <= now
    )
    if channels is not None:
        stmt = stmt.where(SandboxNotification.channel.in_(list(channels)))
    with factory() as session:
        due = list(
            session.scalars(
                stmt.order_by(SandboxNotification.deliver_at, SandboxNotification.id).limit(limit)
            )
        )
        session.expunge_all()
    sent = 0
    for note in due:
        try:
            status = deliver(note.channel, note.headers, note.body.encode())
        except Exception:  # noqa: BLE001 - a merchant that cannot be reached is retried later
            status = 599
        with factory() as session:
            row = session.get(SandboxNotification, note.id)
            if row is None:
                continue
            row.attempts += 1
            if 200 <= status < 300:
                row.delivered_at = utcnow()
                sent += 1
            elif row.attempts <= len(RETRY_SCHEDULE):
                row.deliver_at = utcnow() + timedelta(seconds=RETRY_SCHEDULE[row.attempts - 1])
            else:
                row.delivered_at = utcnow()  # the channel gives up after its schedule
            session.commit()
    return sent
