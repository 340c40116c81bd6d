"""The kiosk agent's heartbeat to the Bedside server: module states, consumables, the last
fault and transaction counters, POSTed to /api/v1/kiosk/telemetry every 30 seconds."""

from __future__ import annotations

import logging
import threading
from typing import Any

import httpx

from bedside.kiosk_agent.config import AgentSettings
from bedside.kiosk_agent.drivers import Devices

log = logging.getLogger(__name__)

TELEMETRY_PATH = "/api/v1/kiosk/telemetry"
# The server's TelemetryIn limits (bedside.kiosks.telemetry); longer texts are cut, not refused.
MAX_DETAIL = 200
MAX_ERROR = 300
MAX_VERSION = 40


def build_report(config: AgentSettings, devices: Devices) -> dict[str, Any]:
    """The telemetry body; GET /status answers the same."""
    modules = devices.statuses()
    consumables: dict[str, int] = {}
    for module in modules:
        consumables.update(module.consumables)
    last_error = devices.transactions.last_error
    return {
        "software_version": config.software_version[:MAX_VERSION],
        "modules": [
            {**m.model_dump(mode="json"), "detail": m.detail[:MAX_DETAIL] if m.detail else None}
            for m in modules
        ],
        "consumables": consumables,
        "last_error": last_error[:MAX_ERROR] if last_error else None,
        "transactions": devices.transactions.snapshot(),
    }


class TelemetryReporter:
    def __init__(
        self, config: AgentSettings, devices: Devices, *, client: httpx.Client | None = None
    ) -> None:
        self.config = config
        self.devices = devices
        self._client = client or httpx.Client(timeout=10)
        self._owns_client = client is None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return self.config.server_url + TELEMETRY_PATH

    def report_once(self) -> bool:
        """Sends one report; True when the server took it. Network trouble is logged and left
        for the next interval: a kiosk whose server is down must keep serving its page."""
        key = self.config.kiosk_key
        if key is None:
            log.debug("no kiosk key configured; telemetry not sent")
            return False
        body = build_report(self.config, self.devices)
        try:
            response = self._client.post(self.url, json=body, headers={"X-Kiosk-Key": key.get_secret_value()})
        except httpx.HTTPError as exc:
            log.warning("telemetry to %s failed: %s; retrying in %ss", self.url, exc, self._interval)
            return False
        if response.status_code >= 300:
            log.warning("telemetry refused by %s: %s %s", self.url, response.status_code, response.text[:200])
            return False
        return True

    @property
    def _interval(self) -> float:
        return self.config.telemetry_interval_seconds

    def _loop(self) -> None:
        while True:
            try:
                self.report_once()
            except Exception:
                log.exception("telemetry report failed")
            if self._stop.wait(self._interval):
                return

    def start(self) -> None:
        if self.config.kiosk_key is None:
            log.warning("BEDSIDE_AGENT_KIOSK_KEY is not set: the server will not hear from this kiosk")
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="kiosk-telemetry", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self._owns_client:
            self._client.close()
