"""Record copies through the services: request -> pay -> verify -> copy -> mail with a message
at each step for the patient and a proxy; a refusal refunds the fee to its origin with the
ledger balanced; a proxy without consent and a non-relative are refused; a payment notified
twice is credited once and a second payment of one request goes back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bedside.accounts.models import AccountPatient
from bedside.core.audit import Actor
from bedside.core.clock import local_today
from bedside.core.errors import Conflict, Forbidden, InvalidInput
from bedside.core.events import dispatch_pending
from bedside.deposits import service as deposits
from bedside.deposits.models import LedgerEntry
from bedside.discharge import service as discharge
from bedside.notifications.models import InboxMessage
from bedside.payments import refunds as payment_refunds
from bedside.payments import worker
from bedside.payments.models import PaymentOrder, Refund
from bedside.payments.sandbox import server as sandbox
from bedside.records import proofs
from bedside.records import queries as records_queries
from bedside.records import service as records
from bedside.records.models import RecordCopyRequest
from bedside.staff import service as staff_service
from tests import factories
from tests.conftest import DATABASE
from tests.helpers import JSAPI_PAYER
from tests.integration.discharge.conftest import HIS, Inpatient, admitted, line, signature

MAIL = {
    "recipient_name": "赵云",
    "recipient_phone": "13912345678",
    "province": "湖南省",
    "city": "长沙市",
    "address": "岳麓区麓山南路 1 号",
}


def _drain() -> None:
    while dispatch_pending(DATABASE.session_factory):
        pass


def _deliver() -> None:
    sandbox.deliver_due(DATABASE.session_factory, worker.deliver_in_process(DATABASE.session_factory))
    _drain()


def _templates(account_id: int) -> list[str]:
    with DATABASE.session() as s:
        rows = s.scalars(
            select(InboxMessage.template)
            .where(InboxMessage.account_id == account_id)
            .order_by(InboxMessage.id)
        )
        return [t for t in rows if t.startswith("record_copy_")]


def _settle(ip: Inpatient) -> None:
    from bedside.charges import service as charges

    with DATABASE.session() as s:
        charges.post(s, HIS, ip.notice_id, [line("1", "A", 300000, "bed")])
        discharge.order(s, ip.doctor, ip.notice_id, local_today())
        discharge.clear_ward(s, ip.nurse, ip.notice_id, no_pending_orders=True, charges_posted=True)
        if discharge.get(s, ip.notice_id).state == "ward_cleared":
            discharge.review(s, ip.officer, ip.notice_id, "approve")
        discharge.settle(s, ip.adm.me, ip.notice_id, signature(), "settle-records-0001")
        payment_refunds.process_refunds(s)
    _drain()


def _office(session) -> Actor:  # type: ignore[no-untyped-def]
    return staff_service.actor_for(factories.staff(session, "records.clerk", "records_office"))


def _copy_in(ip: Inpatient, key: str, delivery: str = "mail", **kw) -> records.CopyIn:  # type: ignore[no-untyped-def]
    fields = {**(MAIL if delivery == "mail" else {}), **kw}
    return records.CopyIn(
        notice_id=ip.notice_id,
        purpose="insurance_claim",
        parts=("discharge_summary", "exam_reports"),
        copies=2,
        delivery=delivery,
        request_key=key,
        **fields,
    )


def _pay(actor: Actor, request_id: int, key: str, mode: str = "normal") -> PaymentOrder:
    with DATABASE.session() as s:
        order = records.start_payment(
            s,
            actor,
            request_id,
            channel="wechat",
            trade_type="JSAPI",
            payer=JSAPI_PAYER,
            place="phone",
            idempotency_key=key,
        )
        sandbox.pay(s, order.out_trade_no, mode=mode)
        s.commit()
    _deliver()
    return order


def _state(request_id: int) -> str:
    with DATABASE.session() as s:
        return s.get(RecordCopyRequest, request_id).state


def _balance(account_id: int) -> int:
    with DATABASE.session() as s:
        cached, derived = deposits.check(s, account_id)
        assert cached == derived
        return cached


def _proxy(session, ip: Inpatient, relation: str) -> Actor:  # type: ignore[no-untyped-def]
    proxy = factories.account_for(session, factories.make_phone())
    session.add(
        AccountPatient(account_id=proxy.id, patient_id=ip.adm.patient.id, relation=relation, consent="staff")
    )
    session.commit()
    return Actor(kind="account", id=proxy.id, label="proxy")


def test_request_pay_verify_copy_mail_each_change_pushed(session):
    ip = admitted(session)
    _settle(ip)
    mother = _proxy(session, ip, "parent")
    office = _office(session)
    with DATABASE.session() as s:
        req = records.submit(s, ip.adm.me, ip.adm.patient.id, _copy_in(ip, "copy-key-0001"))
        again = records.submit(s, ip.adm.me, ip.adm.patient.id, _copy_in(ip, "copy-key-0001"))
        assert again.id == req.id  # a double tap makes one request
        # (2 + 8 pages) x 2 copies x ¥0.50 + ¥20 postage
        assert (req.pages, req.fee_fen, req.state) == (20, 3000, "awaiting_payment")
        assert req.consent_method == "self"
        account_id = deposits.account_for_notice(s, ip.adm.patient.id, ip.notice_id).id
    _drain()
    before = _balance(account_id)
    order = _pay(ip.adm.me, req.id, "copy-pay-0001")
    assert _state(req.id) == "received"
    assert _balance(account_id) == before  # the fee passes through the ledger
    with DATABASE.session() as s:
        kinds = [
            e.kind for e in s.scalars(select(LedgerEntry).where(LedgerEntry.payment_order_id == order.id))
        ]
        assert kinds == ["fee_payment", "fee"]
        with pytest.raises(Forbidden):  # a patient's account is not the record office
            records.act(s, ip.adm.me, req.id, "approve")
        with pytest.raises(Conflict):  # mailed copies are not "ready for pick-up"
            records.act(s, office, req.id, "ready")
        s.rollback()
        with pytest.raises(Conflict) as missing:  # a mailed copy waits for the ID card photo
            records.act(s, office, req.id, "approve")
        assert missing.value.code == "proof_missing"
        s.rollback()
        proofs.upload(s, ip.adm.me, s.get(RecordCopyRequest, req.id), "id_card", factories.jpeg())
        records.act(s, office, req.id, "approve")
        with pytest.raises(InvalidInput) as err:
            records.act(s, office, req.id, "mail", carrier="sf", tracking_no="12")
        assert err.value.code == "invalid_tracking_no"
        with pytest.raises(InvalidInput):
            records.act(s, office, req.id, "mail", carrier="pigeon", tracking_no="SF1234567890")
        records.act(s, office, req.id, "mail", carrier="sf", tracking_no="sf1234567890")
        assert records_queries.open_for_patient(s, ip.adm.patient.id) == []
    _drain()
    assert _state(req.id) == "mailed"
    expected = [
        "record_copy_awaiting_payment",
        "record_copy_received",
        "record_copy_copying",
        "record_copy_mailed",
    ]
    assert _templates(ip.adm.account.id) == expected
    assert _templates(mother.id or 0) == expected  # the proxy hears what the patient hears
    with DATABASE.session() as s:
        mailed = s.scalar(
            select(InboxMessage).where(
                InboxMessage.account_id == ip.adm.account.id, InboxMessage.template == "record_copy_mailed"
            )
        )
        assert mailed.params["tracking_no"] == "SF1234567890"
        assert mailed.link == f"/phone/records/{req.id}"
    assert _balance(account_id) == before


def test_reject_refunds_the_fee_to_its_origin_and_the_ledger_balances(session):
    ip = admitted(session)  # still in hospital: the deposit is on the same account
    office = _office(session)
    with DATABASE.session() as s:
        req = records.submit(s, ip.adm.me, ip.adm.patient.id, _copy_in(ip, "copy-key-0002", "pickup"))
        account_id = deposits.account_for_notice(s, ip.adm.patient.id, ip.notice_id).id
        assert req.fee_fen == 1000  # no postage for pick-up
        assert [o.notice_id for o in records_queries.open_for_patient(s, ip.adm.patient.id)] == [ip.notice_id]
    before = _balance(account_id)
    order = _pay(ip.adm.me, req.id, "copy-pay-0002")
    assert _balance(account_id) == before
    with DATABASE.session() as s:
        with pytest.raises(InvalidInput):  # a reason is required
            records.act(s, office, req.id, "reject", reason=" ")
        records.act(s, office, req.id, "reject", reason="授权委托书缺失")
        refund = s.scalar(select(Refund).where(Refund.payment_order_id == order.id))
        assert (refund.amount_fen, refund.route) == (1000, "original")
        assert payment_refunds.process_refunds(s) == {"succeeded": 1}
        assert s.get(PaymentOrder, order.id).state == "refunded"
        # Only the fee's own payment was refunded, not the deposit.
        assert s.scalar(select(Refund).where(Refund.payment_order_id != order.id)) is None
    _drain()
    assert _state(req.id) == "rejected"
    assert _balance(account_id) == before
    assert _templates(ip.adm.account.id)[-1] == "record_copy_rejected"
    # A surplus refund of the deposit never draws on a fee payment, even the newest one.
    with DATABASE.session() as s:
        req2 = records.submit(s, ip.adm.me, ip.adm.patient.id, _copy_in(ip, "copy-key-0003", "pickup"))
    fee_order = _pay(ip.adm.me, req2.id, "copy-pay-0003")
    with DATABASE.session() as s:
        made = payment_refunds.refund_to_origin(s, ip.cashier, account_id, 1000, "surplus")
        assert [r.payment_order_id for r in made] != [fee_order.id]
        records.cancel(s, ip.adm.me, req2.id)  # cancelled before copying: refunded too
        assert payment_refunds.refundable(s, s.get(PaymentOrder, fee_order.id)) == 0
    assert _balance(account_id) == before - 1000


def test_proxy_needs_consent_and_other_relations_are_refused(session):
    ip = admitted(session)
    spouse = _proxy(session, ip, "spouse")
    friend = _proxy(session, ip, "other")
    with DATABASE.session() as s:
        with pytest.raises(InvalidInput) as err:
            records.submit(s, spouse, ip.adm.patient.id, _copy_in(ip, "proxy-key-0001", proxy_name="张丽"))
        assert err.value.code == "consent_required"
        with pytest.raises(Forbidden) as refused:
            records.submit(
                s, friend, ip.adm.patient.id, _copy_in(ip, "proxy-key-0002", consent=True, proxy_name="王五")
            )
        assert refused.value.code == "record_copy_not_authorized"
        with pytest.raises(InvalidInput) as bad:
            records.submit(s, ip.adm.me, ip.adm.patient.id, _copy_in(ip, "proxy-key-0003", province="火星"))
        assert bad.value.code == "invalid_province"
        s.rollback()
        assert s.scalar(select(RecordCopyRequest.id)) is None
        req = records.submit(
            s, spouse, ip.adm.patient.id, _copy_in(ip, "proxy-key-0004", consent=True, proxy_name="张丽")
        )
        assert (req.relation, req.consent_method, req.proxy_name, req.consent_by) == (
            "spouse",
            "declared_authorization",
            "张丽",
            ip.adm.patient.name,
        )
        assert "配偶" in req.consent_statement
        assert req.consent_at is not None


def test_double_notification_credits_once_and_a_second_payment_goes_back(session):
    ip = admitted(session)
    with DATABASE.session() as s:
        req = records.submit(s, ip.adm.me, ip.adm.patient.id, _copy_in(ip, "copy-key-0004", "pickup"))
        account_id = deposits.account_for_notice(s, ip.adm.patient.id, ip.notice_id).id
        # Two orders started before either was paid (the phone, then the kiosk).
        first = records.start_payment(
            s,
            ip.adm.me,
            req.id,
            channel="wechat",
            trade_type="JSAPI",
            payer=JSAPI_PAYER,
            place="phone",
            idempotency_key="pay-a-0001",
        )
        second = records.start_payment(
            s,
            ip.adm.me,
            req.id,
            channel="alipay",
            trade_type="PRECREATE",
            place="K01",
            idempotency_key="pay-b-0001",
        )
        sandbox.pay(s, first.out_trade_no, mode="duplicate")
        s.commit()
    before = _balance(account_id)
    _deliver()
    _drain()  # delivered twice over: still one credit
    with DATABASE.session() as s:
        fee_entries = s.scalars(select(LedgerEntry).where(LedgerEntry.payment_order_id == first.id)).all()
        assert [e.kind for e in fee_entries] == ["fee_payment", "fee"]
        assert s.get(RecordCopyRequest, req.id).paid_order_id == first.id
        sandbox.pay(s, second.out_trade_no)
        s.commit()
    _deliver()
    with DATABASE.session() as s:
        refund = s.scalar(select(Refund).where(Refund.payment_order_id == second.id))
        assert refund is not None and refund.amount_fen == req.fee_fen
        assert s.get(RecordCopyRequest, req.id).state == "received"
        with pytest.raises(Conflict):  # the fee is paid: no third order
            records.start_payment(
                s,
                ip.adm.me,
                req.id,
                channel="wechat",
                trade_type="JSAPI",
                payer=JSAPI_PAYER,
                place="phone",
                idempotency_key="pay-c-0001",
            )
    assert _balance(account_id) == before
    assert _templates(ip.adm.account.id).count("record_copy_received") == 1


def test_only_admitted_stays_may_be_copied(session):
    ip = admitted(session)
    with DATABASE.session() as s:
        from bedside.admissions.models import AdmissionNotice

        n = s.get(AdmissionNotice, ip.notice_id)
        n.state = "registered"
        n.admitted_at = n.admitted_at - timedelta(days=1)
        s.commit()
        with pytest.raises(InvalidInput) as err:
            records.submit(s, ip.adm.me, ip.adm.patient.id, _copy_in(ip, "copy-key-0005"))
        assert err.value.code == "stay_not_eligible"
