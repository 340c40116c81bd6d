"""The outbox delivers an event to each handler exactly once, and only after commit."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from bedside.core import events
from bedside.core.events import Event, OutboxEvent, dispatch_pending, event_type, subscribe
from tests.conftest import DATABASE

CALLS: list[tuple[str, int]] = []
FAIL_TIMES = {"n": 0}


@event_type("test.pinged")
@dataclass(frozen=True)
class Pinged(Event):
    n: int


@subscribe(Pinged)
def record_ping(session, event: Pinged) -> None:
    CALLS.append(("record", event.n))


@subscribe(Pinged)
def flaky_ping(session, event: Pinged) -> None:
    if FAIL_TIMES["n"] > 0:
        FAIL_TIMES["n"] -= 1
        raise RuntimeError("downstream unavailable")
    CALLS.append(("flaky", event.n))


@pytest.fixture(autouse=True)
def _reset():
    CALLS.clear()
    FAIL_TIMES["n"] = 0
    yield


def _due_now():
    with DATABASE.session() as s:
        for row in s.scalars(select(OutboxEvent)):
            row.next_attempt_at = row.created_at
        s.commit()


def test_committed_event_is_delivered_once_to_each_handler():
    with DATABASE.session() as s:
        events.emit(s, Pinged(n=1))
        s.commit()
    assert dispatch_pending(DATABASE.session_factory) == 1
    assert dispatch_pending(DATABASE.session_factory) == 0
    assert sorted(CALLS) == [("flaky", 1), ("record", 1)]


def test_rolled_back_event_is_never_delivered():
    with DATABASE.session() as s:
        events.emit(s, Pinged(n=2))
        s.rollback()
    with DATABASE.session() as s:
        assert s.scalar(select(func.count()).select_from(OutboxEvent)) == 0
    assert dispatch_pending(DATABASE.session_factory) == 0
    assert CALLS == []


def test_failed_handler_is_retried_without_repeating_the_others():
    FAIL_TIMES["n"] = 2
    with DATABASE.session() as s:
        events.emit(s, Pinged(n=3))
        s.commit()
    assert dispatch_pending(DATABASE.session_factory) == 0
    with DATABASE.session() as s:
        row = s.scalars(select(OutboxEvent)).one()
        assert row.attempts == 1 and "downstream unavailable" in (row.last_error or "")
        assert row.dispatched_at is None
    _due_now()
    assert dispatch_pending(DATABASE.session_factory) == 0
    _due_now()
    assert dispatch_pending(DATABASE.session_factory) == 1
    assert CALLS.count(("record", 3)) == 1
    assert CALLS.count(("flaky", 3)) == 1


def test_event_payload_round_trips_dates():
    from datetime import date

    from bedside.admissions.events import AdmissionNoticeIssued

    ev = AdmissionNoticeIssued(
        notice_id=1, patient_id=2, department_id=3, expected_date=date(2026, 12, 1), kind="elective"
    )
    with DATABASE.session() as s:
        events.emit(s, ev)
        s.commit()
        row = s.scalars(select(OutboxEvent)).one()
    assert events.decode(row.name, row.payload) == ev
