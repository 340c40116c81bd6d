"""The same signed notification, posted 50 times at once to the notify URL (the channel's
retries racing each other): every answer is a success and the ledger moves exactly once.
Meaningful on PostgreSQL (row locks, concurrent transactions); on SQLite writes serialize."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from bedside.deposits import service as deposits
from bedside.deposits.models import LedgerEntry
from bedside.payments import service as payments
from bedside.payments.models import ChannelNotification, PaymentOrder
from bedside.payments.sandbox import server as sandbox
from bedside.payments.sandbox.models import SandboxTrade
from tests.conftest import DATABASE
from tests.integration.money.conftest import make_stay

COPIES = 50


def _paid_order_and_notification(session, channel, trade_type):  # type: ignore[no-untyped-def]
    stay = make_stay(session)
    with DATABASE.session() as s:
        order = payments.start_payment(
            s,
            stay.actor,
            patient_id=stay.patient.id,
            notice_id=stay.notice.id,
            purpose="deposit",
            amount_fen=500000,
            channel=channel,
            trade_type=trade_type,
            place="phone",
            idempotency_key="concurrent-0001",
        )
        sandbox.pay(s, order.out_trade_no, mode="missing")
        trade = s.scalar(select(SandboxTrade).where(SandboxTrade.out_trade_no == order.out_trade_no))
        headers, body = sandbox.notification_for(s, trade)
        s.commit()
    return order, headers, body


def _storm(client, url, headers, body):  # type: ignore[no-untyped-def]
    start = threading.Barrier(COPIES)

    def post(_: int) -> int:
        start.wait()
        return int(client.post(url, content=body, headers=dict(headers)).status_code)

    with ThreadPoolExecutor(max_workers=COPIES) as pool:
        return list(pool.map(post, range(COPIES)))


def _assert_moved_once(order):  # type: ignore[no-untyped-def]
    with DATABASE.session() as s:
        assert s.get(PaymentOrder, order.id).state == "paid"
        credits = s.scalar(
            select(func.count()).select_from(LedgerEntry).where(LedgerEntry.payment_order_id == order.id)
        )
        assert credits == 1
        cached, derived = deposits.check(s, order.account_id)
        assert cached == derived == 500000
        outcomes = s.scalars(
            select(ChannelNotification.outcome).where(ChannelNotification.out_trade_no == order.out_trade_no)
        ).all()
        assert sorted(set(outcomes)) == ["credited", "duplicate"]
        assert outcomes.count("credited") == 1


def test_fifty_concurrent_wechat_notifications_move_the_ledger_once(client, session):
    order, headers, body = _paid_order_and_notification(session, "wechat", "NATIVE")
    statuses = _storm(client, "/api/v1/payments/notify/wechat", headers, body)
    assert statuses == [204] * COPIES
    _assert_moved_once(order)


def test_fifty_concurrent_alipay_notifications_move_the_ledger_once(client, session):
    order, headers, body = _paid_order_and_notification(session, "alipay", "PRECREATE")
    statuses = _storm(client, "/api/v1/payments/notify/alipay", headers, body)
    assert statuses == [200] * COPIES
    _assert_moved_once(order)


def test_tampered_notification_over_http_is_refused_with_a_clear_error(client, session):
    order, headers, body = _paid_order_and_notification(session, "wechat", "NATIVE")
    r = client.post("/api/v1/payments/notify/wechat", content=body[:-3] + b"}}}", headers=dict(headers))
    assert r.status_code == 401
    assert r.json()["code"] == "notification_rejected"
    r = client.post("/api/v1/payments/notify/wechat", content=body)  # unsigned
    assert r.status_code == 401
    with DATABASE.session() as s:
        assert s.get(PaymentOrder, order.id).state == "paying"
        assert deposits.check(s, order.account_id) == (0, 0)
