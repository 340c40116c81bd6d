"""The hospital's HIS as the receiver of Bedside's write-back: POST /bedside/events checks the
signature (docs/go-live.md, "HIS write-back"; a bad one answers 401), records each event once
by its X-Bedside-Event-Id (a retry of one already stored is acknowledged, not stored again),
and can be told to answer slowly or with an error for a while.

Control endpoints for the demo and the tests: GET /_sim/events (what arrived, in order, and
how many attempts), POST /_sim/faults {"fault": "http_503" | "http_400" | "slow", "times": n,
"delay": s}, POST /_sim/reset."""

from __future__ import annotations

import asyncio
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from bedside.integrations.webhook import (
    EVENT_HEADER,
    EVENT_ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    verify,
)

PATH = "/bedside/events"
FAULTS = ("slow", "http_500", "http_502", "http_503", "http_400", "http_429")


@dataclass
class HisAccount:
    """What the HIS side is configured with: the shared webhook secret."""

    secret: str


@dataclass
class HisPeer:
    account: HisAccount
    events: list[dict[str, Any]] = field(default_factory=list)
    attempts: int = 0
    refused: int = 0
    faults: deque[tuple[str, float]] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self._lock:
            self.events.clear()
            self.faults.clear()
            self.attempts = self.refused = 0

    def next_fault(self) -> tuple[str, float] | None:
        with self._lock:
            return self.faults.popleft() if self.faults else None

    def store(self, event_id: str, event: str, body: dict[str, Any]) -> bool:
        with self._lock:
            if any(e["id"] == event_id for e in self.events):
                return False
            self.events.append({"id": event_id, "event": event, "body": body})
            return True


def create_app(account: HisAccount) -> tuple[FastAPI, HisPeer]:
    peer = HisPeer(account)
    app = FastAPI(title="HIS peer (Bedside write-back receiver)", docs_url=None, redoc_url=None)

    @app.post(PATH)
    async def receive(request: Request) -> JSONResponse:
        body = await request.body()
        with peer._lock:
            peer.attempts += 1
        fault = peer.next_fault()
        if fault is not None:
            kind, delay = fault
            if kind == "slow":
                await asyncio.sleep(delay)
            else:
                return JSONResponse({"error": kind}, status_code=int(kind.removeprefix("http_")))
        headers = request.headers
        if not verify(
            peer.account.secret,
            headers.get(TIMESTAMP_HEADER, ""),
            body,
            headers.get(SIGNATURE_HEADER, ""),
        ):
            with peer._lock:
                peer.refused += 1
            return JSONResponse({"error": "bad_signature"}, status_code=401)
        try:
            parsed = json.loads(body)
        except ValueError:
            return JSONResponse({"error": "bad_json"}, status_code=400)
        event = headers.get(EVENT_HEADER, "")
        if event == "ping":
            return JSONResponse({"ok": True, "pong": True})
        stored = peer.store(headers.get(EVENT_ID_HEADER, ""), event, parsed)
        return JSONResponse({"ok": True, "duplicate": not stored})

    @app.get("/_sim/events")
    def events() -> dict[str, Any]:
        return {"events": list(peer.events), "attempts": peer.attempts, "refused": peer.refused}

    @app.post("/_sim/faults")
    async def faults(request: Request) -> dict[str, Any]:
        spec = await request.json()
        if spec.get("fault") not in FAULTS:
            return {"ok": False, "error": f"fault must be one of {FAULTS}"}
        with peer._lock:
            for _ in range(int(spec.get("times", 1))):
                peer.faults.append((spec["fault"], float(spec.get("delay", 2.0))))
        return {"ok": True}

    @app.post("/_sim/reset")
    def reset() -> dict[str, Any]:
        peer.reset()
        return {"ok": True}

    return app, peer
