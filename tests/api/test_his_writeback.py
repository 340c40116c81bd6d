"""Bedside's write-back to the HIS: domain events become signed webhook deliveries that reach
the HIS peer (simulators/his.py) over HTTP once each and in order per stay, through a crash
between sending and recording, a stopped dispatcher, a stretch of 5xx answers, a timeout and a
refused signature."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from bedside.cli import app as cli
from bedside.core.clock import local_today
from bedside.core.db import utcnow
from bedside.core.events import dispatch_pending
from bedside.discharge import service as discharge
from bedside.integrations import webhook, writeback
from bedside.integrations.models import HisDelivery
from bedside.payments import refunds as payment_refunds
from tests.conftest import DATABASE
from tests.his_peer import HisHandle, his_peer, his_peer_server  # noqa: F401 - fixtures
from tests.integration.discharge.conftest import admitted, signature

ALL = {
    "admission.registered",
    "deposit.paid",
    "deposit.refunded",
    "settlement.done",
    "settlement.reversed",
    "patient.left",
}


def _outbox(limit: int = 100) -> None:
    while dispatch_pending(DATABASE.session_factory, limit=limit):
        pass


def _deliveries() -> list[HisDelivery]:
    with DATABASE.session() as s:
        rows = list(s.scalars(select(HisDelivery).order_by(HisDelivery.id)))
        s.expunge_all()
        return rows


def _due_now() -> None:
    with DATABASE.session() as s:
        s.execute(update(HisDelivery).values(next_attempt_at=utcnow()))
        s.commit()


def _whole_stay(session):  # type: ignore[no-untyped-def]
    """Admission with a deposit, settlement with its refund, a reversal, settling again,
    leaving: every event the write-back carries, on one stay."""
    ip = admitted(session, insurance="self_pay")
    with DATABASE.session() as s:
        discharge.order(s, ip.doctor, ip.notice_id, local_today())
        discharge.clear_ward(s, ip.nurse, ip.notice_id, no_pending_orders=True, charges_posted=True)
        discharge.settle(s, ip.adm.me, ip.notice_id, signature(), "his-settle-0001")
        payment_refunds.process_refunds(s)
        discharge.reverse(s, ip.cashier, ip.notice_id, "收费项目录入错误")
        discharge.settle(s, ip.adm.me, ip.notice_id, signature(), "his-settle-0002")
        discharge.leave(s, ip.nurse, ip.notice_id)
    return ip


def _assert_once_in_order(peer: HisHandle) -> list[str]:
    rows = _deliveries()
    got = peer.received()["events"]
    assert [e["id"] for e in got] == [str(r.id) for r in rows]  # once each, in order, no gap
    assert all(r.state == "acked" and r.last_status == 200 for r in rows)
    return [e["event"] for e in got]


def test_every_event_reaches_the_his_once_in_order_and_signed(session, his_peer):  # noqa: F811
    ip = _whole_stay(session)
    _outbox()
    _outbox()  # handlers ran once: a second pass adds nothing
    his_peer.send()
    events = _assert_once_in_order(his_peer)
    assert set(events) == ALL
    assert events[-1] == "patient.left" and events.index("settlement.reversed") < len(events) - 2
    first = his_peer.received()["events"][0]["body"]
    assert first["stay"]["notice_id"] == ip.notice_id and first["stream"] == f"stay:{ip.notice_id}"
    settled = next(e["body"] for e in his_peer.received()["events"] if e["event"] == "settlement.done")
    assert isinstance(settled["data"]["total_fen"], int)
    assert his_peer.received()["refused"] == 0
    his_peer.send()  # nothing due: nothing sent again
    assert len(his_peer.received()["events"]) == len(events)


def test_a_crash_between_sending_and_recording_and_a_stopped_dispatcher_lose_and_double_nothing(
    session,
    his_peer,  # noqa: F811
):
    _whole_stay(session)
    while len(_deliveries()) < 2:  # the dispatcher stops after a few events ...
        assert dispatch_pending(DATABASE.session_factory, limit=1)
    his_peer.send()
    sent_before = len(his_peer.received()["events"])
    assert sent_before == 2
    _outbox()  # ... and starts again
    rows = [r for r in _deliveries() if r.state == "pending"]
    # The worker posts the next delivery, the HIS stores it, and the process dies before the
    # acknowledgement is recorded: the row is still pending, held by the dead worker's lease.
    claimed = writeback.claim(DATABASE.session_factory, rows[0].id)
    assert claimed is not None
    answer = his_peer.client().deliver(str(claimed.id), claimed.event, writeback.body_of(claimed))
    assert answer.outcome == webhook.Outcome.ACKED
    his_peer.send()  # the lease still holds: nothing of that stay goes out meanwhile
    assert len(his_peer.received()["events"]) == sent_before + 1
    _due_now()  # the lease ran out: a restarted worker sends it again, the HIS drops the repeat
    his_peer.send()
    _assert_once_in_order(his_peer)
    assert his_peer.received()["attempts"] == len(_deliveries()) + 1


def test_5xx_for_a_while_holds_the_later_events_back_then_all_arrive_in_order(session, his_peer):  # noqa: F811
    _whole_stay(session)
    _outbox()
    his_peer.fault("http_503", times=3)
    for _ in range(3):
        his_peer.send()
        assert his_peer.received()["events"] == []  # the first is not acknowledged: none later go
        head = _deliveries()[0]
        assert (head.state, head.last_status) == ("pending", 503) and head.next_attempt_at > utcnow()
        _due_now()
    his_peer.send()
    _assert_once_in_order(his_peer)
    assert _deliveries()[0].attempts == 4


def test_a_timeout_is_retried_and_stored_once(session, his_peer):  # noqa: F811
    admitted(session, insurance="self_pay")
    _outbox()
    his_peer.fault("slow", delay=1.5)
    writeback.send_due(DATABASE.session_factory, his_peer.client(timeout=0.3))
    head = _deliveries()[0]
    assert head.state == "pending" and head.last_status is None and head.last_error == "timeout"
    import time

    time.sleep(1.5)  # the slow HIS did store it
    _due_now()
    his_peer.send()
    _assert_once_in_order(his_peer)


def test_a_refused_signature_is_a_failed_delivery_that_it_can_send_again(session, his_peer):  # noqa: F811
    admitted(session, insurance="self_pay")
    _outbox()
    wrong = his_peer.client(secret="not-the-shared-secret-at-all-000")
    writeback.send_due(DATABASE.session_factory, wrong)
    rows = _deliveries()
    assert (rows[0].state, rows[0].last_status) == ("failed", 401)
    assert his_peer.received()["refused"] == 1 and his_peer.received()["events"] == []
    with DATABASE.session() as s:
        assert [r.id for r in writeback.problems(s)] == [rows[0].id]
    his_peer.send()  # a failed head stops its stay until IT acts
    assert his_peer.received()["events"] == []
    listed = CliRunner().invoke(cli, ["his-deliveries"])
    assert listed.exit_code == 0 and "401" in listed.output, listed.output
    again = CliRunner().invoke(cli, ["his-deliveries", "--resend", str(rows[0].id)])
    assert again.exit_code == 0, again.output
    his_peer.send()
    _assert_once_in_order(his_peer)


def test_no_webhook_no_deliveries(session):
    admitted(session, insurance="self_pay")
    _outbox()
    assert _deliveries() == []


def test_check_connections_pings_the_his(his_peer, monkeypatch):  # noqa: F811
    from bedside.connections import check_his
    from bedside.settings import Settings

    ok = check_his(Settings())
    assert ok.status == "ok", ok
    assert his_peer.received()["events"] == []  # a ping is acknowledged, not stored
    monkeypatch.setenv("BEDSIDE_HIS_WEBHOOK_SECRET", "a-wrong-secret-0123456789")
    bad = check_his(Settings())
    assert bad.status == "failed" and "401" in bad.detail
    monkeypatch.setenv("BEDSIDE_HIS_WEBHOOK_URL", "")
    assert check_his(Settings()).status == "off"


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, "acked"),
        (204, "acked"),
        (408, "retry"),
        (429, "retry"),
        (500, "retry"),
        (400, "failed"),
        (401, "failed"),
        (404, "failed"),
    ],
)
def test_status_classes(status, outcome):
    assert webhook.classify(status) == outcome
