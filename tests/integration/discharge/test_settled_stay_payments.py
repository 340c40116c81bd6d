"""A settled stay takes no more money: new deposits and top-ups are refused (service and API),
and a payment started before the settlement that arrives after it goes back to its origin."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bedside.charges import service as charges
from bedside.core.audit import AuditEvent
from bedside.core.clock import local_today
from bedside.deposits import service as deposits
from bedside.deposits.models import LedgerEntry
from bedside.discharge import service as discharge
from bedside.payments import refunds as payment_refunds
from bedside.payments import service as payments
from bedside.payments import worker
from bedside.payments.models import PaymentOrder, Refund
from bedside.payments.sandbox import server as sandbox
from tests.conftest import DATABASE
from tests.helpers import phone_login
from tests.integration.discharge.conftest import HIS, Inpatient, admitted, line, signature


def _start(ip: Inpatient, purpose: str, fen: int, key: str) -> PaymentOrder:
    with DATABASE.session() as s:
        return payments.start_payment(
            s,
            ip.adm.me,
            patient_id=ip.adm.patient.id,
            notice_id=ip.notice_id,
            purpose=purpose,
            amount_fen=fen,
            channel="wechat",
            trade_type="NATIVE",
            place="phone",
            idempotency_key=key,
        )


def _settled(session) -> Inpatient:  # type: ignore[no-untyped-def]
    """Self-pay ¥5,000 deposit, ¥4,000 of charges: settles with ¥1,000 back."""
    ip = admitted(session, insurance="self_pay")
    with DATABASE.session() as s:
        charges.post(s, HIS, ip.notice_id, [line("1", "A", 400000, "surgery")])
        discharge.order(s, ip.doctor, ip.notice_id, local_today(), has_medication=False)
        discharge.clear_ward(s, ip.nurse, ip.notice_id, no_pending_orders=True, charges_posted=True)
        assert discharge.get(s, ip.notice_id).state == "ready_to_settle"
    return ip


def _settle(ip: Inpatient) -> None:
    with DATABASE.session() as s:
        discharge.settle(s, ip.adm.me, ip.notice_id, signature(), "settle-late-0001")


def _balance(ip: Inpatient) -> int:
    with DATABASE.session() as s:
        account = deposits.account_for_notice(s, ip.adm.patient.id, ip.notice_id)
        cached, derived = deposits.check(s, account.id)
        assert cached == derived
        return cached


def _orders() -> int:
    with DATABASE.session() as s:
        return int(s.scalar(select(func.count()).select_from(PaymentOrder)) or 0)


def test_a_settled_stay_refuses_deposits_and_top_ups(session):
    ip = _settled(session)
    # Before the settlement the supplementary payment (and a top-up) may still be started.
    assert _start(ip, "supplementary_payment", 10000, "supp-before-01").state == "paying"
    _settle(ip)
    before = (_orders(), _balance(ip))
    for purpose in ("topup", "deposit", "supplementary_payment"):
        with DATABASE.session() as s, pytest.raises(deposits.StaySettled) as err:
            payments.start_payment(
                s,
                ip.adm.me,
                patient_id=ip.adm.patient.id,
                notice_id=ip.notice_id,
                purpose=purpose,
                amount_fen=50000,
                channel="wechat",
                trade_type="NATIVE",
                place="K-01",
                idempotency_key=f"after-settle-{purpose}",
            )
        assert (err.value.status, err.value.code) == (409, "stay_settled")
        assert err.value.localized("en") != err.value.localized("zh_CN")
    assert (_orders(), _balance(ip)) == before
    with DATABASE.session() as s:  # the patient leaving keeps it closed
        discharge.leave(s, ip.nurse, ip.notice_id)
    with pytest.raises(deposits.StaySettled):
        _start(ip, "topup", 50000, "after-leave-01")


def test_the_api_answers_409_with_a_clear_message(session, client, sms):
    ip = _settled(session)
    _settle(ip)
    token = phone_login(client, sms, "13600000011")
    r = client.post(
        "/api/v1/me/payments",
        json={
            "patient_id": ip.adm.patient.id,
            "notice_id": ip.notice_id,
            "purpose": "topup",
            "amount_fen": 50000,
            "channel": "wechat",
            "trade_type": "NATIVE",
        },
        headers={"Idempotency-Key": "api-after-settle-01", "X-CSRF-Token": token},
    )
    assert r.status_code == 409, r.text
    body = r.json()
    assert body["code"] == "stay_settled"
    assert "结算" in body["message_zh"] and "settled" in body["message_en"]


def test_a_top_up_paid_after_the_settlement_is_refunded_to_origin_once(session):
    ip = _settled(session)
    order = _start(ip, "topup", 50000, "topup-crossing-01")  # the payer's app is still open
    _settle(ip)
    assert _balance(ip) == 0
    with DATABASE.session() as s:
        sandbox.pay(s, order.out_trade_no, mode="duplicate")
        s.commit()
    sandbox.deliver_due(DATABASE.session_factory, worker.deliver_in_process(DATABASE.session_factory))
    assert _balance(ip) == 0  # credited and refunded together: nothing left on the account
    with DATABASE.session() as s:
        refund = s.scalars(select(Refund).where(Refund.payment_order_id == order.id)).one()
        assert (refund.rule, refund.route, refund.state, refund.amount_fen) == (
            "paid_after_settlement",
            "original",
            "processing",
            50000,
        )
        entries = s.scalars(select(LedgerEntry.kind).where(LedgerEntry.payment_order_id == order.id))
        assert sorted(entries) == ["refund", "topup"]  # once, despite the duplicate notifications
        audited = {
            (e.action, e.entity_type, e.detail.get("rule"), e.detail.get("after_settlement"))
            for e in s.scalars(
                select(AuditEvent).where(
                    AuditEvent.actor_kind == "system",
                    AuditEvent.action.in_(["payment.credit", "refund.create"]),
                    AuditEvent.patient_id == ip.adm.patient.id,
                )
            )
        }
        assert ("payment.credit", "payment_order", None, True) in audited
        assert ("refund.create", "refund", "paid_after_settlement", None) in audited
        payment_refunds.process_refunds(s)
        assert s.get(PaymentOrder, order.id).state == "refunded"
    assert _balance(ip) == 0
