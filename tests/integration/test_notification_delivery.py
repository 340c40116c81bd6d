"""The delivery outbox: one message per recipient and channel however often an event is
delivered, quiet hours that hold only non-urgent messages, retries with backoff until failed,
opt-outs kept as "skipped", proxies receiving what the patient would, and the console's text
overrides used at send time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bedside.accounts.sms import set_gateway
from bedside.admissions import service as admissions_service
from bedside.admissions.schemas import NoticeIn
from bedside.core.audit import Actor
from bedside.core.events import dispatch_pending
from bedside.core.i18n import gettext
from bedside.notifications import channels, overrides, preferences
from bedside.notifications import service as notifications
from bedside.notifications.channels.sms import SMS_TEXT
from bedside.notifications.channels.wechat import RecordingWechatTransport, WechatChannel
from bedside.notifications.models import NotificationDelivery
from bedside.notifications.templates import TEMPLATES
from bedside.settings import get_settings
from bedside.staff import service as staff_service
from tests import factories
from tests.conftest import DATABASE


@pytest.fixture
def wechat() -> Iterator[RecordingWechatTransport]:
    transport = RecordingWechatTransport()
    channels.set_channel("wechat", WechatChannel(transport))
    yield transport
    channels.reset()


def _local(hour: int, minute: int = 0, days: int = 1) -> datetime:
    """A hospital-local wall-clock time on a later day (deliveries are due from real now)."""
    tz = get_settings().tz
    day = datetime.now(tz) + timedelta(days=days)
    return day.replace(hour=hour, minute=minute, second=0, microsecond=0).astimezone(UTC)


def _account(session, phone: str, *patients, relation: str = "self"):  # type: ignore[no-untyped-def]
    return factories.account_for(session, phone, *patients, relation=relation)


def _deliver(account_ids: set[int], template: str = "deposit_low", key: str = "k1", **kw):  # type: ignore[no-untyped-def]
    with DATABASE.session() as s:
        notifications.deliver(
            s,
            account_ids,
            template=template,
            params={"patient": "张伟", "balance": "¥100.00", "threshold": "¥2,000.00"},
            dedupe_key=key,
            patient_id=kw.pop("patient_id", None),
            **kw,
        )
        s.commit()


def _rows(account_id: int) -> list[NotificationDelivery]:
    with DATABASE.session() as s:
        return notifications.deliveries_for(s, account_id)


def _bind(account_id: int) -> None:
    with DATABASE.session() as s:
        preferences.bind_sandbox_wechat(s, Actor("account", account_id, "x"), account_id)


def _send(now: datetime) -> dict[str, int]:
    with DATABASE.session() as s:
        return notifications.send_due(s, now=now)


def test_delivered_twice_gives_one_message_per_channel(session, sms, wechat):
    patient = factories.patient(session)
    acct = _account(session, "13900000001", patient)
    _bind(acct.id)
    _deliver({acct.id}, patient_id=patient.id)
    _deliver({acct.id}, patient_id=patient.id)  # the same event again
    rows = _rows(acct.id)
    assert sorted(r.channel for r in rows) == ["sms", "wechat"]
    assert all(r.state == "pending" and not r.urgent for r in rows)

    counts = _send(_local(10))
    assert counts == {"sent": 2}
    assert [m.phone for m in sms.sent] == ["13900000001"]
    title, body = (gettext("zh_CN", t) for t in TEMPLATES["deposit_low"])
    params = {"patient": "张伟", "balance": "¥100.00", "threshold": "¥2,000.00"}
    expected = gettext("zh_CN", SMS_TEXT, hospital="测试医院", title=title, body=body % params)
    assert sms.sent[0].text == expected  # the account's language
    assert sms.sent[0].text.startswith("【测试医院】")
    assert len(wechat.sent) == 1
    body = wechat.sent[0]
    assert body["touser"].startswith("o-sandbox-")
    assert body["template_id"] == "sandbox-deposit_low"
    assert body["client_msg_id"] == f"bedside-{[r for r in rows if r.channel == 'wechat'][0].id}"
    assert len(body["data"]["thing2"]["value"]) <= 20
    assert _send(_local(11)) == {}  # nothing left to send
    assert {r.state for r in _rows(acct.id)} == {"sent"}


def test_account_without_wechat_gets_no_wechat_delivery(session, sms, wechat):
    acct = _account(session, "13900000002", factories.patient(session))
    _deliver({acct.id})
    assert [r.channel for r in _rows(acct.id)] == ["sms"]


def test_quiet_hours_hold_non_urgent_and_let_urgent_through(session, sms, wechat):
    acct = _account(session, "13900000003", factories.patient(session))
    _deliver({acct.id}, template="deposit_low", key="low")
    _deliver({acct.id}, template="ready_to_settle", key="ready")  # urgent by default
    night = _local(23, 15)
    assert _send(night) == {"held": 1, "sent": 1}
    low, ready = sorted(_rows(acct.id), key=lambda r: r.template)
    assert (ready.template, ready.state, ready.urgent) == ("ready_to_settle", "sent", True)
    assert low.state == "pending"
    assert low.next_attempt_at == _local(7, 30, days=2)  # the morning after, local time
    assert len(sms.sent) == 1

    assert _send(_local(3, 0, days=2)) == {}  # still night: not due
    assert _send(_local(7, 30, days=2)) == {"sent": 1}
    assert len(sms.sent) == 2


def test_caller_can_force_urgency_and_account_can_turn_quiet_hours_off(session, sms, wechat):
    a = _account(session, "13900000004", factories.patient(session))
    b = _account(session, "13900000005", factories.patient(session))
    with DATABASE.session() as s:
        preferences.update(s, Actor("account", b.id, "b"), b.id, sms=True, wechat=True, quiet_hours=False)
    _deliver({a.id}, key="forced", urgent=True)
    _deliver({b.id}, key="night-owl")
    assert _send(_local(22, 0)) == {"sent": 2}


def test_retries_with_backoff_then_failed_with_the_error_kept(session, wechat):
    class Down:
        def send_notification(self, phone: str, message: object) -> None:
            raise ConnectionError(f"gateway down for {phone}")

    set_gateway(Down())  # type: ignore[arg-type]
    try:
        acct = _account(session, "13900000006", factories.patient(session))
        _deliver({acct.id})
        now = _local(10)
        waits = []
        for _ in range(get_settings().notify_max_attempts - 1):
            assert _send(now) == {"retry": 1}
            row = _rows(acct.id)[0]
            waits.append(row.next_attempt_at - now)
            assert _send(row.next_attempt_at - timedelta(seconds=1)) == {}  # not yet due
            now = row.next_attempt_at
        assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
        assert _send(now) == {"failed": 1}
        row = _rows(acct.id)[0]
        assert (row.state, row.attempts, row.error_code) == ("failed", 5, "gateway_error")
        assert "ConnectionError" in (row.last_error or "")
        assert "13900000006" not in (row.last_error or "")  # phone numbers are masked
    finally:
        set_gateway(None)


def test_wechat_error_code_is_kept_and_permanent_errors_are_not_retried(session, sms, wechat):
    acct = _account(session, "13900000007", factories.patient(session))
    _bind(acct.id)
    with DATABASE.session() as s:
        preferences.update(
            s, Actor("account", acct.id, "a"), acct.id, sms=False, wechat=True, quiet_hours=True
        )
    _deliver({acct.id})
    wechat.script.append({"errcode": 45009, "errmsg": "api freq out of limit"})
    assert _send(_local(10)) == {"retry": 1}
    wx = next(r for r in _rows(acct.id) if r.channel == "wechat")
    assert (wx.state, wx.error_code, wx.last_error) == ("pending", "45009", "api freq out of limit")
    wechat.script.append({"errcode": 43004, "errmsg": "require subscribe"})
    assert _send(wx.next_attempt_at) == {"failed": 1}
    wx = next(r for r in _rows(acct.id) if r.channel == "wechat")
    assert (wx.state, wx.error_code, wx.attempts) == ("failed", "43004", 2)


def test_opt_out_is_written_as_skipped(session, sms, wechat):
    acct = _account(session, "13900000008", factories.patient(session))
    _bind(acct.id)
    with DATABASE.session() as s:
        preferences.update(
            s, Actor("account", acct.id, "a"), acct.id, sms=False, wechat=True, quiet_hours=True
        )
    _deliver({acct.id})
    rows = {r.channel: r for r in _rows(acct.id)}
    assert (rows["sms"].state, rows["sms"].skip_reason) == ("skipped", "opted_out")
    assert rows["wechat"].state == "pending"
    # Opting out after the message was written also stops it.
    with DATABASE.session() as s:
        preferences.update(
            s, Actor("account", acct.id, "a"), acct.id, sms=False, wechat=False, quiet_hours=True
        )
    assert _send(_local(10)) == {"skipped": 1}
    assert {r.skip_reason for r in _rows(acct.id)} == {"opted_out"}
    assert len(sms.sent) == 0


def test_proxy_account_receives_what_the_patient_would(session, sms, wechat):
    world = factories.hospital(session)
    doctor = factories.staff(session, "dr.notify", "doctor", department_id=world.department.id)
    patient = factories.patient(session, phone="13900000010")
    own = _account(session, "13900000010", patient)
    proxy = _account(session, "13900000011", patient, relation="child")
    admissions_service.issue(
        session,
        staff_service.actor_for(doctor),
        NoticeIn(
            patient_id=patient.id,
            department_id=world.department.id,
            diagnosis="x",
            expected_date=factories.tomorrow(),
        ),
    )
    while dispatch_pending(DATABASE.session_factory):
        pass
    while dispatch_pending(DATABASE.session_factory):  # delivered twice: still one each
        pass
    for account in (own, proxy):
        rows = _rows(account.id)
        assert [(r.template, r.channel) for r in rows] == [("admission_notice_issued", "sms")]
        with DATABASE.session() as s:
            assert [m.title for m in notifications.inbox(s, account.id, "en")] == ["Admission notice issued"]
    assert _send(_local(9)) == {"sent": 2}
    assert sorted(m.phone for m in sms.sent) == ["13900000010", "13900000011"]


def test_console_override_is_used_in_the_inbox_and_at_send_time(session, sms, wechat):
    admin = factories.staff(session, "admin.n", "admin")
    acct = _account(session, "13900000012", factories.patient(session))
    with DATABASE.session() as s:
        s.get(type(acct), acct.id).locale = "en"
        s.commit()
        overrides.save(
            s,
            staff_service.actor_for(admin),
            "deposit_low",
            overrides.TemplateEdit(
                enabled=True,
                urgent=True,
                channels=["sms"],
                title_en="Top up",
                body_en="%(patient)s has %(balance)s left.",
            ),
        )
    _deliver({acct.id})
    with DATABASE.session() as s:
        msg = notifications.inbox(s, acct.id, "en")[0]
    assert (msg.title, msg.body) == ("Top up", "张伟 has ¥100.00 left.")
    assert _send(_local(23)) == {"sent": 1}  # made urgent by the override
    assert sms.sent[-1].text == "[测试医院] Top up: 张伟 has ¥100.00 left."


def test_disabled_template_sends_nothing_and_says_why(session, sms, wechat):
    admin = factories.staff(session, "admin.d", "admin")
    acct = _account(session, "13900000013", factories.patient(session))
    with DATABASE.session() as s:
        overrides.save(
            s,
            staff_service.actor_for(admin),
            "deposit_low",
            overrides.TemplateEdit(enabled=False, channels=["sms"]),
        )
    _deliver({acct.id})
    with DATABASE.session() as s:
        assert notifications.inbox(s, acct.id, "en") == []
        rows = list(s.scalars(select(NotificationDelivery)))
    assert [(r.channel, r.state, r.skip_reason) for r in rows] == [("sms", "skipped", "template_disabled")]
