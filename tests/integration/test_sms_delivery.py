"""Notification texts through the real SMS clients and the vendors' peers over HTTP: a
timeout or a 5xx is retried by the delivery outbox until sent, a vendor error code is kept on
the delivery and retried or failed by its kind, the peers' delivery receipts pushed to
Bedside's callback (served on 127.0.0.1) are recorded, and `bedside check-connections`."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from typer.testing import CliRunner

from bedside.accounts.sms import set_gateway
from bedside.cli import app as cli_app
from bedside.core.db import utcnow
from bedside.notifications import service as notifications
from bedside.notifications.models import NotificationDelivery
from bedside.settings import Settings, get_settings
from bedside.simulators import runner
from tests import factories, sms_peers
from tests.conftest import DATABASE


def _deliver(session, phone: str) -> int:  # type: ignore[no-untyped-def]
    account = factories.account_for(session, phone, factories.patient(session))
    session.commit()
    with DATABASE.session() as s:
        notifications.deliver(
            s,
            {account.id},
            template="deposit_low",
            params={"patient": "张伟", "balance": "¥100.00", "threshold": "¥2,000.00"},
            dedupe_key=f"low-{phone}",
            urgent=True,  # not held by quiet hours, whatever the time of the run
        )
        s.commit()
    return int(account.id)


def _row(account_id: int) -> NotificationDelivery:
    with DATABASE.session() as s:
        [row] = notifications.deliveries_for(s, account_id)
        s.expunge(row)
        return row


def _send(when=None) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with DATABASE.session() as s:
        return notifications.send_due(s, now=when or utcnow() + timedelta(seconds=1))


@pytest.mark.parametrize("fault", ["timeout", "http_502"])
def test_a_timeout_or_5xx_is_retried_until_sent(session, aliyun_sms, fault):
    set_gateway(aliyun_sms.client(timeout_seconds=0.5))
    aliyun_sms.fault(fault, delay=1.5)
    account = _deliver(session, "13600002001")
    assert _send() == {"retry": 1}
    row = _row(account)
    assert (row.state, row.attempts, row.error_code) == ("pending", 1, fault)
    assert "unavailable" in (row.last_error or "")
    assert aliyun_sms.messages() == []
    assert _send(row.next_attempt_at) == {"sent": 1}
    row = _row(account)
    [message] = aliyun_sms.messages("13600002001")
    assert row.state == "sent" and row.provider_ref == message["ref"]
    assert message["template"] == "SMS_100000002" and message["context"] == f"d{row.id}"
    assert message["text"].startswith("【测试医院】") and "张伟" in message["text"]


@pytest.mark.parametrize(
    ("peer", "fault", "code", "state"),
    [
        ("aliyun", "error", "isv.BUSINESS_LIMIT_CONTROL", "pending"),
        ("aliyun", "error", "isv.MOBILE_NUMBER_ILLEGAL", "failed"),
        ("aliyun", "error", "isv.AMOUNT_NOT_ENOUGH", "pending"),
        ("tencent", "status", "LimitExceeded.PhoneNumberOneHourLimit", "pending"),
        ("tencent", "status", "FailedOperation.PhoneNumberInBlacklist", "failed"),
        ("tencent", "error", "InternalError.Timeout", "pending"),
    ],
)
def test_a_vendor_error_code_is_kept_and_retried_or_failed(
    session, aliyun_sms, tencent_sms, peer, fault, code, state
):
    handle = aliyun_sms if peer == "aliyun" else tencent_sms
    set_gateway(handle.client())
    handle.fault(fault, code=code)
    account = _deliver(session, "13600002002")
    assert _send() == {"retry" if state == "pending" else "failed": 1}
    row = _row(account)
    assert (row.state, row.error_code, row.attempts) == (state, code, 1)
    if state == "pending":  # nothing lost: the next attempt goes out
        assert _send(row.next_attempt_at) == {"sent": 1}
        assert len(handle.messages("13600002002")) == 1


def test_an_unregistered_template_fails_at_once_with_the_vendors_code(session, tencent_sms):
    templates = dict(sms_peers.KINDS["tencent"]["config"], default={"template": "9999999"})
    set_gateway(tencent_sms.client(templates=templates))
    account = _deliver(session, "13600002003")
    assert _send() == {"failed": 1}
    row = _row(account)
    assert row.error_code == "FailedOperation.TemplateIncorrectOrUnapproved"
    assert "content" in (row.last_error or "")


def _vendor_answer(peer: str) -> dict[str, object]:
    return {"code": 0, "msg": "成功"} if peer == "aliyun" else {"result": 0, "errmsg": "OK"}


@pytest.fixture(scope="module")
def bedside_url(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    # Bedside itself on 127.0.0.1, so that the peers push receipts over HTTP as vendors do.
    served = runner.start(app)
    yield served.url
    served.stop()


@pytest.mark.parametrize("peer", ["aliyun", "tencent"])
def test_delivery_receipts_are_recorded(session, aliyun_sms, tencent_sms, bedside_url, monkeypatch, peer):
    token = secrets.token_urlsafe(16)
    monkeypatch.setattr(get_settings(), "sms_receipt_token", token)
    handle = aliyun_sms if peer == "aliyun" else tencent_sms
    handle.reset(receipt_url=f"{bedside_url}/api/v1/sms/receipts/{peer}/{token}")
    set_gateway(handle.client())
    delivered, undelivered = _deliver(session, "13600002004"), _deliver(session, "13600002005")
    assert _send() == {"sent": 2}
    pushed = handle.push_receipt(_row(delivered).provider_ref or "")
    assert pushed == {"status": 200, "answer": _vendor_answer(peer)}
    handle.push_receipt(_row(undelivered).provider_ref or "", delivered=False, code="MK:0001")
    ok, bounced = _row(delivered), _row(undelivered)
    assert (ok.receipt, bounced.receipt, bounced.receipt_code) == ("delivered", "failed", "MK:0001")
    assert ok.receipt_at is not None and ok.state == bounced.state == "sent"
    # A vendor repeating a failure for a message already delivered changes nothing.
    handle.push_receipt(ok.provider_ref or "", delivered=False)
    assert _row(delivered).receipt == "delivered"
    wrong = httpx.post(f"{bedside_url}/api/v1/sms/receipts/{peer}/not-the-token", json=[])
    assert wrong.status_code == 404


def _vendor_env(monkeypatch, handle, secret: str) -> None:  # type: ignore[no-untyped-def]
    spec = sms_peers.KINDS[handle.kind]
    values = {
        "BEDSIDE_SMS_PROVIDER": handle.kind,
        "BEDSIDE_SMS_ENDPOINT": handle.url,
        "BEDSIDE_SMS_ACCESS_KEY_ID": spec["key"][0],
        "BEDSIDE_SMS_ACCESS_KEY_SECRET": secret,
        "BEDSIDE_SMS_SDK_APP_ID": sms_peers.TENCENT_APP_ID,
        "BEDSIDE_SMS_SIGN_NAME": sms_peers.SIGN_NAME,
        "BEDSIDE_SMS_TEMPLATES": json.dumps(spec["config"]),
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize("peer", ["aliyun", "tencent"])
def test_check_connections_signs_in_to_each_configured_peer(monkeypatch, aliyun_sms, tencent_sms, peer):
    handle = aliyun_sms if peer == "aliyun" else tencent_sms
    cli = CliRunner()
    try:
        _vendor_env(monkeypatch, handle, sms_peers.KINDS[peer]["key"][1])
        get_settings.cache_clear()
        ok = cli.invoke(cli_app, ["check-connections"])
        assert ok.exit_code == 0, ok.output
        assert "sms" in ok.output and "ok" in ok.output and "login template" in ok.output
        monkeypatch.setenv("BEDSIDE_SMS_ACCESS_KEY_SECRET", "wrong-secret")
        get_settings.cache_clear()
        failed = cli.invoke(cli_app, ["check-connections"])
        assert failed.exit_code == 1 and "failed" in failed.output and "account" in failed.output
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert handle.messages() == []  # a check sends nothing


def test_check_connections_reports_the_log_gateway_as_off():
    from bedside.connections import check_all

    [sms] = [c for c in check_all(Settings(sms_provider="log")) if c.boundary == "sms"]
    assert (sms.boundary, sms.status) == ("sms", "off")
