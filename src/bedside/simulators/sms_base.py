"""What the two SMS peers share: the registered account (keys, sign names, templates), the
inbox of delivered messages, injected faults, and receipt pushes to Bedside's callback."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import threading
from collections import deque
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

BEIJING = timezone(timedelta(hours=8))
FAULT_KINDS = ("timeout", "delay", "http_500", "http_502", "http_503", "error", "status")


@dataclass
class Delivered:
    ref: str
    phone: str
    sign_name: str
    template: str
    params: dict[str, str]
    text: str
    context: str = ""
    at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())


@dataclass(frozen=True)
class Fault:
    kind: str
    code: str = ""
    message: str = ""
    delay: float = 2.0


@dataclass
class SmsAccount:
    """The hospital's account as the vendor's console holds it."""

    credentials: dict[str, str]  # access key id -> secret
    sign_names: set[str]
    templates: dict[str, str]  # template code -> registered text
    app_id: str = ""  # Tencent's SmsSdkAppId
    receipt_url: str = ""
    # Seconds after a send when a "delivered" receipt is pushed; None: only when asked.
    receipt_delay: float | None = None
    inbox_file: Path | None = None


def template_variables(text: str) -> list[str]:
    """The ${name} (Aliyun) or {n} (Tencent) placeholders of a registered text, in order."""
    return re.findall(r"\$\{(\w+)\}", text) or re.findall(r"\{(\d+)\}", text)


class SmsPeer:
    """One vendor's state; subclasses add the wire protocol (create_app) and receipt shape."""

    name = ""

    def __init__(self, account: SmsAccount) -> None:
        self.account = account
        self.inbox: list[Delivered] = []
        self.faults: dict[str, deque[Fault]] = {}
        self.nonces: set[str] = set()
        self._serial = itertools.count(1)
        self._lock = threading.Lock()
        self._tasks: set[asyncio.Task[None]] = set()

    def next_serial(self) -> int:
        return next(self._serial)

    def add_fault(self, action: str, fault: Fault, times: int = 1) -> None:
        with self._lock:
            self.faults.setdefault(action, deque()).extend([fault] * times)

    def take_fault(self, action: str) -> Fault | None:
        with self._lock:
            queue = self.faults.get(action)
            return queue.popleft() if queue else None

    def reset(self) -> None:
        with self._lock:
            self.inbox.clear()
            self.faults.clear()
            self.nonces.clear()

    def record(self, message: Delivered) -> None:
        with self._lock:
            self.inbox.append(message)
        if self.account.inbox_file:
            with self.account.inbox_file.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(asdict(message), ensure_ascii=False) + "\n")
        if self.account.receipt_delay is not None and self.account.receipt_url:
            task = asyncio.get_running_loop().create_task(
                self._later(message.ref, self.account.receipt_delay)
            )
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _later(self, ref: str, delay: float) -> None:
        await asyncio.sleep(delay)
        try:
            await self.push([ref], delivered=True, code="")
        except httpx.HTTPError:
            pass  # the vendor would retry later; the demo shows the message sent either way

    def find(self, ref: str) -> Delivered | None:
        with self._lock:
            return next((m for m in self.inbox if m.ref == ref), None)

    def receipt_item(self, message: Delivered, delivered: bool, code: str) -> dict[str, Any]:
        raise NotImplementedError

    async def push(self, refs: list[str], *, delivered: bool, code: str) -> tuple[int, Any]:
        items = [self.receipt_item(m, delivered, code) for r in refs if (m := self.find(r))]
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(self.account.receipt_url, json=items)
        try:
            return response.status_code, response.json()
        except ValueError:
            return response.status_code, response.text

    def messages(self, phone: str = "") -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(m) for m in self.inbox if not phone or m.phone.endswith(phone)]

    async def apply_fault(self, action: str) -> JSONResponse | Fault | None:
        """Waits or answers as the injected fault says; a vendor error fault is handed back."""
        fault = self.take_fault(action)
        if fault is None:
            return None
        if fault.kind == "delay":
            await asyncio.sleep(fault.delay)
            return None
        if fault.kind == "timeout":
            await asyncio.sleep(fault.delay)
            return JSONResponse({"message": "gateway timeout"}, status_code=504)
        if fault.kind.startswith("http_"):
            return JSONResponse({"message": "upstream error"}, status_code=int(fault.kind[5:]))
        return fault

    def control_routes(self, app: FastAPI) -> None:
        @app.get("/_sim/messages")
        def messages(phone: str = "") -> dict[str, Any]:
            return {"messages": self.messages(phone)}

        @app.post("/_sim/faults")
        async def faults(request: Request) -> dict[str, Any]:
            spec = await request.json()
            if spec.get("fault") not in FAULT_KINDS:
                return {"ok": False, "error": f"fault must be one of {FAULT_KINDS}"}
            fault = Fault(
                spec["fault"], spec.get("code", ""), spec.get("message", ""), float(spec.get("delay", 2.0))
            )
            self.add_fault(spec.get("action", "SendSms"), fault, int(spec.get("times", 1)))
            return {"ok": True}

        @app.post("/_sim/reset")
        def reset() -> dict[str, Any]:
            self.reset()
            return {"ok": True}

        @app.post("/_sim/receipts")
        async def receipts(request: Request) -> dict[str, Any]:
            spec = await request.json()
            refs = spec.get("refs") or [spec.get("ref", "")]
            status, answer = await self.push(
                refs, delivered=bool(spec.get("delivered", True)), code=str(spec.get("code", ""))
            )
            return {"status": status, "answer": answer}


def beijing_now() -> str:
    return datetime.now(BEIJING).strftime("%Y-%m-%d %H:%M:%S")
