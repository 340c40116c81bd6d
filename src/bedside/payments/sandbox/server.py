"""The sandbox WeChat Pay "server": accepts orders, is paid when the demo user confirms,
answers queries, closes and refunds, and sends signed, encrypted notifications — on time,
late, twice, out of order or never, as real channels sometimes do."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bedside.core.db import utcnow
from bedside.payments.crypto import wechat as wx
from bedside.payments.sandbox.models import SandboxKeys, SandboxNotification, SandboxRefund, SandboxTrade

CHANNEL = "wechat"
MCHID = "1900000109"
APPID = "wxd678efh567hg6787"
# WeChat's documented notification retry schedule (seconds after the first attempt).
RETRY_SCHEDULE = (15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600)
CHAOS_MODES = ("normal", "duplicate", "late", "missing", "reorder")


class SandboxError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def keys(session: Session) -> SandboxKeys:
    row = session.scalar(select(SandboxKeys).where(SandboxKeys.channel == CHANNEL))
    if row is None:
        pair = wx.generate_rsa_keypair()
        row = SandboxKeys(
            channel=CHANNEL,
            private_pem=pair.private_pem.decode(),
            public_pem=pair.public_pem.decode(),
            serial=pair.serial,
            secret=secrets.token_hex(16),
        )
        session.add(row)
        session.flush()
    return row


def apiv3_key(row: SandboxKeys) -> bytes:
    return row.secret.encode()  # 32 ASCII characters, as merchants configure it


def create(
    session: Session, out_trade_no: str, amount_fen: int, trade_type: str, description: str
) -> dict[str, Any]:
    trade = session.scalar(select(SandboxTrade).where(SandboxTrade.out_trade_no == out_trade_no))
    if trade is None:
        trade = SandboxTrade(
            channel=CHANNEL,
            out_trade_no=out_trade_no,
            amount_fen=amount_fen,
            trade_type=trade_type,
            description=description,
        )
        session.add(trade)
        session.flush()
    elif trade.amount_fen != amount_fen:
        raise SandboxError("OUT_TRADE_NO_USED")
    token = secrets.token_urlsafe(8)
    if trade_type == "NATIVE":
        return {
            "code_url": f"weixin://wxpay/bizpayurl?pr={token}",
            "sandbox_pay": f"/sandbox/pay/{out_trade_no}",
        }
    return {"prepay_id": f"wx{token}", "sandbox_pay": f"/sandbox/pay/{out_trade_no}"}


def pay(
    session: Session, out_trade_no: str, *, mode: str = "normal", delay_seconds: int = 20
) -> SandboxTrade:
    """The payer confirms in the (simulated) WeChat app."""
    trade = session.scalar(
        select(SandboxTrade).where(SandboxTrade.out_trade_no == out_trade_no).with_for_update()
    )
    if trade is None:
        raise SandboxError("ORDERNOTEXIST")
    if trade.state == "CLOSED" and mode != "after_close":
        raise SandboxError("ORDERCLOSED")
    if trade.state != "SUCCESS":
        trade.state = "SUCCESS"
        trade.transaction_id = f"4200{utcnow():%Y%m%d}{secrets.randbelow(10**16):016d}"
        trade.success_time = utcnow()
        _schedule(session, trade, mode, delay_seconds)
    return trade


def _schedule(session: Session, trade: SandboxTrade, mode: str, delay_seconds: int) -> None:
    if mode == "missing":
        return
    now = utcnow()
    copies = {"duplicate": 3, "reorder": 2}.get(mode, 1)
    first = now + timedelta(seconds=delay_seconds) if mode == "late" else now
    for i in range(copies):
        headers, body = notification_for(session, trade)
        when = first + timedelta(seconds=(copies - i) if mode == "reorder" else 0)
        session.add(
            SandboxNotification(
                channel=CHANNEL,
                out_trade_no=trade.out_trade_no,
                headers=headers,
                body=body.decode(),
                deliver_at=when,
            )
        )


def notification_for(session: Session, trade: SandboxTrade) -> tuple[dict[str, str], bytes]:
    row = keys(session)
    pair = wx.RsaKeyPair(
        private_pem=row.private_pem.encode(), public_pem=row.public_pem.encode(), serial=row.serial
    )
    resource = {
        "appid": APPID,
        "mchid": MCHID,
        "out_trade_no": trade.out_trade_no,
        "transaction_id": trade.transaction_id,
        "trade_type": trade.trade_type,
        "trade_state": trade.state,
        "trade_state_desc": "支付成功",
        "bank_type": "OTHERS",
        "attach": "",
        "success_time": _rfc3339(trade.success_time),
        "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
        "amount": {
            "total": trade.amount_fen,
            "payer_total": trade.amount_fen,
            "currency": "CNY",
            "payer_currency": "CNY",
        },
    }
    return wx.build_notification("TRANSACTION.SUCCESS", resource, pair, apiv3_key(row), utcnow())


def _rfc3339(value: Any) -> str | None:
    if value is None:
        return None
    from bedside.settings import get_settings

    return str(value.astimezone(get_settings().tz).isoformat(timespec="seconds"))


def query(session: Session, out_trade_no: str) -> dict[str, Any]:
    trade = session.scalar(select(SandboxTrade).where(SandboxTrade.out_trade_no == out_trade_no))
    if trade is None:
        return {"trade_state": "NOTFOUND", "out_trade_no": out_trade_no}
    return {
        "out_trade_no": trade.out_trade_no,
        "trade_state": trade.state,
        "transaction_id": trade.transaction_id,
        "amount": {"total": trade.amount_fen},
        "success_time": _rfc3339(trade.success_time),
    }


def close(session: Session, out_trade_no: str) -> None:
    trade = session.scalar(
        select(SandboxTrade).where(SandboxTrade.out_trade_no == out_trade_no).with_for_update()
    )
    if trade is None:
        return
    if trade.state == "SUCCESS":
        raise SandboxError("ORDERPAID")
    trade.state = "CLOSED"


def refund(
    session: Session, out_trade_no: str, out_refund_no: str, amount_fen: int, total_fen: int
) -> dict[str, Any]:
    existing = session.scalar(select(SandboxRefund).where(SandboxRefund.out_refund_no == out_refund_no))
    if existing is not None:  # the channel is idempotent on out_refund_no
        return {"status": existing.state, "refund_id": existing.refund_id}
    trade = session.scalar(
        select(SandboxTrade).where(SandboxTrade.out_trade_no == out_trade_no).with_for_update()
    )
    if trade is None or trade.state not in ("SUCCESS", "REFUND"):
        raise SandboxError("RESOURCE_NOT_EXISTS")
    if total_fen != trade.amount_fen or amount_fen <= 0 or trade.refunded_fen + amount_fen > trade.amount_fen:
        raise SandboxError("INVALID_REQUEST")
    trade.refunded_fen += amount_fen
    if trade.refunded_fen == trade.amount_fen:
        trade.state = "REFUND"
    row = SandboxRefund(
        channel=CHANNEL,
        out_refund_no=out_refund_no,
        out_trade_no=out_trade_no,
        refund_id=f"5030{secrets.randbelow(10**20):020d}",
        amount_fen=amount_fen,
        state="SUCCESS",
    )
    session.add(row)
    return {"status": "SUCCESS", "refund_id": row.refund_id}


Deliver = Callable[[Mapping[str, str], bytes], int]


def deliver_due(factory: sessionmaker[Session], deliver: Deliver, limit: int = 50) -> int:
    """Sends due notifications; anything but a 2xx answer is retried on WeChat's schedule."""
    now = utcnow()
    with factory() as session:
        due = list(
            session.scalars(
                select(SandboxNotification)
                .where(SandboxNotification.delivered_at.is_(None), SandboxNotification.deliver_at <= now)
                .order_by(SandboxNotification.deliver_at, SandboxNotification.id)
                .limit(limit)
            )
        )
        session.expunge_all()
    sent = 0
    for note in due:
        try:
            status = deliver(note.headers, note.body.encode())
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
                row.delivered_at = utcnow()  # WeChat gives up after its schedule
            session.commit()
    return sent


def notification_json(body: bytes) -> dict[str, Any]:
    return dict(json.loads(body))
