"""The fiscal e-invoice platform peer served over HTTP on 127.0.0.1 for the whole run, and the
BEDSIDE_EINVOICE_* settings that point the real client at it. Tests read the peer's books and
inject faults through its HTTP control routes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

from bedside.simulators import fiscal_einvoice as fiscal
from bedside.simulators.runner import RunningPeer
from bedside.simulators.runner import start as start_server

APP_ID = "BSTESTAPP0001"
APP_KEY = "test-app-key-0123456789abcdef"
REGION = "430100"
AGENCY = "430100001"
PLACE = "KIOSK01"
INPATIENT_TYPE, DEPOSIT_TYPE = "0301", "0302"


@dataclass
class PlatformHandle:
    running: RunningPeer
    peer: fiscal.FiscalPlatformPeer

    @property
    def url(self) -> str:
        return self.running.url

    @property
    def endpoint(self) -> str:
        return f"{self.url}{fiscal.PREFIX}"

    def env(self) -> dict[str, str]:
        return {
            "BEDSIDE_EINVOICE_URL": self.endpoint,
            "BEDSIDE_EINVOICE_APP_ID": APP_ID,
            "BEDSIDE_EINVOICE_APP_KEY": APP_KEY,
            "BEDSIDE_EINVOICE_REGION_CODE": REGION,
            "BEDSIDE_EINVOICE_AGENCY_CODE": AGENCY,
            "BEDSIDE_EINVOICE_PLACE_CODE": PLACE,
            "BEDSIDE_EINVOICE_BILL_TYPES": json.dumps({"inpatient": INPATIENT_TYPE, "deposit": DEPOSIT_TYPE}),
            "BEDSIDE_EINVOICE_ISSUE_FOR": "settlement",
        }

    def _control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = httpx.request(method, f"{self.url}{path}", json=body, timeout=15)
        response.raise_for_status()
        return response.json()

    def books(self) -> dict[str, Any]:
        answer: dict[str, Any] = self._control("GET", "/_sim/bills")
        return answer

    def bills(self, serial: str = "") -> list[dict[str, Any]]:
        return [b for b in self.books()["bills"] if not serial or b["busNo"] == serial]

    def calls(self, service: str) -> int:
        return int(self.books()["calls"].get(service, 0))

    def fault(
        self,
        fault: str,
        *,
        service: str = "invEBillHospitalized",
        code: str = "",
        delay: float = 2.0,
        times: int = 1,
    ) -> None:
        spec = {"fault": fault, "service": service, "code": code, "delay": delay, "times": times}
        assert self._control("POST", "/_sim/faults", spec)["ok"]

    def reset(self) -> None:
        self._control("POST", "/_sim/reset")


def start() -> PlatformHandle:
    account = fiscal.PlatformAccount(
        app_id=APP_ID,
        app_key=APP_KEY,
        region_code=REGION,
        agency_code=AGENCY,
        batches={
            INPATIENT_TYPE: fiscal.Batch("43040126", 1, 9_999_999_999),
            DEPOSIT_TYPE: fiscal.Batch("43040226", 1, 9_999_999_999),
        },
    )
    app, peer = fiscal.create_app(account)
    return PlatformHandle(start_server(app), peer)
