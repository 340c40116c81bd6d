"""Browser tests: the real app served by uvicorn in a thread, driven by Playwright in Debian's
headless Chromium (no browser download). Without /usr/bin/chromium they skip, unless CI=true
or BEDSIDE_REQUIRE_BROWSER=1, where a missing browser is a failure."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from bedside.main import create_app
from bedside.settings import get_settings

CHROMIUM = os.environ.get("BEDSIDE_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 390, "height": 844}
KIOSK = {"width": 1080, "height": 1920}
DESKTOP = {"width": 1366, "height": 900}
# Every page reports a Content-Security-Policy violation to the console, and any such message
# fails the test: the journeys prove that the page scripts and styles work under the policy.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.effectiveDirective + " refused " + (e.blockedURI || "inline")
    + " on " + document.location.pathname + " (" + e.sourceFile + ":" + e.lineNumber + ")");
});
"""


def _is_csp_violation(text: str) -> bool:
    return text.startswith("CSP violation") or "Content Security Policy" in text


def _require_browser() -> bool:
    return os.environ.get("CI") == "true" or os.environ.get("BEDSIDE_REQUIRE_BROWSER") == "1"


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    if not (shutil.which(CHROMIUM) or Path(CHROMIUM).exists()):
        if _require_browser():
            pytest.fail(f"Chromium not found at {CHROMIUM}; install Debian's chromium package")
        pytest.skip("Chromium not installed (apt-get install chromium); browser tests skipped")
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    b = pw.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ],
    )
    yield b
    b.close()
    pw.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """Started on the first page a test opens, so the test's setup writes come first."""

    def __init__(self) -> None:
        self.url: str | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        if self.url:
            return self.url
        settings = get_settings().model_copy(update={"dispatch_in_process": True})
        port = _free_port()
        self._server = uvicorn.Server(
            uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_config=None, lifespan="on")
        )
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.time() + 20
        while not self._server.started:
            if time.time() > deadline:
                raise RuntimeError("live server did not start")
            time.sleep(0.05)
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    def stop(self) -> None:
        if self._server and self._thread:
            self._server.should_exit = True
            self._thread.join(timeout=10)


@pytest.fixture
def live_server() -> Iterator[LiveServer]:
    server = LiveServer()
    yield server
    server.stop()


@pytest.fixture
def new_page(browser, live_server):  # type: ignore[no-untyped-def]
    contexts = []
    violations: list[str] = []

    def make(viewport: dict[str, int] = PHONE, user_agent: str | None = None):  # type: ignore[no-untyped-def]
        ctx = browser.new_context(
            viewport=viewport, base_url=live_server.start(), locale="zh-CN", user_agent=user_agent
        )
        ctx.set_default_timeout(10000)
        ctx.add_init_script(CSP_LISTENER)
        ctx.on("console", lambda msg: violations.append(msg.text) if _is_csp_violation(msg.text) else None)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()
    if violations:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(dict.fromkeys(violations)))


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
