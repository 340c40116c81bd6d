"""The WeChat official-account peer served over HTTP on 127.0.0.1, and Bedside's settings
pointed at it (the real OAuth and template-message clients). Tests read what the peer
delivered through its HTTP inbox and inject faults through its control routes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from bedside.notifications import channels
from bedside.settings import get_settings
from bedside.simulators.runner import RunningPeer, start_wechat_peer
from bedside.simulators.wechat_mp import WechatMpAccount, WechatMpPeer

APP_ID = "wx5f1c0d9e8a7b6c5d"
SECRET = "0123456789abcdef0123456789abcdef"
TEMPLATE = "TPL_test_notice_0001"
FIELDS = {"thing1": "title", "thing2": "body", "time3": "time"}


@dataclass
class WechatPeerHandle:
    running: RunningPeer
    peer: WechatMpPeer

    @property
    def url(self) -> str:
        return self.running.url

    def _control(self, path: str, body: dict[str, Any] | None = None) -> Any:
        method = "GET" if body is None else "POST"
        response = httpx.request(method, f"{self.url}{path}", json=body, timeout=15)
        response.raise_for_status()
        return response.json()

    def messages(self, touser: str = "") -> list[dict[str, Any]]:
        return list(self._control(f"/_sim/messages?touser={touser}")["messages"])

    def fault(self, action: str, fault: str, *, errcode: int = 0, delay: float = 2.0, times: int = 1) -> None:
        spec = {"action": action, "fault": fault, "errcode": errcode, "delay": delay, "times": times}
        assert self._control("/_sim/faults", spec)["ok"]

    def unfollow(self, openid: str) -> None:
        self._control("/_sim/unfollow", {"openid": openid})

    def reset(self) -> None:
        self._control("/_sim/reset", {})

    def configure(
        self, monkeypatch: pytest.MonkeyPatch, *, secret: str = SECRET, timeout: float = 5.0
    ) -> None:
        """Points BEDSIDE_WECHAT_* at this peer and drops the cached channel adapter."""
        settings = get_settings()
        for name, value in {
            "wechat_app_id": APP_ID,
            "wechat_app_secret": secret,
            "wechat_api_url": self.url,
            "wechat_oauth_url": self.url,
            "wechat_timeout_seconds": timeout,
            "wechat_templates": {"default": {"template_id": TEMPLATE, "fields": FIELDS}},
        }.items():
            monkeypatch.setattr(settings, name, value)
        channels.reset()


def start(redirect_domains: set[str]) -> WechatPeerHandle:
    account = WechatMpAccount(APP_ID, SECRET, set(redirect_domains), {TEMPLATE: list(FIELDS)})
    running, peer = start_wechat_peer(account)
    return WechatPeerHandle(running, peer)


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def path_and_query(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")
