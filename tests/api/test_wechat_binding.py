"""Binding WeChat through the service account's web authorization, through the real app with
the WeChat official-account peer on 127.0.0.1: the browser's hops are followed by hand
(TestClient → peer → TestClient), the code is exchanged over HTTP by the real client."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from bedside.accounts import wechat
from bedside.accounts.models import Account
from bedside.accounts.wechat_models import WechatBinding
from bedside.core.audit import AuditEvent
from bedside.core.db import utcnow
from bedside.settings import get_settings
from tests import wechat_peers
from tests.conftest import DATABASE
from tests.helpers import phone_login
from tests.wechat_peers import APP_ID, SECRET, WechatPeerHandle, path_and_query, query

PHONE = "13700000021"
BIND = "/phone/settings/notifications/wechat/bind"


@pytest.fixture(scope="module")
def mp_peer() -> Iterator[WechatPeerHandle]:
    from urllib.parse import urlsplit

    handle = wechat_peers.start({urlsplit(get_settings().base_url).netloc})
    yield handle
    handle.running.stop()


@pytest.fixture
def mp(mp_peer: WechatPeerHandle, monkeypatch: pytest.MonkeyPatch) -> WechatPeerHandle:
    mp_peer.reset()
    mp_peer.configure(monkeypatch)
    return mp_peer


def _start(client, token: str) -> str:  # type: ignore[no-untyped-def]
    r = client.post(BIND, data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return str(r.headers["location"])


def _authorize(location: str, wx: httpx.Client) -> str:
    """The WeChat browser's hop: the peer answers with the callback URL (code and state)."""
    r = wx.get(location, follow_redirects=False)
    assert r.status_code == 302, r.text
    return str(r.headers["location"])


def _bindings() -> list[WechatBinding]:
    with DATABASE.session() as s:
        return list(s.scalars(select(WechatBinding).order_by(WechatBinding.id)))


def _audits(action: str) -> list[AuditEvent]:
    with DATABASE.session() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _account_id(phone: str = PHONE) -> int:
    with DATABASE.session() as s:
        return int(s.scalar(select(Account.id).where(Account.phone == phone)))


