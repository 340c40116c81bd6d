"""The SQLite default under contention: pages that only read never wait for the write lock,
a page whose write meets a busy writer is run again and succeeds, a write that cannot get the
lock in time is a 503 with Retry-After (never a 500 or a wedge), and a rush beyond the
threads is shed with 503 at once."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import create_engine, select

from bedside.core import db
from bedside.core.audit import AuditEvent
from bedside.web.overload import OverloadGuard
from tests import factories
from tests.conftest import DATABASE, TEST_DB_URL
from tests.helpers import csrf, staff_login


def _run(coro_fn):  # type: ignore[no-untyped-def]
    """asyncio.run in a thread of its own: the browser tests may hold a loop in this one."""
    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(coro_fn())
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            box["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box.get("value")


sqlite_only = pytest.mark.skipif(not TEST_DB_URL.startswith("sqlite"), reason="SQLite's write lock")


class WriteLockHolder:
    """Another process's writer: holds SQLite's write lock until released."""

    def __init__(self) -> None:
        self.engine = create_engine(TEST_DB_URL, connect_args={"check_same_thread": False})
        self.raw = self.engine.raw_connection()
        self.raw.driver_connection.isolation_level = None  # type: ignore[union-attr]

    def hold(self) -> None:
        self.raw.driver_connection.execute("BEGIN IMMEDIATE")  # type: ignore[union-attr]

    def release(self) -> None:
        self.raw.driver_connection.execute("ROLLBACK")  # type: ignore[union-attr]

    def release_after(self, seconds: float) -> threading.Thread:
        # The sqlite3 connection may be used from another thread (check_same_thread=False).
        thread = threading.Timer(seconds, self.release)
        thread.start()
        return thread

    def close(self) -> None:
        self.raw.close()
        self.engine.dispose()


@pytest.fixture
def writer() -> Iterator[WriteLockHolder]:
    holder = WriteLockHolder()
    yield holder
    holder.close()


@sqlite_only
def test_reading_pages_do_not_wait_for_a_writer(client, session, writer):
    factories.hospital(session)
    factories.staff(session, "adm1", "admission_center")
    staff_login(client, "adm1")
    writer.hold()
    try:
        start = time.perf_counter()
        page = client.get("/console/beds")
        elapsed = time.perf_counter() - start
    finally:
        writer.release()
    assert page.status_code == 200
    # Far below the 5 s busy timeout: the page never asked for the lock.
    assert elapsed < 2.0


@sqlite_only
def test_a_read_that_writes_meets_a_busy_writer_and_is_run_again(client, session, writer):
    factories.hospital(session)
    factories.staff(session, "rn1", "nurse")
    patient = factories.patient(session)
    staff_login(client, "rn1")
    writer.hold()
    timer = writer.release_after(0.7)
    page = client.get(f"/console/patients/{patient.id}")
    timer.join()
    assert page.status_code == 200
    with DATABASE.session() as fresh:
        reads = fresh.scalars(
            select(AuditEvent).where(AuditEvent.action == "patient.read", AuditEvent.patient_id == patient.id)
        ).all()
    # The first run's audit row was refused with its transaction; the second run wrote one.
    assert len(reads) == 1


@sqlite_only
def test_a_write_that_cannot_get_the_lock_is_503_with_retry_after(client, session, writer, monkeypatch):
    factories.hospital(session)
    token = csrf(client)
    # The app's database for this test only, with a short busy timeout; monkeypatch puts the
    # suite's own back afterwards (configure() would dispose of it and leave another in place).
    short = db.Database(TEST_DB_URL, busy_timeout_ms=300)
    monkeypatch.setattr(db, "_database", short)
    writer.hold()
    try:
        r = client.post(
            "/console/login",
            data={"username": "nobody", "password": "x" * 12, "csrf_token": token},
            headers={"accept": "application/json"},
        )
    finally:
        writer.release()
        short.dispose()
    assert r.status_code == 503, r.text
    assert r.headers["retry-after"].isdigit()
    assert r.json()["code"] == "service_busy"


async def _slow_app(scope, receive, send):  # type: ignore[no-untyped-def]
    await asyncio.sleep(0.3)
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


@pytest.mark.parametrize(
    ("running", "queued", "wait", "expected"),
    [
        (2, 0, 5.0, {200: 2, 503: 4}),  # no queue: beyond the running ones, shed at once
        (2, 2, 5.0, {200: 4, 503: 2}),  # the queue takes two more
        (1, 5, 0.1, {200: 1, 503: 5}),  # queued longer than the wait: shed
    ],
)
def test_overload_guard_sheds_beyond_running_and_queued(running, queued, wait, expected):
    guard = OverloadGuard(_slow_app, running=running, queued=queued, wait_seconds=wait)

    async def rush() -> tuple[dict[int, int], list[str]]:
        transport = httpx.ASGITransport(app=guard)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            answers = await asyncio.gather(*(c.get("/phone/") for _ in range(6)))
            health = await c.get("/healthz")  # exempt: answered by the app even now
        counts: dict[int, int] = {}
        for a in answers:
            counts[a.status_code] = counts.get(a.status_code, 0) + 1
        return counts, [a.headers.get("retry-after", "") for a in answers if a.status_code == 503] + [
            str(health.status_code)
        ]

    counts, extra = _run(rush)
    assert counts == expected
    assert all(v.isdigit() for v in extra[:-1])
    assert extra[-1] == "200"


def test_shed_answer_speaks_json_and_html():
    from bedside.web.overload import overloaded_body

    body, kind = overloaded_body("application/json")
    assert kind == b"application/problem+json" and b'"code": "overloaded"' in body
    html, kind = overloaded_body("text/html,application/xhtml+xml")
    assert kind.startswith(b"text/html") and "稍后".encode() in html or b"try again" in html


def test_a_client_that_hangs_up_while_queued_is_not_served():
    calls: list[str] = []

    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        calls.append(scope["path"])
        await _slow_app(scope, receive, send)

    guard = OverloadGuard(app, running=1, queued=5, wait_seconds=5.0)
    sent: dict[str, list[dict]] = {"/first": [], "/gone": []}

    def scope(path: str) -> dict:
        return {"type": "http", "method": "GET", "path": path, "headers": []}

    async def hang_up_soon():  # type: ignore[no-untyped-def]
        if not hasattr(hang_up_soon, "sent"):
            hang_up_soon.sent = True  # type: ignore[attr-defined]
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.sleep(0.05)
        return {"type": "http.disconnect"}

    async def stay():  # type: ignore[no-untyped-def]
        await asyncio.sleep(10)
        return {"type": "http.disconnect"}

    async def run() -> None:
        async def send_to(path):  # type: ignore[no-untyped-def]
            async def send(message):  # type: ignore[no-untyped-def]
                sent[path].append(message)

            return send

        await asyncio.gather(
            guard(scope("/first"), stay, await send_to("/first")),
            guard(scope("/gone"), hang_up_soon, await send_to("/gone")),
        )

    _run(run)
    assert calls == ["/first"]
    assert sent["/gone"] == [] and sent["/first"][0]["status"] == 200
    assert guard.waiting == 0
