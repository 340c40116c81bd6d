"""Unpaid record copy requests expire: after `record_copy_payment_hours` the timers cancel
them through the machine's "expire" action (history, audit, the patient's message); paid ones
are left alone, and a fee that lands after the expiry goes back."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bedside import timers
from bedside.core.audit import AuditEvent
from bedside.notifications.models import InboxMessage
from bedside.payments.models import Refund
from bedside.payments.sandbox import server as sandbox
from bedside.records import service as records
from bedside.records.models import RecordCopyRequest, RecordCopyTransition
from bedside.settings import Settings
from tests.conftest import DATABASE
from tests.integration.discharge.conftest import admitted
from tests.integration.test_record_copies import _copy_in, _deliver, _drain, _pay, _state, _templates


def _submit(ip, key: str) -> RecordCopyRequest:  # type: ignore[no-untyped-def]
    with DATABASE.session() as s:
        req = records.submit(s, ip.adm.me, ip.adm.patient.id, _copy_in(ip, key, "pickup"))
        s.expunge(req)
        return req


def test_unpaid_request_expires_after_48_hours_once_and_the_patient_is_told(session):
    ip = admitted(session)
    unpaid = _submit(ip, "expire-key-0001")
    paid = _submit(ip, "expire-key-0002")
    _pay(ip.adm.me, paid.id, "expire-pay-0002")
    assert _state(paid.id) == "received"
    with DATABASE.session() as s:
        assert records.expire_unpaid(s, unpaid.created_at + timedelta(hours=47)) == 0
        assert records.expire_unpaid(s, unpaid.created_at + timedelta(hours=49)) == 1
        assert records.expire_unpaid(s, unpaid.created_at + timedelta(hours=49)) == 0
    _drain()
    assert (_state(unpaid.id), _state(paid.id)) == ("cancelled", "received")
    with DATABASE.session() as s:
        step = s.scalars(
            select(RecordCopyTransition).where(RecordCopyTransition.request_id == unpaid.id)
        ).all()[-1]
        assert (step.from_state, step.action, step.to_state, step.actor) == (
            "awaiting_payment",
            "expire",
            "cancelled",
            "system:system",
        )
        audit = s.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "record_copy.expire", AuditEvent.entity_id == str(unpaid.id)
            )
        ).one()
        assert audit.actor_kind == "system" and audit.patient_id == ip.adm.patient.id
        message = s.scalars(
            select(InboxMessage).where(
                InboxMessage.account_id == ip.adm.account.id, InboxMessage.template == "record_copy_expired"
            )
        ).one()
        assert message.params["hours"] == 48 and message.link == f"/phone/records/{unpaid.id}"
    templates = _templates(ip.adm.account.id)
    assert "record_copy_cancelled" not in templates and templates.count("record_copy_expired") == 1


def test_the_wait_is_a_setting_and_the_timers_run_it(session, monkeypatch):
    ip = admitted(session)
    req = _submit(ip, "expire-key-0003")
    monkeypatch.setattr(records, "get_settings", lambda: Settings(demo=True, record_copy_payment_hours=1))
    with DATABASE.session() as s:
        assert records.expire_unpaid(s, req.created_at + timedelta(minutes=59)) == 0
        s.execute(
            RecordCopyRequest.__table__.update()
            .where(RecordCopyRequest.id == req.id)
            .values(created_at=req.created_at - timedelta(hours=2))
        )
        s.commit()
    timers.run_once(DATABASE.session_factory)
    assert _state(req.id) == "cancelled"


def test_a_fee_paid_after_the_expiry_goes_back(session):
    ip = admitted(session)
    req = _submit(ip, "expire-key-0004")
    with DATABASE.session() as s:
        order = records.start_payment(
            s,
            ip.adm.me,
            req.id,
            channel="wechat",
            trade_type="NATIVE",
            place="K01",
            idempotency_key="expire-pay-0004",
        )
        assert records.expire_unpaid(s, req.created_at + timedelta(hours=49)) == 1
        sandbox.pay(s, order.out_trade_no)
        s.commit()
    _deliver()
    assert _state(req.id) == "cancelled"
    with DATABASE.session() as s:
        refund = s.scalar(select(Refund).where(Refund.payment_order_id == order.id))
        assert refund is not None and refund.amount_fen == req.fee_fen
        assert s.get(RecordCopyRequest, req.id).paid_order_id is None
