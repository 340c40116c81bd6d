"""The HIS peer (simulators/his.py) served on 127.0.0.1 for the write-back tests, and the
settings that point Bedside's real webhook client at it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from bedside.integrations import writeback
from bedside.integrations.webhook import HttpHisWebhook
from bedside.settings import get_settings
from bedside.simulators import his
from bedside.simulators.runner import RunningPeer, start
from tests.conftest import DATABASE

SECRET = "his-peer-test-secret-0123456789abcdef"


@dataclass
class HisHandle:
    running: RunningPeer
    peer: his.HisPeer

    @property
    def url(self) -> str:
        return f"{self.running.url}{his.PATH}"

    def client(self, secret: str = SECRET, timeout: float = 5.0) -> HttpHisWebhook:
        return HttpHisWebhook(self.url, secret, timeout)

    def _control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = httpx.request(method, f"{self.running.url}{path}", json=body, timeout=15)
        response.raise_for_status()
        return response.json()

    def received(self) -> dict[str, Any]:
        answer: dict[str, Any] = self._control("GET", "/_sim/events")
        return answer

    def events(self) -> list[str]:
        return [e["event"] for e in self.received()["events"]]

    def fault(self, fault: str, times: int = 1, delay: float = 2.0) -> None:
        assert self._control("POST", "/_sim/faults", {"fault": fault, "times": times, "delay": delay})["ok"]

    def send(self, client: HttpHisWebhook | None = None) -> None:
        writeback.drain(DATABASE.session_factory, client or self.client())


@pytest.fixture(scope="session")
def his_peer_server() -> Iterator[HisHandle]:
    app, peer = his.create_app(his.HisAccount(SECRET))
    running = start(app)
    yield HisHandle(running, peer)
    running.stop()


@pytest.fixture
def his_peer(his_peer_server: HisHandle, monkeypatch: pytest.MonkeyPatch) -> Iterator[HisHandle]:
    """The write-back switched on and pointed at a freshly reset peer."""
    his_peer_server.peer.reset()
    monkeypatch.setenv("BEDSIDE_HIS_WEBHOOK_URL", his_peer_server.url)
    monkeypatch.setenv("BEDSIDE_HIS_WEBHOOK_SECRET", SECRET)
    get_settings.cache_clear()
    yield his_peer_server
    monkeypatch.delenv("BEDSIDE_HIS_WEBHOOK_URL")
    monkeypatch.delenv("BEDSIDE_HIS_WEBHOOK_SECRET")
    get_settings.cache_clear()


@pytest.fixture
def his_record(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The HIS is the system of record for patients, stays and orders."""
    monkeypatch.setenv("BEDSIDE_HIS_RECORD", "patients,stays,orders")
    get_settings.cache_clear()
    yield
    monkeypatch.delenv("BEDSIDE_HIS_RECORD")
    get_settings.cache_clear()
