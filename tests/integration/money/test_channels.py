"""Alipay (QR and payment code), UnionPay card at the PIN pad, cash notes, and a surplus
refunded across channels: each credits exactly once and goes back by its own route."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qsl, urlencode

import pytest
import time_machine
from sqlalchemy import select

from bedside.core.audit import SYSTEM
from bedside.core.db import utcnow
from bedside.core.errors import Conflict, InvalidInput
from bedside.deposits import service as deposits
from bedside.payments import cash, worker
from bedside.payments import refunds as payment_refunds
from bedside.payments import service as payments
from bedside.payments.models import PaymentOrder, Refund
from bedside.payments.sandbox import server as sandbox
from bedside.payments.sandbox.models import SandboxNotification, SandboxTrade
from tests.conftest import DATABASE

WECHAT_CODE = "134567890123456789"
ALIPAY_CODE = "287654321098765432"


def _start(stay, channel, trade_type, amount=100000, key="key-ch-01", auth_code=None, purpose="deposit"):
    with DATABASE.session() as s:
        return payments.start_payment(
            s,
            stay.actor,
            patient_id=stay.patient.id,
            notice_id=stay.notice.id,
            purpose=purpose,
            amount_fen=amount,
            channel=channel,
            trade_type=trade_type,
            place="K-01",
            idempotency_key=key,
            auth_code=auth_code,
        )


def _deliver():
    return sandbox.deliver_due(DATABASE.session_factory, worker.deliver_in_process(DATABASE.session_factory))


def _order(order):
    with DATABASE.session() as s:
        row = s.get(PaymentOrder, order.id)
        s.expunge(row)
        return row


def _balance(account_id):
    with DATABASE.session() as s:
        cached, derived = deposits.check(s, account_id)
        assert cached == derived
        return cached


def test_alipay_qr_paid_and_notified_twice_credits_once(stay):
    order = _start(stay, "alipay", "PRECREATE")
    assert order.pay_params["qr_code"].startswith("https://qr.alipay.com/")
    with DATABASE.session() as s:
        sandbox.pay(s, order.out_trade_no, mode="duplicate")
        s.commit()
    assert _deliver() == 3
    assert _order(order).state == "paid"
    assert _order(order).channel_trade_no
    assert _balance(order.account_id) == 100000


def test_alipay_notification_tampered_amount_is_refused(stay):
    order = _start(stay, "alipay", "PRECREATE")
    with DATABASE.session() as s:
        sandbox.pay(s, order.out_trade_no, mode="missing")
        trade = s.scalar(select(SandboxTrade).where(SandboxTrade.out_trade_no == order.out_trade_no))
        headers, body = sandbox.notification_for(s, trade)
        s.commit()
    form = dict(parse_qsl(body.decode()))
    form["total_amount"] = "0.01"
    with DATABASE.session() as s, pytest.raises(payments.NotificationRejected):
        payments.handle_notification(s, "alipay", headers, urlencode(form).encode())
    unsigned = {k: v for k, v in dict(parse_qsl(body.decode())).items() if k != "sign"}
    with DATABASE.session() as s, pytest.raises(payments.NotificationRejected):
        payments.handle_notification(s, "alipay", headers, urlencode(unsigned).encode())
    assert _order(order).state == "paying"
    assert _balance(order.account_id) == 0
    # The untouched notification still credits.
    with DATABASE.session() as s:
        assert payments.handle_notification(s, "alipay", headers, body) == "credited"


def test_payment_code_small_amount_pays_at_once(stay):
    order = _start(stay, "wechat", "MICROPAY", amount=50000, auth_code=WECHAT_CODE)
    assert order.state == "paid"
    assert _balance(order.account_id) == 50000
    # The notification that follows changes nothing.
    _deliver()
    assert _balance(order.account_id) == 50000


def test_payment_code_large_amount_waits_for_password_then_query_credits(stay):
    order = _start(stay, "alipay", "BARCODE", amount=300000, auth_code=ALIPAY_CODE)
    assert order.state == "paying"
    with DATABASE.session() as s:
        sandbox.pay(s, order.out_trade_no, mode="missing")
        s.commit()
    with DATABASE.session() as s:
        assert payments.check_order(s, order.id) == "credited"
    assert _balance(order.account_id) == 300000


def test_bad_payment_code_is_refused_before_anything_moves(stay):
    with pytest.raises(InvalidInput) as err:
        _start(stay, "wechat", "MICROPAY", auth_code="12ab")
    assert err.value.code == "payment_code_invalid"
    # A well-formed code of the other wallet is declined by the channel; the order fails.
    with pytest.raises(InvalidInput) as err:
        _start(stay, "wechat", "MICROPAY", auth_code=ALIPAY_CODE, key="key-ch-02")
    assert err.value.code == "payment_declined"
    with DATABASE.session() as s:
        assert s.scalars(select(PaymentOrder.state)).all() == ["failed"]


def test_card_with_pin_is_learnt_by_query_and_wrong_pins_fail_the_order(stay):
    order = _start(stay, "unionpay", "POS")
    with DATABASE.session() as s:
        with pytest.raises(sandbox.SandboxError):
            sandbox.enter_pin(s, order.out_trade_no, sandbox.DEMO_CARD, "000000")
        s.commit()
    with DATABASE.session() as s:
        sandbox.enter_pin(s, order.out_trade_no, sandbox.DEMO_CARD, sandbox.DEMO_PIN)
        s.commit()
    with DATABASE.session() as s:
        assert s.scalar(select(SandboxNotification.id)) is None  # the acquirer does not call back
        assert payments.check_order(s, order.id) == "credited"
    assert _balance(order.account_id) == 100000

    second = _start(stay, "unionpay", "POS", key="key-ch-03", purpose="topup")
    for _ in range(sandbox.MAX_PIN_TRIES):
        with DATABASE.session() as s:
            with pytest.raises(sandbox.SandboxError):
                sandbox.enter_pin(s, second.out_trade_no, sandbox.DEMO_CARD, "999999")
            s.commit()
    with DATABASE.session() as s:
        assert payments.check_order(s, second.id) == "failed"
    assert _order(second).state == "failed"
    assert _balance(order.account_id) == 100000


def _cash(stay, key="key-cash-01"):
    with DATABASE.session() as s:
        return cash.start_cash(
            s,
            stay.actor,
            patient_id=stay.patient.id,
            notice_id=stay.notice.id,
            purpose="deposit",
            place="K-01",
            idempotency_key=key,
        )


def test_cash_notes_are_credited_as_inserted_and_repeats_are_harmless(stay):
    order = _cash(stay)
    assert _cash(stay).id == order.id  # a retried start answers with the same session
    with DATABASE.session() as s:
        cash.accept_note(s, stay.actor, order.id, 1, 10000)
        cash.accept_note(s, stay.actor, order.id, 2, 5000)
        cash.accept_note(s, stay.actor, order.id, 2, 5000)  # the kiosk retried its report
        with pytest.raises(InvalidInput):
            cash.accept_note(s, stay.actor, order.id, 3, 500)  # no 5-yuan notes
        with pytest.raises(Conflict):
            cash.accept_note(s, stay.actor, order.id, 2, 10000)
        done = cash.finish_cash(s, stay.actor, order.id)
        assert (done.state, done.amount_fen) == ("paid", 15000)
        assert cash.finish_cash(s, stay.actor, order.id).state == "paid"  # pressing twice
        with pytest.raises(Conflict):
            cash.accept_note(s, stay.actor, order.id, 4, 10000)
    assert _balance(order.account_id) == 15000


def test_cash_session_limit_returns_the_note(stay):
    order = _cash(stay)
    with DATABASE.session() as s:
        for seq in range(1, cash.SESSION_LIMIT_FEN // 10000 + 1):
            cash.accept_note(s, stay.actor, order.id, seq, 10000)
        with pytest.raises(Conflict) as err:
            cash.accept_note(s, stay.actor, order.id, 999, 1000)
        assert err.value.code == "cash_limit_reached"


def test_abandoned_cash_session_is_credited_not_lost(stay):
    order = _cash(stay)
    with DATABASE.session() as s:
        cash.accept_note(s, stay.actor, order.id, 1, 2000)
    with time_machine.travel(utcnow() + timedelta(minutes=6)), DATABASE.session() as s:
        assert cash.finish_abandoned(s) == 1
    assert _order(order).state == "paid"
    assert _balance(order.account_id) == 2000
    # An empty abandoned session is just closed.
    empty = _cash(stay, key="key-cash-02")
    with time_machine.travel(utcnow() + timedelta(minutes=6)), DATABASE.session() as s:
        cash.finish_abandoned(s)
    assert _order(empty).state == "closed"


def test_surplus_goes_back_newest_first_each_by_its_own_route(stay):
    wx = _start(stay, "wechat", "MICROPAY", amount=50000, auth_code=WECHAT_CODE, key="key-rf-01")
    ali = _start(
        stay, "alipay", "BARCODE", amount=30000, auth_code=ALIPAY_CODE, key="key-rf-02", purpose="topup"
    )
    notes = _cash(stay, key="key-rf-03")
    with DATABASE.session() as s:
        cash.accept_note(s, stay.actor, notes.id, 1, 10000)
        cash.finish_cash(s, stay.actor, notes.id)
    assert _balance(wx.account_id) == 90000
    with DATABASE.session() as s:
        made = payment_refunds.refund_to_origin(s, SYSTEM, wx.account_id, 45000, "surplus at discharge")
        plan = [(r.payment_order_id, r.amount_fen, r.route, r.state) for r in made]
    assert plan == [
        (notes.id, 10000, "staffed_window", "pending_approval"),
        (ali.id, 30000, "original", "processing"),
        (wx.id, 5000, "original", "processing"),
    ]
    with DATABASE.session() as s:
        assert payment_refunds.process_refunds(s) == {"succeeded": 2}
    assert _order(ali).state == "refunded"
    assert _order(wx).state == "partially_refunded"
    assert _balance(wx.account_id) == 45000
    with DATABASE.session() as s:
        refund = s.scalar(select(Refund).where(Refund.payment_order_id == notes.id))
        assert refund.rule == "cash_payment"
        trade = s.scalar(select(SandboxTrade).where(SandboxTrade.out_trade_no == ali.out_trade_no))
        assert (trade.state, trade.refunded_fen) == ("REFUND", 30000)


def test_insurance_personal_account_debits_synchronously_and_reverses(stay):
    insurance_no = stay.patient.resident_id
    order = _start(
        stay,
        "insurance_account",
        "ACCOUNT",
        amount=120000,
        auth_code=insurance_no,
        purpose="supplementary_payment",
    )
    assert order.state == "paid"
    assert _balance(order.account_id) == 120000
    # ¥3,000 opening balance: ¥1,200 used, so ¥2,000 more is refused and nothing moves.
    with pytest.raises(InvalidInput) as err:
        _start(
            stay,
            "insurance_account",
            "ACCOUNT",
            amount=200000,
            auth_code=insurance_no,
            key="key-ins-02",
            purpose="supplementary_payment",
        )
    assert err.value.code == "payment_declined"
    assert _balance(order.account_id) == 120000
    with DATABASE.session() as s:
        payment_refunds.refund_to_origin(s, SYSTEM, order.account_id, 120000, "settlement reversed")
        assert payment_refunds.process_refunds(s) == {"succeeded": 1}
    assert _order(order).state == "refunded"
    again = _start(
        stay,
        "insurance_account",
        "ACCOUNT",
        amount=300000,
        auth_code=insurance_no,
        key="key-ins-03",
        purpose="supplementary_payment",
    )
    assert again.state == "paid"  # the reversal put the money back in the personal account
