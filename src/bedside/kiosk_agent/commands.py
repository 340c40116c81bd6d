"""Remote actions the engineer asked of this kiosk, fetched from the server each round and
answered with their result: print a test receipt, take a screenshot, restart the agent. (The
page's own reload is the page's business: it learns of it from its service poll.)"""

from __future__ import annotations

import base64
import io
import logging
import os
import shlex
import signal
import subprocess
import threading
from collections.abc import Callable
from datetime import datetime

import httpx
from PIL import Image, ImageDraw

from bedside.kiosk_agent.config import AgentSettings
from bedside.kiosk_agent.drivers import DeviceFault, Devices

log = logging.getLogger(__name__)
COMMANDS_PATH = "/api/v1/kiosk/commands"
SCREENSHOT_TIMEOUT_SECONDS = 10
MAX_SCREENSHOT_BYTES = 4 * 1024 * 1024
# ESC @ (initialise), the text, feed and a partial cut: any ESC/POS printer takes it.
TEST_RECEIPT = b"\x1b@Bedside test print\n%s\n\n\n\x1dV\x01"


def _terminate() -> None:
    """The service manager (systemd, Restart=always) starts the agent again."""
    os.kill(os.getpid(), signal.SIGTERM)


class CommandRunner:
    def __init__(
        self,
        config: AgentSettings,
        devices: Devices,
        client: httpx.Client,
        *,
        restart: Callable[[], None] = _terminate,
    ) -> None:
        self.config = config
        self.devices = devices
        self.client = client
        self.restart = restart
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _headers(self) -> dict[str, str]:
        key = self.config.kiosk_key
        return {"X-Kiosk-Key": key.get_secret_value()} if key else {}

    def run_once(self) -> list[tuple[str, bool]]:
        """Fetches and runs what is waiting; (action, ok) for each. Network trouble waits for
        the next round: the server expires a command nobody picked up."""
        if self.config.kiosk_key is None:
            return []
        try:
            response = self.client.get(self.config.server_url + COMMANDS_PATH, headers=self._headers())
            response.raise_for_status()
            waiting = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("remote actions could not be fetched: %s", exc)
            return []
        done = []
        for command in waiting:
            action = str(command.get("action"))
            ok, detail, png = self._run(action)
            body: dict[str, object] = {"ok": ok, "detail": detail[:300]}
            if png is not None:
                body["screenshot_png_b64"] = base64.b64encode(png).decode()
            url = f"{self.config.server_url}{COMMANDS_PATH}/{int(command['id'])}/result"
            try:
                self.client.post(url, json=body, headers=self._headers()).raise_for_status()
            except httpx.HTTPError as exc:
                log.warning("the result of %s could not be sent: %s", action, exc)
            done.append((action, ok))
            if action == "restart_agent" and ok:
                self.restart()
        return done

    def _run(self, action: str) -> tuple[bool, str, bytes | None]:
        if action == "test_print":
            stamp = datetime.now().astimezone().isoformat(timespec="seconds").encode()
            try:
                job = self.devices.receipt_printer.print_escpos(TEST_RECEIPT % stamp)
            except DeviceFault as exc:
                return False, f"printer: {exc.code}", None
            return True, f"printed job {job.job_id}", None
        if action == "screenshot":
            try:
                png = self._screenshot()
            except (OSError, subprocess.SubprocessError, ValueError) as exc:
                return False, f"screenshot failed: {exc}", None
            return True, f"{len(png)} bytes", png
        if action == "restart_agent":
            return True, "restarting", None
        return False, f"unknown action {action}", None

    def _screenshot(self) -> bytes:
        command = self.config.screenshot_command
        if command:
            result = subprocess.run(  # noqa: S603 - the hospital's own configured command, no shell
                shlex.split(command), capture_output=True, timeout=SCREENSHOT_TIMEOUT_SECONDS, check=True
            )
            png = result.stdout
            if not png.startswith(b"\x89PNG") or len(png) > MAX_SCREENSHOT_BYTES:
                raise ValueError("the screenshot command did not print a PNG of at most 4 MB")
            return png
        return self._simulated_screen()

    def _simulated_screen(self) -> bytes:
        """Without a screen to capture (the simulator), a picture of what the agent knows."""
        image = Image.new("RGB", (480, 320), "white")
        draw = ImageDraw.Draw(image)
        lines = [f"{self.config.kiosk_code or 'kiosk'} · {self.config.software_version}", ""]
        lines += [f"{m.kind}: {m.state} {m.detail or ''}" for m in self.devices.statuses()]
        draw.multiline_text((16, 16), "\n".join(lines), fill="black", spacing=6)
        out = io.BytesIO()
        image.save(out, format="PNG")
        return out.getvalue()

    def _loop(self) -> None:
        while True:
            try:
                self.run_once()
            except Exception:
                log.exception("remote actions round failed")
            if self._stop.wait(self.config.telemetry_interval_seconds):
                return

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="kiosk-commands", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