def test_binds_rebinds_and_unbinds_through_the_peer(client, sms, mp):
    token = phone_login(client, sms, PHONE)
    page = client.get("/phone/settings/notifications").text
    assert 'href="/phone/wechat/authorize" data-testid="bind-wechat"' in page  # a link: see the CSP
    location = _start(client, token)
    assert location.startswith(f"{mp.url}/connect/oauth2/authorize?") and location.endswith(
        "#wechat_redirect"
    )
    asked = query(location.split("#")[0])
    assert asked["appid"] == APP_ID and asked["scope"] == "snsapi_base" and asked["response_type"] == "code"
    assert asked["redirect_uri"] == get_settings().base_url + "/phone/wechat/callback"
    assert asked["state"].isalnum() and len(asked["state"]) <= 128  # WeChat's rule for state

    with httpx.Client() as wx:
        callback = _authorize(location, wx)
        assert query(callback)["state"] == asked["state"]
        r = client.get(path_and_query(callback), follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].endswith("?saved=1")
    [bound] = _bindings()
    assert bound.app_id == APP_ID and bound.openid in mp.peer.issued
    with DATABASE.session() as s:
        assert wechat.openid_for(s, _account_id()) == bound.openid
    page = client.get("/phone/settings/notifications")
    assert 'data-testid="wechat-bound"' in page.text and bound.openid not in page.text

    # Another WeChat user (another phone's WeChat) binding the same account replaces the first.
    with httpx.Client() as other_wx:
        callback = _authorize(_start(client, token), other_wx)
        assert client.get(path_and_query(callback), follow_redirects=False).status_code == 303
    [rebound] = _bindings()
    assert rebound.openid != bound.openid
    binds = _audits("wechat.bind")
    assert [a.detail["replaced"] for a in binds] == [False, True]
    assert all(bound.openid not in str(a.detail) for a in binds)  # the openid only as a digest

    r = client.post(
        "/phone/settings/notifications/wechat/unbind", data={"csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303 and _bindings() == []
    assert [a.detail["removed"] for a in _audits("wechat.unbind")] == [True]


def test_bad_used_and_missing_codes_bind_nothing(client, sms, mp):
    token = phone_login(client, sms, PHONE)
    with httpx.Client() as wx:
        # Someone else exchanged the code first: WeChat answers 40163.
        callback = _authorize(_start(client, token), wx)
        used = httpx.get(
            f"{mp.url}/sns/oauth2/access_token",
            params={
                "appid": APP_ID,
                "secret": SECRET,
                "code": query(callback)["code"],
                "grant_type": "authorization_code",
            },
        ).json()
        assert used["openid"]
        r = client.get(path_and_query(callback))
        assert r.status_code == 400 and 'data-code="wechat_code"' in r.text
        assert "已被使用" in r.text or "used already" in r.text

        state = query(_authorize(_start(client, token), wx))["state"]
        r = client.get("/phone/wechat/callback", params={"code": "not-a-wechat-code", "state": state})
        assert r.status_code == 400 and 'data-code="wechat_code"' in r.text  # 40029 invalid code

        state = query(_authorize(_start(client, token), wx))["state"]
        r = client.get("/phone/wechat/callback", params={"state": state})
        assert r.status_code == 400 and 'data-code="wechat_no_code"' in r.text
    assert _bindings() == []
    assert [a.detail["errcode"] for a in _audits("wechat.bind_failed")] == [40163, 40029]


def test_forged_foreign_replayed_and_old_states_are_refused(client, app, sms, mp, monkeypatch):
    from fastapi.testclient import TestClient

    token = phone_login(client, sms, PHONE)
    with httpx.Client() as wx:
        callback = _authorize(_start(client, token), wx)
        code, state = query(callback)["code"], query(callback)["state"]
        forged = state[:34] + ("0" if state[34] != "0" else "1") + state[35:]
        for bad in (forged, "0" * 74, "abc", ""):
            r = client.get("/phone/wechat/callback", params={"code": code, "state": bad})
            assert r.status_code == 400 and 'data-code="wechat_state_invalid"' in r.text, bad
        # The same state from another account's sign-in does not bind that account either.
        with TestClient(app, base_url="http://testserver") as stranger:
            phone_login(stranger, sms, "13700000022")
            r = stranger.get(path_and_query(callback))
            assert r.status_code == 400 and 'data-code="wechat_state_invalid"' in r.text
        assert _bindings() == []
        # The real callback works once; its replay is refused and changes nothing.
        assert client.get(path_and_query(callback), follow_redirects=False).status_code == 303
        r = client.get(path_and_query(callback))
        assert r.status_code == 400 and 'data-code="wechat_state_invalid"' in r.text
        assert len(_bindings()) == 1

        old = _authorize(_start(client, token), wx)
        later = utcnow() + wechat.STATE_TTL + timedelta(seconds=5)
        monkeypatch.setattr(wechat, "utcnow", lambda: later)
        r = client.get(path_and_query(old))
        assert r.status_code == 400 and 'data-code="wechat_state_expired"' in r.text
    assert len(_audits("wechat.bind")) == 1


def test_timeout_and_server_error_at_the_exchange_bind_nothing(client, sms, mp, monkeypatch):
    mp.configure(monkeypatch, timeout=0.5)
    token = phone_login(client, sms, PHONE)
    with httpx.Client() as wx:
        mp.fault("sns_token", "timeout", delay=1.5)
        r = client.get(path_and_query(_authorize(_start(client, token), wx)))
        assert r.status_code == 400 and 'data-code="wechat_unavailable"' in r.text
        mp.fault("sns_token", "http_500")
        r = client.get(path_and_query(_authorize(_start(client, token), wx)))
        assert r.status_code == 400 and 'data-code="wechat_unavailable"' in r.text
        assert _bindings() == []
        # Trying again after WeChat recovers binds.
        assert client.get(path_and_query(_authorize(_start(client, token), wx))).status_code == 200
    assert len(_bindings()) == 1


def test_wrong_secret_is_the_hospitals_problem_and_binds_nothing(client, sms, mp, monkeypatch):
    mp.configure(monkeypatch, secret="not-the-secret")
    token = phone_login(client, sms, PHONE)
    with httpx.Client() as wx:
        r = client.get(path_and_query(_authorize(_start(client, token), wx)))
    assert r.status_code == 400 and 'data-code="wechat_account"' in r.text
    assert _bindings() == []
    assert _audits("wechat.bind_failed")[0].detail["errcode"] == 40125


def test_opened_inside_wechat_the_phone_authorizes_by_itself_once(client, sms, mp):
    phone_login(client, sms, PHONE)
    inside = {"user-agent": "Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 MicroMessenger/8.0.47 NetType/WIFI"}
    assert client.get("/phone/", follow_redirects=False).status_code == 200  # a plain browser
    r = client.get("/phone/", headers=inside, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/phone/wechat/authorize"
    r = client.get("/phone/wechat/authorize", headers=inside, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith(mp.url)
    with httpx.Client() as wx:
        callback = _authorize(r.headers["location"], wx)
    assert client.get(path_and_query(callback), headers=inside, follow_redirects=False).status_code == 303
    assert len(_bindings()) == 1
    # Bound (or tried once already): the home page opens as usual.
    assert client.get("/phone/", headers=inside, follow_redirects=False).status_code == 200


def test_peer_refuses_an_unregistered_redirect_domain(mp):
    r = httpx.get(
        f"{mp.url}/connect/oauth2/authorize",
        params={
            "appid": APP_ID,
            "redirect_uri": "https://evil.example/phone/wechat/callback",
            "response_type": "code",
            "scope": "snsapi_base",
            "state": "x",
        },
    )
    assert r.status_code == 400 and 'data-errcode="10003"' in r.text


def _bind_through_peer(client, sms, phone: str = PHONE) -> str:  # type: ignore[no-untyped-def]
    token = phone_login(client, sms, phone)
    with httpx.Client() as wx:
        callback = _authorize(_start(client, token), wx)
    assert client.get(path_and_query(callback), follow_redirects=False).status_code == 303
    return _bindings()[-1].openid


def _deliver(account_id: int, key: str) -> dict[str, int]:
    from bedside.notifications import service as notifications

    with DATABASE.session() as s:
        notifications.deliver(
            s,
            {account_id},
            template="deposit_low",
            params={"patient": "张伟", "balance": "¥100.00", "threshold": "¥2,000.00"},
            dedupe_key=key,
            urgent=True,
        )
        s.commit()
        return notifications.send_due(s)


def _wechat_rows(account_id: int):  # type: ignore[no-untyped-def]
    from bedside.notifications import service as notifications

    with DATABASE.session() as s:
        return [d for d in notifications.deliveries_for(s, account_id) if d.channel == "wechat"]


def test_a_notification_goes_to_the_bound_openid_at_the_peer(client, sms, mp):
    openid = _bind_through_peer(client, sms)
    account_id = _account_id()
    assert _deliver(account_id, "low-1").get("sent", 0) >= 1
    [message] = mp.messages(openid)
    assert message["template_id"] == wechat_peers.TEMPLATE
    assert set(message["data"]) == {"thing1", "thing2", "time3"} and message["data"]["thing1"]
    [row] = _wechat_rows(account_id)
    assert row.state == "sent" and row.provider_ref == str(message["msgid"])

    # An expired token is renewed and the message still goes out once.
    httpx.post(f"{mp.url}/_sim/expire-tokens").raise_for_status()
    _deliver(account_id, "low-2")
    assert len(mp.messages(openid)) == 2

    # The user stopped following the account: 43004, failed for good with the code kept.
    mp.unfollow(openid)
    _deliver(account_id, "low-3")
    failed = [r for r in _wechat_rows(account_id) if r.dedupe_key == "low-3"]
    assert [(r.state, r.error_code) for r in failed] == [("failed", "43004")]
    assert len(mp.messages(openid)) == 2


def test_unbound_account_gets_no_wechat_delivery(client, sms, mp):
    phone_login(client, sms, PHONE)
    _deliver(_account_id(), "low-1")
    assert _wechat_rows(_account_id()) == [] and mp.messages() == []


def test_check_connections_fetches_a_stable_token(mp):
    from bedside.connections import check_wechat

    settings = get_settings()
    ok = check_wechat(settings)
    assert ok.status == "ok" and APP_ID in ok.peer
    bad = check_wechat(settings.model_copy(update={"wechat_app_secret": "wrong-secret"}))
    assert bad.status == "failed" and "40125" in bad.detail and "wrong-secret" not in bad.detail
    off = check_wechat(settings.model_copy(update={"wechat_app_id": "", "wechat_app_secret": ""}))
    assert off.status == "off"
    mp.fault("stable_token", "http_502")
    down = check_wechat(settings)
    assert down.status == "failed"


def test_check_connections_command_exits_1_on_a_wrong_secret(mp, monkeypatch):
    from typer.testing import CliRunner

    from bedside.cli import app as cli

    monkeypatch.setattr(get_settings(), "wechat_app_secret", "wrong-secret")
    result = CliRunner().invoke(cli, ["check-connections"])
    assert result.exit_code == 1 and "wechat" in result.output and "40125" in result.output


def test_log_lines_of_the_wechat_calls_mask_the_secret_and_the_token():
    from bedside.core.pii import scrub

    exchange = (
        f"HTTP Request: GET {wechat_peers.APP_ID}/sns/oauth2/access_token?appid=wx1&secret={SECRET}&code=c"
    )
    send = "HTTP Request: POST /cgi-bin/message/template/send?access_token=T0ken-Value_0123456789 200"
    assert SECRET not in scrub(exchange) and "T0ken-Value" not in scrub(send)
