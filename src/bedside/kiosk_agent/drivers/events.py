"""The event bus devices announce things on, and the /events streams that read it."""

from __future__ import annotations

import asyncio
import logging
import secrets
import threading
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from bedside.kiosk_agent.drivers.model import now

log = logging.getLogger(__name__)


# --- Events ----------------------------------------------------------------------------------


class DeviceEvent(BaseModel):
    id: str
    at: datetime
    kind: str
    type: str
    data: dict[str, Any] = Field(default_factory=dict)


class Subscription:
    """One /events stream: events are handed to its event loop from whichever thread a device
    published them on."""

    def __init__(self, loop: asyncio.AbstractEventLoop, backlog: list[DeviceEvent], maxsize: int) -> None:
        self.loop = loop
        self.backlog = backlog
        self.queue: asyncio.Queue[DeviceEvent] = asyncio.Queue(maxsize)
        # Set when the reader fell behind and events were dropped; the stream then ends and the
        # browser reconnects with Last-Event-ID, which replays from the bus's backlog.
        self.lost = False

    def _offer(self, event: DeviceEvent) -> None:
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.lost = True

    async def next(self, timeout: float) -> DeviceEvent | None:
        try:
            return await asyncio.wait_for(self.queue.get(), timeout)
        except TimeoutError:
            return None


class EventBus:
    def __init__(self, keep: int = 500, queue_size: int = 1000) -> None:
        # Event ids carry the agent's boot id: after an agent restart a browser's Last-Event-ID
        # belongs to another run, and comparing its number with this run's would skip events.
        self.boot = secrets.token_hex(4)
        self._seq = 0
        self._lock = threading.Lock()
        self._recent: deque[DeviceEvent] = deque(maxlen=keep)
        self._subscribers: set[Subscription] = set()
        self._listeners: list[Callable[[DeviceEvent], None]] = []
        self._queue_size = queue_size

    def publish(self, kind: str, type_: str, **data: Any) -> DeviceEvent:
        with self._lock:
            self._seq += 1
            event = DeviceEvent(id=f"{self.boot}-{self._seq}", at=now(), kind=kind, type=type_, data=data)
            self._recent.append(event)
            for sub in list(self._subscribers):
                try:
                    sub.loop.call_soon_threadsafe(sub._offer, event)
                except RuntimeError:
                    self._subscribers.discard(sub)  # its loop has closed
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(event)
            except Exception:
                log.exception("event listener failed on %s/%s", kind, type_)
        return event

    def listen(self, listener: Callable[[DeviceEvent], None]) -> None:
        with self._lock:
            self._listeners.append(listener)

    def subscribe(self, last_event_id: str | None = None) -> Subscription:
        """Must run on the event loop that will read the subscription."""
        loop = asyncio.get_running_loop()
        with self._lock:
            backlog = self._after(last_event_id)
            sub = Subscription(loop, backlog, self._queue_size)
            self._subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            self._subscribers.discard(sub)

    def recent(self, limit: int = 50) -> list[DeviceEvent]:
        with self._lock:
            return list(self._recent)[-limit:]

    def _after(self, last_event_id: str | None) -> list[DeviceEvent]:
        if not last_event_id:
            return []
        boot, _, seq = last_event_id.partition("-")
        if boot != self.boot or not seq.isdigit():
            return []
        last = int(seq)
        return [e for e in self._recent if int(e.id.rsplit("-", 1)[1]) > last]
