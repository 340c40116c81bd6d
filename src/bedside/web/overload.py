"""Load shedding: a bounded number of requests run, a bounded number wait, the rest are told
to come back (503 with Retry-After) at once, so a rush never wedges the server and it is
itself again as soon as the rush ends."""

from __future__ import annotations

import asyncio
import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bedside.core.db import SAFE_METHODS, WRITE_RETRY, ReadUpgradeConflict
from bedside.core.errors import ServiceBusy

# Cheap answers that must stay reachable under load (monitoring, the page's own assets).
EXEMPT_PREFIXES = ("/healthz", "/metrics", "/static")
RETRY_AFTER_SECONDS = 2


def overloaded_body(accept: str) -> tuple[bytes, bytes]:
    # Built without templates or a database: this answer must cost next to nothing.
    error = ServiceBusy(code="overloaded")
    if "text/html" in accept:
        html = (
            '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>503</title>'
            f"<p>{error.localized('zh_CN')}</p><p>{error.localized('en')}</p></html>"
        )
        return html.encode(), b"text/html; charset=utf-8"
    return json.dumps(error.problem("zh_CN"), ensure_ascii=False).encode(), b"application/problem+json"


async def send_overloaded(scope: Scope, send: Send) -> None:
    headers = dict(scope.get("headers") or [])
    body, content_type = overloaded_body(headers.get(b"accept", b"").decode("latin-1"))
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(RETRY_AFTER_SECONDS).encode()),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class _ClientGone(Exception):
    pass


class OverloadGuard:
    """At most `running` requests between arrival and their response's first byte (so a
    long-lived stream does not hold a place), at most `queued` waiting up to `wait_seconds`."""

    def __init__(self, app: ASGIApp, *, running: int, queued: int, wait_seconds: float) -> None:
        self.app = app
        self.running = max(1, running)
        self.queued = queued
        self.wait_seconds = wait_seconds
        self.waiting = 0
        # One semaphore per event loop: the test client starts a loop per client.
        self._slots: dict[int, asyncio.Semaphore] = {}

    def _semaphore(self) -> asyncio.Semaphore:
        loop = id(asyncio.get_running_loop())
        sem = self._slots.get(loop)
        if sem is None:
            self._slots = {loop: asyncio.Semaphore(self.running)}
            sem = self._slots[loop]
        return sem

    async def _wait(self, sem: asyncio.Semaphore, receive: Receive) -> Receive:
        """Waits for a place while listening to the client: one that hangs up while queued
        (a load that stopped, a patient who gave up) is dropped, not served to nobody later.
        What was read meanwhile (the request body) is handed to the app first."""
        early: list[Message] = []

        async def listen() -> None:
            while True:
                message = await receive()
                early.append(message)
                if message["type"] == "http.disconnect":
                    return

        listener = asyncio.ensure_future(listen())
        acquire = asyncio.ensure_future(sem.acquire())
        try:
            done, _ = await asyncio.wait(
                {listener, acquire}, timeout=self.wait_seconds, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            if not listener.done():
                listener.cancel()
        if acquire not in done:
            acquire.cancel()
            if acquire.done() and not acquire.cancelled():
                sem.release()  # won the place just as we gave up on it
            if listener in done:
                raise _ClientGone()
            raise TimeoutError()

        async def replay() -> Message:
            return early.pop(0) if early else await receive()

        return replay

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith(EXEMPT_PREFIXES):
            await self.app(scope, receive, send)
            return
        sem = self._semaphore()
        if sem.locked():
            if self.waiting >= self.queued:
                await send_overloaded(scope, send)
                return
            self.waiting += 1
            try:
                receive = await self._wait(sem, receive)
            except TimeoutError:
                await send_overloaded(scope, send)
                return
            except _ClientGone:
                return
            finally:
                self.waiting -= 1
        else:
            await sem.acquire()
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                sem.release()

        async def send_and_release(message: Message) -> None:
            if message["type"] == "http.response.start":
                release()
            await send(message)

        try:
            await self.app(scope, receive, send_and_release)
        finally:
            release()


class ReadConflictRetry:
    """A page that only meant to read but also writes (an audit row for a staff read, a
    get-or-create) reads without the SQLite write lock; if its write then meets a busy writer,
    SQLite refuses at once and nothing was written. Such a request, which has no body and has
    sent nothing yet, is run once more as a write transaction that waits for the lock."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except ReadUpgradeConflict:
            if started:
                raise
            scope.setdefault("state", {})[WRITE_RETRY] = True
            await self.app(scope, receive, send)
