"""A whole stay replayed through the event outbox: the exact messages the patient and a
family member (proxy) receive, in order, on every channel — none twice when every event is
delivered a second time, and none at night except the urgent ones."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from bedside.charges import service as charges
from bedside.core.clock import local_today
from bedside.core.events import OutboxDelivery, OutboxEvent, dispatch_pending
from bedside.discharge import service as discharge
from bedside.notifications import channels, preferences
from bedside.notifications import service as notifications
from bedside.notifications.channels.wechat import RecordingWechatTransport, WechatChannel
from bedside.notifications.models import InboxMessage, NotificationDelivery
from bedside.notifications.rules import URGENT
from bedside.settings import get_settings
from tests import factories
from tests.conftest import DATABASE
from tests.integration.discharge.conftest import HIS, admitted, line, signature

PROXY_PHONE = "13900000088"


@pytest.fixture
def wechat() -> Iterator[RecordingWechatTransport]:
    transport = RecordingWechatTransport()
    channels.set_channel("wechat", WechatChannel(transport))
    yield transport
    channels.reset()


def _drain() -> None:
    while dispatch_pending(DATABASE.session_factory):
        pass


def _redeliver_everything() -> None:
    """As if the dispatcher crashed after every handler ran but before it recorded so."""
    with DATABASE.session() as s:
        s.execute(OutboxDelivery.__table__.delete())
        s.execute(
            update(OutboxEvent).values(dispatched_at=None, attempts=0, next_attempt_at=datetime.now(UTC))
        )
        s.commit()
    _drain()


def _local(day_offset: int, hour: int, minute: int = 0) -> datetime:
    tz = get_settings().tz
    day = datetime.now(tz) + timedelta(days=day_offset)
    return day.replace(hour=hour, minute=minute, second=0, microsecond=0).astimezone(UTC)


def _inbox(account_id: int) -> list[str]:
    with DATABASE.session() as s:
        rows = s.scalars(
            select(InboxMessage.template)
            .where(InboxMessage.account_id == account_id)
            .order_by(InboxMessage.created_at, InboxMessage.id)
        )
        return list(rows)


def _sent(account_id: int, channel: str) -> list[str]:
    with DATABASE.session() as s:
        rows = s.scalars(
            select(NotificationDelivery.template)
            .where(
                NotificationDelivery.account_id == account_id,
                NotificationDelivery.channel == channel,
                NotificationDelivery.state == "sent",
            )
            .order_by(NotificationDelivery.sent_at, NotificationDelivery.id)
        )
        return list(rows)


STAY = [
    "admission_notice_issued",
    "bed_assigned",
    "admission_registered",
    "deposit_paid",
    "admitted",
    "discharge_ordered",
    "ready_to_settle",
    "settled",
    "refund_sent",
    "please_rate",
]


def test_a_whole_stay_gives_each_reader_each_message_once(session, sms, wechat):
    ip = admitted(session)
    patient_account = ip.adm.account.id
    proxy = factories.account_for(session, PROXY_PHONE, ip.adm.patient, relation="child")
    with DATABASE.session() as s:
        preferences.bind_sandbox_wechat(s, ip.adm.me, patient_account)
        s.commit()
    _drain()

    with DATABASE.session() as s:
        charges.post(s, HIS, ip.notice_id, [line("1", "A", 200000, "bed"), line("2", "C", 30000, "lab")])
        discharge.order(s, ip.doctor, ip.notice_id, local_today())
        discharge.clear_ward(s, ip.nurse, ip.notice_id, no_pending_orders=True, charges_posted=True)
        discharge.review(s, ip.officer, ip.notice_id, "approve")
    _drain()
    with DATABASE.session() as s:
        discharge.settle(s, ip.adm.me, ip.notice_id, signature(), "replay-settle-0001")
    _drain()
    from bedside.payments import refunds as payment_refunds

    with DATABASE.session() as s:
        payment_refunds.process_refunds(s)
        s.commit()
    _drain()
    with DATABASE.session() as s:
        discharge.leave(s, ip.nurse, ip.notice_id)
    _drain()

    # Every event delivered a second time changes nothing.
    _redeliver_everything()
    assert _inbox(patient_account) == STAY
    assert _inbox(proxy.id) == STAY

    # At night only the urgent messages leave; the rest wait for the morning.
    with DATABASE.session() as s:
        night = notifications.send_due(s, now=_local(1, 23, 0))
    urgent = [t for t in STAY if t in URGENT]
    assert urgent == ["bed_assigned", "ready_to_settle"]
    assert _sent(patient_account, "sms") == urgent
    assert _sent(proxy.id, "sms") == urgent
    assert _sent(patient_account, "wechat") == urgent
    assert night.get("sent") == 3 * len(urgent)
    phones = sorted(m.phone for m in sms.sent)
    assert phones == sorted([ip.adm.account.phone, PROXY_PHONE] * len(urgent))
    assert len(sms.sent) == 2 * len(urgent)

    with DATABASE.session() as s:
        notifications.send_due(s, now=_local(2, 7, 20))  # still quiet (ends 07:30)
    assert len(sms.sent) == 2 * len(urgent)
    with DATABASE.session() as s:
        morning = notifications.send_due(s, now=_local(2, 7, 31))
    held = [t for t in STAY if t not in URGENT]
    assert morning.get("sent") == 3 * len(held)
    assert _sent(patient_account, "sms") == urgent + held
    assert _sent(proxy.id, "sms") == urgent + held
    assert _sent(patient_account, "wechat") == urgent + held
    assert _sent(proxy.id, "wechat") == []  # the proxy has no WeChat bound
    assert len(wechat.sent) == len(STAY)
    assert all("%(" not in m.text and "赵云" in m.text for m in sms.sent)  # rendered, named

    # Redelivered again after sending: still nothing new anywhere.
    _redeliver_everything()
    with DATABASE.session() as s:
        assert notifications.send_due(s, now=_local(2, 12, 0)) == {}
    assert len(sms.sent) == 2 * len(STAY)
    assert _inbox(proxy.id) == STAY
