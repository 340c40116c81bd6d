"""Exam appointment messages and the upcoming list: one message per account acting for the
patient (a proxy too) for a booking, a new one for each move and one for a cancellation, none
twice however often the HIS resends; `upcoming_exams` covers now to the end of tomorrow."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from bedside.core.audit import Actor
from bedside.core.events import dispatch_pending
from bedside.notifications.models import InboxMessage
from bedside.reports import exams
from bedside.reports import service as reports_service
from bedside.reports.states import EXAM_MACHINE, ExamState
from bedside.settings import get_settings
from tests import factories
from tests.api.test_exam_appointments import admitted_stay
from tests.conftest import DATABASE

HIS = Actor(kind="his", id=1, label="HIS")


def _drain() -> None:
    while dispatch_pending(DATABASE.session_factory):
        pass


def _messages(account_id: int) -> list[tuple[str, dict]]:  # type: ignore[type-arg]
    with DATABASE.session() as s:
        rows = s.scalars(
            select(InboxMessage).where(InboxMessage.account_id == account_id).order_by(InboxMessage.id)
        )
        return [(m.template, dict(m.params)) for m in rows if m.template.startswith("exam_")]


def _send(inpatient_no: str, **kw) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    with DATABASE.session() as s:
        row, outcome = exams.receive(s, HIS, inpatient_no, exams.ExamIn(**kw))
        return row.id, outcome


def test_messages_once_per_account_including_a_proxy(session):
    patient = factories.patient(session, name="关羽")
    own = factories.account_for(session, "13700000001", patient)
    proxy = factories.account_for(session, "13700000002", patient, relation="child")
    outsider = factories.account_for(
        session, "13700000003", factories.patient(session, name="周仓", birth=factories.date(1977, 7, 7))
    )
    stay = admitted_stay(session, patient)
    tz = get_settings().tz
    at = datetime.combine(datetime.now(tz).date() + timedelta(days=1), time(10, 30), tzinfo=tz)
    booking = {
        "his_ref": "PACS-100",
        "title": "腹部超声",
        "place": "3楼 超声科",
        "scheduled_at": at,
        "preparation": "检查前禁食 8 小时",
    }
    assert _send(stay.inpatient_no, **booking)[1] == "created"
    assert _send(stay.inpatient_no, **booking)[1] == "unchanged"
    _drain()
    for account in (own, proxy):
        got = _messages(account.id)
        assert [t for t, _ in got] == ["exam_scheduled"]
        params = got[0][1]
        assert params["time"] == "10:30" and params["place"] == "3楼 超声科"
        assert params["date"] == at.date().isoformat() and params["preparation"] == "检查前禁食 8 小时"
    assert _messages(outsider.id) == []

    # Moved, moved back, moved again: each move is told, even a return to an earlier time.
    later = at + timedelta(hours=2)
    for when in (later, at, later):
        assert _send(stay.inpatient_no, **{**booking, "scheduled_at": when})[1] == "changed"
        _drain()
    _send(stay.inpatient_no, **{**booking, "scheduled_at": later})  # a resend: no message
    _drain()
    for account in (own, proxy):
        got = _messages(account.id)
        assert [t for t, _ in got] == ["exam_scheduled"] + ["exam_changed"] * 3
        assert got[-1][1]["time"] == "12:30"

    assert _send(stay.inpatient_no, his_ref="PACS-100", cancelled=True)[1] == "cancelled"
    assert _send(stay.inpatient_no, his_ref="PACS-100", cancelled=True)[1] == "unchanged"
    _drain()
    for account in (own, proxy):
        got = _messages(account.id)
        assert [t for t, _ in got][-1] == "exam_cancelled" and len(got) == 5
        assert got[-1][1]["time"] == "12:30"
    assert _messages(outsider.id) == []


def test_upcoming_exams_run_from_now_to_the_end_of_tomorrow(session):
    patient = factories.patient(session, name="赵云")
    stay = admitted_stay(session, patient)
    tz = get_settings().tz
    # Fixed local times relative to a "now" of 09:00 today, so the window does not depend on the clock.
    today = datetime.now(tz).date()
    now = datetime.combine(today, time(9, 0), tzinfo=tz).astimezone(UTC)

    def local(days: int, hh: int, mm: int = 0) -> datetime:
        return datetime.combine(today + timedelta(days=days), time(hh, mm), tzinfo=tz)

    with DATABASE.session() as s:
        for ref, when in (
            ("E-past", local(0, 8)),
            ("E-late-tomorrow", local(1, 23, 59)),
            ("E-today", local(0, 10, 30)),
            ("E-day-after", local(2, 0)),
            ("E-cancelled", local(0, 15)),
        ):
            exams.receive(
                s,
                HIS,
                stay.inpatient_no,
                exams.ExamIn(his_ref=ref, title=ref, place="3楼 超声科", scheduled_at=when),
                now=now,
            )
        exams.receive(s, HIS, stay.inpatient_no, exams.ExamIn(his_ref="E-cancelled", cancelled=True), now=now)
    with DATABASE.session() as s:
        upcoming = reports_service.upcoming_exams(s, patient.id, now=now)
        assert [e.title for e in upcoming] == ["E-today", "E-late-tomorrow"]
        first = upcoming[0]
        assert first.notice_id == stay.id and first.place == "3楼 超声科" and first.preparation is None
        assert first.scheduled_at == local(0, 10, 30)
        assert [e.title for e in reports_service.scheduled_exams(s, patient.id, now=now)] == [
            "E-today",
            "E-late-tomorrow",
            "E-day-after",
        ]
        assert reports_service.upcoming_exams(s, patient.id + 999, now=now) == []


def test_exam_machine_every_pair():
    for state in ExamState:
        for action in EXAM_MACHINE.actions():
            target = EXAM_MACHINE.transitions.get((state, action))
            if state == ExamState.SCHEDULED:
                assert target is not None
            else:
                assert target is None  # nothing leaves cancelled or done
