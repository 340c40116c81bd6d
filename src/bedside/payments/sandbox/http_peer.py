"""What the two payment peers served over HTTP share: injected faults, the payer's cashier page
(where a wallet app would confirm), and the notifier that POSTs to Bedside's notify URLs.

The books are the sandbox's own tables (server.py); a peer is only the wire in front of them."""

from __future__ import annotations

import asyncio
import html
import logging
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from fastapi import FastAPI, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from bedside.core.db import get_database
from bedside.payments.sandbox import server

T = TypeVar("T")
log = logging.getLogger("bedside.sandbox")
# timeout: held open past the client's timeout, nothing done; http_500: refused, nothing done;
# drop: done, then held open (the answer is lost); bad_signature: done, answer signed wrongly.
FAULT_KINDS = ("timeout", "http_500", "drop", "bad_signature")


@dataclass
class Faults:
    pending: deque[str] = field(default_factory=deque)
    delay: float = 3.0

    def add(self, kind: str, times: int = 1) -> None:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; one of {', '.join(FAULT_KINDS)}")
        self.pending.extend([kind] * times)

    def take(self) -> str | None:
        try:
            return self.pending.popleft()
        except IndexError:
            return None

    async def hold(self) -> None:
        await asyncio.sleep(self.delay)


async def in_session(fn: Callable[..., T], *args: Any) -> T:
    """Runs one call against the books as its own transaction, off the event loop."""

    def run() -> T:
        with get_database().session() as session:
            try:
                result = fn(session, *args)
            except BaseException:
                session.rollback()
                raise
            session.commit()
            return result

    return await run_in_threadpool(run)


def add_cashier(app: FastAPI, brand: str) -> None:
    """The payer's side: a page that stands in for the wallet app's confirmation screen."""

    @app.get("/cashier/{out_trade_no}", include_in_schema=False)
    async def cashier(out_trade_no: str, back: str = "") -> HTMLResponse:
        no, ret = html.escape(out_trade_no), html.escape(back)
        return HTMLResponse(
            f"<!doctype html><meta charset=utf-8><title>{brand}</title><h1>{brand}（模拟）</h1>"
            f"<p>订单 {no}</p><form method=post><input type=hidden name=back value='{ret}'>"
            f"<button data-testid=peer-confirm>确认支付</button></form>"
        )

    @app.post("/cashier/{out_trade_no}", include_in_schema=False)
    async def confirm(out_trade_no: str, back: str = Form("")) -> Response:
        try:
            await in_session(lambda s: server.pay(s, out_trade_no, payer="peer-cashier"))
        except server.SandboxError as exc:
            return HTMLResponse(f"<p>{html.escape(exc.code)}</p>", status_code=400)
        # Only a return to a path or an http(s) page: the peer never echoes script URLs.
        if back.startswith(("http://", "https://", "/")) and not back.startswith("//"):
            return RedirectResponse(back, status_code=303)
        return HTMLResponse("<p>支付成功</p>")


def add_fault_control(app: FastAPI, faults: Faults) -> None:
    """For a peer run as its own process: `POST /_peer/faults?kind=timeout&times=1`."""

    @app.post("/_peer/faults", include_in_schema=False)
    async def add_fault(kind: str, times: int = 1, delay: float | None = None) -> dict[str, Any]:
        try:
            faults.add(kind, max(1, min(times, 100)))
        except ValueError as exc:
            return {"ok": False, "error": str(exc)}
        if delay is not None:
            faults.delay = max(0.0, min(delay, 120.0))
        return {"ok": True, "pending": list(faults.pending)}


class Notifier:
    """Delivers the sandbox's due notifications of one channel by POST to the notify URL the
    merchant gave, on the channel's retry schedule (server.deliver_due keeps it)."""

    def __init__(self, channel: str, every: float = 1.0) -> None:
        self.channel = channel
        self.every = every
        self.notify_url = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def post(self, channel: str, headers: Mapping[str, str], body: bytes) -> int:
        if not self.notify_url:
            return 599  # nowhere to send yet: retried later
        return httpx.post(self.notify_url, content=body, headers=dict(headers), timeout=10).status_code

    def deliver_now(self) -> int:
        return server.deliver_due(get_database().session_factory, self.post, channels=[self.channel])

    def start(self) -> None:
        def loop() -> None:
            while not self._stop.wait(self.every):
                try:
                    self.deliver_now()
                except Exception:  # noqa: BLE001 - a failed round is retried on the next tick
                    log.warning("%s notifier round failed", self.channel)

        self._thread = threading.Thread(target=loop, name=f"{self.channel}-notifier", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
