"""The national insurance platform peer for the whole test session, and the BEDSIDE_INSURANCE_*
settings that point the real client at it (loaded by tests/conftest.py as a plugin). The
peer's books are emptied before each test, like the database after it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from bedside.simulators import insurance_platform
from bedside.simulators.runner import RunningPeer, start

ACCOUNT = insurance_platform.PeerAccount(
    paas_id="test_paas_0001",
    paas_secret="test-paas-secret-0123456789",
    sign_key="test-sign-key-0123456789",
    fixmedins_code="H11010500001",
    mdtrtarea_admvs="110105",
)


@dataclass
class PlatformHandle:
    running: RunningPeer
    peer: insurance_platform.InsurancePeer

    @property
    def url(self) -> str:
        return self.running.url

    def _control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = httpx.request(method, f"{self.url}{path}", json=body, timeout=15)
        response.raise_for_status()
        return response.json()

    def person(self, psn_no: str) -> tuple[int, int]:
        found = self._control("GET", f"/_sim/persons/{psn_no}")
        assert found["found"], psn_no
        return found["personal_account_fen"], found["year_fund_paid_fen"]

    def set_person(self, psn_no: str, **values: Any) -> None:
        self._control("PUT", f"/_sim/persons/{psn_no}", values)

    def fault(self, infno: str, fault: str, *, delay: float = 2.0, message: str = "", times: int = 1) -> None:
        spec = {"infno": infno, "fault": fault, "delay": delay, "message": message, "times": times}
        assert self._control("POST", "/_sim/faults", spec)["ok"]

    def calls(self, infno: str | None = None) -> list[dict[str, str]]:
        found: list[dict[str, str]] = self._control("GET", "/_sim/calls")["calls"]
        return [c for c in found if infno is None or c["infno"] == infno]


def env(url: str) -> dict[str, str]:
    return {
        "BEDSIDE_INSURANCE_BASE_URL": url,
        "BEDSIDE_INSURANCE_FIXMEDINS_CODE": ACCOUNT.fixmedins_code,
        "BEDSIDE_INSURANCE_FIXMEDINS_NAME": "测试医院",
        "BEDSIDE_INSURANCE_MDTRTAREA_ADMVS": ACCOUNT.mdtrtarea_admvs,
        "BEDSIDE_INSURANCE_INSUPLC_ADMDVS": ACCOUNT.mdtrtarea_admvs,
        "BEDSIDE_INSURANCE_PAAS_ID": ACCOUNT.paas_id,
        "BEDSIDE_INSURANCE_PAAS_SECRET": ACCOUNT.paas_secret,
        "BEDSIDE_INSURANCE_SIGN_KEY": ACCOUNT.sign_key,
        "BEDSIDE_INSURANCE_TIMEOUT_SECONDS": "1.5",
    }


@pytest.fixture(scope="session", autouse=True)
def insurance_platform_peer() -> Iterator[PlatformHandle]:
    from bedside.settings import get_settings

    app, peer = insurance_platform.create_app(ACCOUNT)
    running = start(app)
    os.environ.update(env(running.url))
    get_settings.cache_clear()
    yield PlatformHandle(running, peer)
    running.stop()


@pytest.fixture(autouse=True)
def _fresh_platform_books(insurance_platform_peer: PlatformHandle) -> None:
    insurance_platform_peer.peer.reset()


@pytest.fixture
def platform(insurance_platform_peer: PlatformHandle) -> PlatformHandle:
    return insurance_platform_peer
