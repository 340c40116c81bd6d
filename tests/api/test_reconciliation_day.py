"""A reconciliation day end to end against the sandbox's books: the statements downloaded
through the channel clients (HTTP peers), matched, each discrepancy worked through the money
core, the day closed and then immutable."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bedside.core.audit import Actor
from bedside.core.clock import local_today
from bedside.core.errors import DomainError
from bedside.deposits import service as deposits
from bedside.payments import service as payments
from bedside.payments import worker
from bedside.payments.models import PaymentOrder
from bedside.payments.sandbox import server as sandbox
from bedside.reconciliation import engine, fetch, service, workflow
from bedside.reconciliation.models import Discrepancy, StatementRow
from tests import factories
from tests.conftest import DATABASE
from tests.helpers import PASSWORD
from tests.integration.money.conftest import make_stay


def _order(stay, channel, amount, key, mode="normal"):  # type: ignore[no-untyped-def]
    trade_type = "NATIVE" if channel == "wechat" else "PRECREATE"
    with DATABASE.session() as s:
        order = payments.start_payment(
            s,
            stay.actor,
            patient_id=stay.patient.id,
            notice_id=stay.notice.id,
            purpose="deposit",
            amount_fen=amount,
            channel=channel,
            trade_type=trade_type,
            place="phone",
            idempotency_key=key,
        )
        sandbox.pay(s, order.out_trade_no, mode=mode)
        s.commit()
    sandbox.deliver_due(DATABASE.session_factory, worker.deliver_in_process(DATABASE.session_factory))
    return order


@pytest.fixture
def day(session):  # type: ignore[no-untyped-def]
    stay = make_stay(session)
    cashier = factories.staff(session, "cash.recon", "cashier")
    manager = factories.staff(session, "boss.recon", "manager")
    paid = _order(stay, "wechat", 300000, "recon-key-0001")
    silent = _order(stay, "wechat", 120000, "recon-key-0002", mode="missing")  # never notified
    ali = _order(stay, "alipay", 50000, "recon-key-0003")
    actor = Actor(kind="staff", id=cashier.id, label=cashier.username, roles=frozenset({"cashier"}))
    return {"stay": stay, "paid": paid, "silent": silent, "ali": ali, "actor": actor, "manager": manager}


def _by_kind(session, day_id):  # type: ignore[no-untyped-def]
    return {(d.channel, d.kind, d.ref): d for d in service.discrepancies(session, day_id)}


def test_the_day_from_download_to_close(session, day):  # type: ignore[no-untyped-def]
    actor, today = day["actor"], local_today()
    wx = fetch.download("wechat", today)
    # The channel says the paid order was revoked ("we say paid, the channel says closed").
    text = wx.data.decode("utf-8")
    line = next(ln for ln in text.splitlines() if day["paid"].out_trade_no in ln)
    text = text.replace(line, line.replace("`SUCCESS", "`REVOKED"))
    service.import_statement(session, actor, today, "wechat", wx.name, text.encode("utf-8"))
    ali = fetch.download("alipay", today)
    service.import_statement(session, actor, today, "alipay", ali.name, ali.data)
    service.record_cash_count(session, actor, today, "K-01", 5000)  # no notes were reported
    outcome = engine.run(session, actor, today)
    d = service.get_day(session, today)
    found = _by_kind(session, d.id)
    assert set(found) == {
        ("wechat", "status_differs", day["paid"].out_trade_no),
        ("wechat", "missing_ours", day["silent"].out_trade_no),
        ("cash", "cash_mismatch", "K-01"),
    }, found
    assert outcome["added"] == 3
    assert d.summary["alipay"]["amount_fen"] == 50000 and d.summary["alipay"]["matched"] == 1
    # Running again adds nothing.
    assert engine.run(session, actor, today)["added"] == 0

    # Query the channel: it says SUCCESS, the statement row was wrong; nothing is credited twice.
    status = found[("wechat", "status_differs", day["paid"].out_trade_no)]
    assert workflow.query_channel(session, actor, status.id).state == "resolved"
    # Credit the payment the channel took and our ledger missed: through apply_trade.
    missing = found[("wechat", "missing_ours", day["silent"].out_trade_no)]
    assert workflow.credit(session, actor, missing.id).state == "resolved"
    order = session.get(PaymentOrder, day["silent"].id)
    session.refresh(order)
    assert order.state == "paid"
    cached, derived = deposits.check(session, order.account_id)
    assert cached == derived == 300000 + 120000 + 50000
    with pytest.raises(DomainError) as refused:
        service.close_day(session, actor, today)
    assert refused.value.code == "recon_day_not_ready"

    cash = found[("cash", "cash_mismatch", "K-01")]
    workflow.request_write_off(session, actor, cash.id, "found in the box, no session")
    with pytest.raises(DomainError) as self_approved:
        workflow.decide_write_off(session, actor, cash.id, True, "cash.recon", PASSWORD)
    assert self_approved.value.code == "write_off_approval_refused"
    with pytest.raises(DomainError):
        workflow.decide_write_off(session, actor, cash.id, True, "boss.recon", "wrong password")
    item = workflow.decide_write_off(session, actor, cash.id, True, "boss.recon", PASSWORD)
    assert item.state == "written_off" and item.approved_by == f"staff:{day['manager'].id}"

    closed = service.close_day(session, actor, today)
    assert closed.state == "closed"
    # A closed day is immutable: imports, counts, runs and actions are refused.
    for attempt in (
        lambda: service.import_statement(session, actor, today, "alipay", ali.name, ali.data),
        lambda: service.record_cash_count(session, actor, today, "K-02", 100),
        lambda: engine.run(session, actor, today),
        lambda: workflow.carry_over(session, actor, status.id, "later"),
    ):
        with pytest.raises(DomainError) as exc:
            attempt()
        session.rollback()
        assert exc.value.status == 409


def test_the_same_file_twice_changes_nothing_and_another_is_refused(session, day):  # type: ignore[no-untyped-def]
    actor, today = day["actor"], local_today()
    wx = fetch.download("wechat", today)
    first = service.import_statement(session, actor, today, "wechat", wx.name, wx.data)
    rows = session.scalar(select(func.count()).select_from(StatementRow))
    again = service.import_statement(session, actor, today, "wechat", wx.name, wx.data)
    assert again.id == first.id
    assert session.scalar(select(func.count()).select_from(StatementRow)) == rows == first.rows
    other = wx.data.replace(b"\r\n", b"\n")
    with pytest.raises(DomainError) as exc:
        service.import_statement(session, actor, today, "wechat", wx.name, other)
    assert exc.value.code == "statement_already_imported"


def test_a_truncated_file_is_refused_and_nothing_is_written(session, day):  # type: ignore[no-untyped-def]
    actor, today = day["actor"], local_today()
    wx = fetch.download("wechat", today)
    cut = wx.data[: len(wx.data) - 40]
    with pytest.raises(DomainError) as exc:
        service.import_statement(session, actor, today, "wechat", wx.name, cut)
    assert exc.value.code == "statement_refused"
    assert session.scalar(select(func.count()).select_from(StatementRow)) == 0
    assert session.scalar(select(func.count()).select_from(Discrepancy)) == 0
