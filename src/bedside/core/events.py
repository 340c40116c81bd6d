"""Domain events: small dataclasses, a transactional outbox, and an after-commit dispatcher.

A service calls `emit(session, SomeEvent(...))` inside its transaction; the event becomes an
outbox row that exists only if the transaction commits. After commit, the dispatcher (the
in-process loop or `bedside worker`) hands each event to every subscribed handler once: a
handler's own writes and its delivery row commit together, so a crash can repeat nothing.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any, ClassVar, TypeVar

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from bedside.core.bulk import insert_rows
from bedside.core.db import Base, utcnow

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Event:
    """Base of every domain event; subclasses are frozen dataclasses of plain values."""

    name: ClassVar[str] = "event"


E = TypeVar("E", bound=Event)
Handler = Callable[[Session, Any], None]

EVENT_TYPES: dict[str, type[Event]] = {}
HANDLERS: dict[str, list[tuple[str, Handler]]] = {}


def event_type(name: str) -> Callable[[type[E]], type[E]]:
    """Register an event class under a stable name (the outbox stores the name)."""

    def register(cls: type[E]) -> type[E]:
        if name in EVENT_TYPES and EVENT_TYPES[name] is not cls:
            raise ValueError(f"event name {name!r} already registered")
        cls.name = name
        EVENT_TYPES[name] = cls
        return cls

    return register


def subscribe(event_cls: type[E]) -> Callable[[Callable[[Session, E], None]], Callable[..., None]]:
    """Declare a handler; its qualified name is its identity in the delivery log."""

    def register(fn: Callable[[Session, E], None]) -> Callable[..., None]:
        key = f"{fn.__module__}.{fn.__qualname__}"
        entries = HANDLERS.setdefault(event_cls.name, [])
        if key not in {k for k, _ in entries}:
            entries.append((key, fn))
        return fn

    return register


class OutboxEvent(Base):
    __tablename__ = "outbox_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    dispatched_at: Mapped[datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)


class OutboxDelivery(Base):
    """One row per (event, handler) that has run and committed."""

    __tablename__ = "outbox_deliveries"
    __table_args__ = (UniqueConstraint("event_id", "handler"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("outbox_events.id", ondelete="CASCADE"))
    handler: Mapped[str] = mapped_column(String(200))
    delivered_at: Mapped[datetime] = mapped_column(default=utcnow)


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def emit(session: Session, ev: Event) -> None:
    payload = {f.name: _encode(getattr(ev, f.name)) for f in dataclasses.fields(ev)}
    session.add(OutboxEvent(name=ev.name, payload=payload))
    session.info["outbox_dirty"] = True


def emit_many(session: Session, evs: Sequence[Event]) -> None:
    """Like `emit` for each of `evs`, in one statement (a batch from the HIS announces one
    event per exam or report it stored)."""
    if not evs:
        return
    now = utcnow()
    rows = [
        {
            "name": ev.name,
            "payload": {f.name: _encode(getattr(ev, f.name)) for f in dataclasses.fields(ev)},
            "created_at": now,
            "next_attempt_at": now,
            "attempts": 0,
        }
        for ev in evs
    ]
    insert_rows(session, OutboxEvent, rows)
    session.info["outbox_dirty"] = True


def decode(name: str, payload: dict[str, Any]) -> Event:
    cls = EVENT_TYPES[name]
    kwargs: dict[str, Any] = {}
    hints = {f.name: f.type for f in dataclasses.fields(cls)}
    for key, value in payload.items():
        hint = str(hints.get(key, ""))
        if isinstance(value, str) and hint.startswith("datetime"):
            value = datetime.fromisoformat(value)
        elif isinstance(value, str) and hint.startswith("date"):
            value = date.fromisoformat(value)
        kwargs[key] = value
    return cls(**kwargs)


# Wakes the in-process loop right after a commit that wrote events.
outbox_signal = threading.Event()


@event.listens_for(Session, "after_commit")
def _wake_dispatcher(session: Session) -> None:
    if session.info.pop("outbox_dirty", False):
        outbox_signal.set()


@event.listens_for(Session, "after_rollback")
def _forget_events(session: Session) -> None:
    session.info.pop("outbox_dirty", None)


MAX_BACKOFF = timedelta(minutes=30)


def dispatch_pending(factory: sessionmaker[Session], limit: int = 100) -> int:
    """Deliver due events to their handlers; returns how many events completed."""
    now = utcnow()
    with factory() as session:
        query = (
            select(OutboxEvent.id)
            .where(OutboxEvent.dispatched_at.is_(None), OutboxEvent.next_attempt_at <= now)
            .order_by(OutboxEvent.id)
            .limit(limit)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        ids = list(session.scalars(query))
        session.commit()
    done = 0
    for event_id in ids:
        if _deliver(factory, event_id):
            done += 1
    return done


def _deliver(factory: sessionmaker[Session], event_id: int) -> bool:
    with factory() as session:
        row = session.get(OutboxEvent, event_id)
        if row is None or row.dispatched_at is not None:
            return False
        name, payload = row.name, dict(row.payload)
        delivered = set(
            session.scalars(select(OutboxDelivery.handler).where(OutboxDelivery.event_id == event_id))
        )
        session.commit()
    failure: str | None = None
    for key, handler in HANDLERS.get(name, []):
        if key in delivered:
            continue
        with factory() as session:
            try:
                handler(session, decode(name, payload))
                session.add(OutboxDelivery(event_id=event_id, handler=key))
                session.commit()
            except IntegrityError:
                session.rollback()  # another worker delivered it first
            except Exception as exc:  # noqa: BLE001 - one failing handler must not stop others
                session.rollback()
                log.exception("handler %s failed for event %s", key, event_id)
                failure = f"{key}: {exc!r}"[:2000]
    with factory() as session:
        row = session.get(OutboxEvent, event_id)
        if row is None:
            return False
        row.attempts += 1
        if failure is None:
            row.dispatched_at = utcnow()
            row.last_error = None
        else:
            row.last_error = failure
            row.next_attempt_at = utcnow() + min(MAX_BACKOFF, timedelta(seconds=2**row.attempts))
        session.commit()
        return failure is None


class OutboxLoop:
    """Background thread that drains the outbox; woken by commits, polling as a fallback."""

    def __init__(self, factory: sessionmaker[Session], poll_seconds: float = 2.0) -> None:
        self.factory = factory
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="outbox", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        outbox_signal.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            outbox_signal.wait(self.poll_seconds)
            outbox_signal.clear()
            try:
                while dispatch_pending(self.factory) and not self._stop.is_set():
                    pass
            except Exception:  # noqa: BLE001 - keep the loop alive; the rows stay pending
                log.exception("outbox dispatch failed")
