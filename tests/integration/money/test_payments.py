"""Payments through the WeChat sandbox: signed notifications credit exactly once; queries fill
in for missing notifications; unpaid orders close; late money is refunded, never lost."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from bedside.core.db import utcnow
from bedside.core.errors import Conflict
from bedside.deposits import service as deposits
from bedside.deposits.models import LedgerEntry
from bedside.payments import refunds as payment_refunds
from bedside.payments import service as payments
from bedside.payments import worker
from bedside.payments.models import PaymentOrder, Refund
from bedside.payments.sandbox import server as sandbox
from bedside.payments.sandbox.models import SandboxNotification
from tests.conftest import DATABASE


def _start(stay, amount=300000, key="key-0001", purpose="deposit"):
    with DATABASE.session() as s:
        return payments.start_payment(
            s,
            stay.actor,
            patient_id=stay.patient.id,
            notice_id=stay.notice.id,
            purpose=purpose,
            amount_fen=amount,
            channel="wechat",
            trade_type="NATIVE",
            place="K-01",
            idempotency_key=key,
        )


def _pay(order, mode="normal"):
    with DATABASE.session() as s:
        sandbox.pay(s, order.out_trade_no, mode=mode)
        s.commit()


def _deliver():
    return sandbox.deliver_due(DATABASE.session_factory, worker.deliver_in_process(DATABASE.session_factory))


def _balance(order):
    with DATABASE.session() as s:
        cached, derived = deposits.check(s, order.account_id)
        assert cached == derived
        return cached


def _state(order):
    with DATABASE.session() as s:
        return s.get(PaymentOrder, order.id).state


def test_a_retried_request_returns_the_first_order(stay):
    first = _start(stay)
    again = _start(stay)
    assert again.id == first.id
    with pytest.raises(payments.IdempotencyConflict):
        _start(stay, amount=100000)


def test_paid_order_is_credited_once_despite_duplicate_notifications(stay):
    order = _start(stay)
    _pay(order, mode="duplicate")
    assert _deliver() == 3
    assert _state(order) == "paid"
    assert _balance(order) == 300000
    with DATABASE.session() as s:
        assert s.scalar(select(func.count()).select_from(LedgerEntry)) == 1


def test_missing_notification_is_made_good_by_a_query(stay):
    order = _start(stay)
    _pay(order, mode="missing")
    assert _deliver() == 0
    with time_machine.travel(utcnow() + timedelta(minutes=1)), DATABASE.session() as s:
        assert payments.poll_open_orders(s) == {"credited": 1}
    assert _balance(order) == 300000


def test_unpaid_order_is_closed_after_its_time(stay):
    order = _start(stay)
    with time_machine.travel(utcnow() + timedelta(minutes=5)), DATABASE.session() as s:
        assert payments.poll_open_orders(s) == {"waiting": 1}
    with time_machine.travel(utcnow() + timedelta(minutes=16)), DATABASE.session() as s:
        assert payments.poll_open_orders(s) == {"closed": 1}
    assert _state(order) == "closed"
    assert _balance(order) == 0


def test_money_arriving_after_close_is_refunded_automatically(stay):
    order = _start(stay)
    with time_machine.travel(utcnow() + timedelta(minutes=16)), DATABASE.session() as s:
        payments.poll_open_orders(s)
    # The payer's app had already taken the money when the close crossed it.
    with DATABASE.session() as s:
        trade = s.scalar(
            select(sandbox.SandboxTrade).where(sandbox.SandboxTrade.out_trade_no == order.out_trade_no)
        )
        trade.state = "NOTPAY"
        sandbox.pay(s, order.out_trade_no)
        s.commit()
    _deliver()
    with DATABASE.session() as s:
        refund = s.scalars(select(Refund)).one()
        assert (refund.rule, refund.state, refund.amount_fen) == ("paid_after_close", "processing", 300000)
        assert payment_refunds.process_refunds(s) == {"succeeded": 1}
    assert _state(order) == "refunded"
    assert _balance(order) == 0


def test_tampered_notification_is_refused_and_changes_nothing(stay):
    order = _start(stay)
    with DATABASE.session() as s:
        trade = s.scalar(
            select(sandbox.SandboxTrade).where(sandbox.SandboxTrade.out_trade_no == order.out_trade_no)
        )
        trade.state, trade.transaction_id, trade.success_time = "SUCCESS", "4200000000001", utcnow()
        headers, body = sandbox.notification_for(s, trade)
    data = json.loads(body)
    data["resource"]["ciphertext"] = data["resource"]["ciphertext"][:-4] + "AAAA"
    with DATABASE.session() as s, pytest.raises(payments.NotificationRejected):
        payments.handle_notification(s, "wechat", headers, json.dumps(data).encode())
    forged = dict(headers)
    forged["Wechatpay-Signature"] = "AAAA" + forged["Wechatpay-Signature"][4:]
    with DATABASE.session() as s, pytest.raises(payments.NotificationRejected):
        payments.handle_notification(s, "wechat", forged, body)
    assert _state(order) == "paying" and _balance(order) == 0


def test_refund_spreads_newest_first_and_stays_within_each_payment(stay):
    first = _start(stay, amount=300000, key="key-first")
    _pay(first)
    _deliver()
    second = _start(stay, amount=50000, key="key-second", purpose="topup")
    _pay(second)
    _deliver()
    with DATABASE.session() as s:
        refunds = payment_refunds.refund_to_origin(
            s, stay.actor, first.account_id, 120000, "surplus at discharge"
        )
        assert [(r.payment_order_id, r.amount_fen) for r in refunds] == [
            (second.id, 50000),
            (first.id, 70000),
        ]
        assert payment_refunds.process_refunds(s) == {"succeeded": 2}
    assert _balance(first) == 350000 - 120000
    assert (_state(first), _state(second)) == ("partially_refunded", "refunded")
    with DATABASE.session() as s, pytest.raises(Conflict):
        payment_refunds.refund_to_origin(s, stay.actor, first.account_id, 240000, "too much")


def test_notifications_come_late_and_out_of_order(stay):
    order = _start(stay)
    _pay(order, mode="reorder")
    with time_machine.travel(utcnow() + timedelta(seconds=5)):
        assert _deliver() == 2
    assert _balance(order) == 300000
    with DATABASE.session() as s:
        assert (
            s.scalar(
                select(func.count())
                .select_from(SandboxNotification)
                .where(SandboxNotification.delivered_at.is_not(None))
            )
            == 2
        )
