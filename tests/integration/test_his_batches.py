"""HIS batches in bulk: a stay's charge lines, exam appointments and reports are each checked
whole and written with a few set-based statements however many there are; a resent or
overlapping batch stores only what is new; one bad item, or a clash found only while
writing, leaves nothing behind."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from bedside.charges import posting
from bedside.charges import service as charges
from bedside.charges.models import ChargeLine
from bedside.core.audit import Actor, AuditEvent
from bedside.core.errors import Conflict, InvalidInput
from bedside.core.events import OutboxEvent
from bedside.deposits import service as deposits
from bedside.deposits.models import DepositAccount, EntryKind, LedgerEntry
from bedside.reports import exams
from bedside.reports import service as reports
from bedside.reports.models import ExamAppointment, Report
from tests import factories
from tests.api.test_exam_appointments import admitted_stay
from tests.conftest import DATABASE
from tests.integration.discharge.conftest import line

HIS = Actor(kind="his", id=1, label="HIS")
# The checks' three reads; the account lock and the stay re-checked; the reversed entries; an
# id reservation and one executemany for the entries and for the lines; one balance update;
# the audit row; the batch's event: 13. The per-line path it replaces took six a line.
CHARGE_BATCH_STATEMENTS = 13


@contextmanager
def statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(DATABASE.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(DATABASE.engine, "before_cursor_execute", count)


def _lines(prefix: str, n: int, fen: int = 100) -> list[charges.ChargeIn]:
    return [line(f"{prefix}{i}", "A", fen, days_ago=0) for i in range(n)]


def _ledger(notice_id: int) -> tuple[int, int, int, int]:
    """(lines, ledger entries, cached balance, derived balance) of the stay."""
    with DATABASE.session() as s:
        account = s.scalar(select(DepositAccount).where(DepositAccount.notice_id == notice_id))
        if account is None:
            return (s.scalar(select(func.count()).where(ChargeLine.notice_id == notice_id)) or 0, 0, 0, 0)
        cached, derived = deposits.check(s, account.id)
        return (
            s.scalar(select(func.count()).where(ChargeLine.notice_id == notice_id)) or 0,
            s.scalar(select(func.count()).where(LedgerEntry.account_id == account.id)) or 0,
            cached,
            derived,
        )


def _events(name: str) -> int:
    with DATABASE.session() as s:
        return s.scalar(select(func.count()).select_from(OutboxEvent).where(OutboxEvent.name == name)) or 0


def test_a_resent_or_overlapping_batch_posts_only_the_new_lines(session):
    stay = admitted_stay(session)
    with DATABASE.session() as s:
        first = charges.post(s, HIS, stay.id, _lines("L", 3))
        again = charges.post(s, HIS, stay.id, _lines("L", 3))
        overlap = charges.post(s, HIS, stay.id, _lines("L", 5)[1:])
    assert (first.created, first.duplicates, len(first.line_ids)) == (3, 0, 3)
    assert (again.created, again.duplicates, again.line_ids) == (0, 3, [])
    assert (overlap.created, overlap.duplicates) == (2, 2)
    assert _ledger(stay.id) == (5, 5, -500, -500)
    assert _events("charges.posted") == 2  # one per batch that posted something, none per line
    with DATABASE.session() as s:
        stored = s.execute(select(ChargeLine.his_line_id, ChargeLine.ledger_entry_id).order_by(ChargeLine.id))
        entries = dict(s.execute(select(LedgerEntry.id, LedgerEntry.amount_fen)).all())
        assert [(ref, entries[entry]) for ref, entry in stored] == [(f"L{i}", -100) for i in range(5)]
        assert s.scalar(select(func.count()).where(AuditEvent.action == "charges.post")) == 3


@pytest.mark.parametrize(
    ("bad", "error", "code"),
    [
        ({"amount_fen": 101}, InvalidInput, "amount_mismatch"),
        ({"quantity": "1.0001"}, InvalidInput, "invalid_quantity"),
        ({"his_line_id": "B0"}, InvalidInput, "duplicate_line"),
        ({"his_line_id": "OLD", "code": "OTHER"}, Conflict, "line_conflict"),
    ],
)
def test_one_bad_line_refuses_the_whole_batch(session, bad, error, code):
    stay = admitted_stay(session)
    with DATABASE.session() as s:
        charges.post(s, HIS, stay.id, [line("OLD", "A", 100, days_ago=0)])
    batch = _lines("B", 1999)
    batch.append(line("LAST", "A", 100, days_ago=0).model_copy(update=bad))
    with DATABASE.session() as s, pytest.raises(error) as refused:
        charges.post(s, HIS, stay.id, batch)
    assert refused.value.code == code
    assert _ledger(stay.id) == (1, 1, -100, -100)
    assert _events("charges.posted") == 1


def test_reversals_in_a_batch_cancel_their_lines_once(session):
    stay = admitted_stay(session)
    with DATABASE.session() as s:
        charges.post(s, HIS, stay.id, [line("1", "A", 300, days_ago=0), line("2", "A", 200, days_ago=0)])
    undo = line("R1", "A", -300, days_ago=0, unit_price_fen=300, quantity="-1", reverses_his_line_id="1")
    with DATABASE.session() as s, pytest.raises(Conflict) as twice:
        charges.post(s, HIS, stay.id, [undo, undo.model_copy(update={"his_line_id": "R1b"})])
    assert twice.value.code == "already_reversed"
    assert _ledger(stay.id) == (2, 2, -500, -500)
    with DATABASE.session() as s:
        done = charges.post(s, HIS, stay.id, [undo, line("3", "A", 50, days_ago=0)])
        assert (done.created, _ledger(stay.id)) == (2, (4, 4, -250, -250))
        reversal = s.scalar(select(ChargeLine).where(ChargeLine.his_line_id == "R1"))
        original = s.scalar(select(ChargeLine).where(ChargeLine.his_line_id == "1"))
        assert reversal is not None and original is not None and reversal.reverses_id == original.id
        entry = s.get(LedgerEntry, reversal.ledger_entry_id)
        assert entry is not None and entry.kind == EntryKind.REVERSAL
        assert (entry.reverses_id, entry.amount_fen) == (original.ledger_entry_id, 300)
        with pytest.raises(Conflict):
            charges.post(s, HIS, stay.id, [undo.model_copy(update={"his_line_id": "R1c"})])


def test_a_batch_crossing_the_low_balance_line_warns_once(session):
    stay = admitted_stay(session)
    with DATABASE.session() as s:
        account = deposits.account_for_notice(s, stay.patient_id, stay.id)
        deposits.post(s, account.id, EntryKind.DEPOSIT, 150000, HIS)
        s.commit()
        charges.post(s, HIS, stay.id, _lines("C", 100, fen=1000))
    assert _ledger(stay.id) == (100, 101, 50000, 50000)
    assert _events("deposits.low_balance") == 1


def test_a_line_another_batch_stored_meanwhile_is_counted_not_posted_twice(session, monkeypatch):
    """The checks run before the write transaction; a concurrent batch that stores one of the
    lines in between makes the insert fail, and the batch is run again: all or nothing."""
    stay = admitted_stay(session)
    real_lock = posting.ledger.lock_for_notice
    calls = []

    def meanwhile(s, patient_id, notice_id):  # type: ignore[no-untyped-def]
        calls.append(notice_id)
        if len(calls) == 1:
            with DATABASE.session() as other:
                charges.post(other, HIS, stay.id, [line("M2", "A", 100, days_ago=0)])
        return real_lock(s, patient_id, notice_id)

    monkeypatch.setattr(posting.ledger, "lock_for_notice", meanwhile)
    with DATABASE.session() as s:
        result = charges.post(s, HIS, stay.id, _lines("M", 5))
    assert (result.created, result.duplicates, len(calls)) == (4, 1, 3)
    assert _ledger(stay.id) == (5, 5, -500, -500)


@pytest.mark.parametrize("size", [20, 2000])
def test_a_charge_batch_takes_a_few_statements_whatever_its_size(session, size):
    stay = admitted_stay(session)
    with DATABASE.session() as s:
        charges.post(s, HIS, stay.id, _lines("W", 2))  # the account exists, as for a stay's later batches
    batch = _lines("S", size) + [
        line("RW0", "A", -100, days_ago=0, unit_price_fen=100, quantity="-1", reverses_his_line_id="W0")
    ]
    with DATABASE.session() as s, statements() as seen:
        result = charges.post(s, HIS, stay.id, batch)
    assert result.created == size + 1
    assert len(seen) <= CHARGE_BATCH_STATEMENTS, seen
    assert _ledger(stay.id) == (size + 3, size + 3, -100 * (size + 1), -100 * (size + 1))
    with DATABASE.session() as s, statements() as resent:
        assert charges.post(s, HIS, stay.id, batch).duplicates == size + 1
    assert len(resent) <= 5


def _at(hours: float) -> datetime:
    return datetime.now(UTC) + timedelta(hours=hours)


def _booking(ref: str, at: datetime, place: str = "3楼 超声科") -> exams.ExamIn:
    return exams.ExamIn(his_ref=ref, title="腹部超声", place=place, scheduled_at=at)


def test_an_exam_batch_is_applied_whole_in_a_few_statements(session):
    stay = admitted_stay(session)
    soon = _at(20)
    with DATABASE.session() as s, statements() as seen:
        booked = exams.receive_many(s, HIS, stay.inpatient_no, [_booking(f"E{i}", soon) for i in range(300)])
    assert {r.outcome for r in booked} == {"created"} and len(seen) <= 8, seen
    mixed = (
        [_booking(f"E{i}", soon, place="4楼 超声科") for i in range(100)]
        + [exams.ExamIn(his_ref=f"E{i}", cancelled=True) for i in range(100, 200)]
        + [_booking(f"E{i}", soon) for i in range(200, 300)]
        + [_booking("NEW", soon)]
    )
    with DATABASE.session() as s, statements() as seen:
        done = exams.receive_many(s, HIS, stay.inpatient_no, mixed)
    assert [r.outcome for r in done] == ["changed"] * 100 + ["cancelled"] * 100 + ["unchanged"] * 100 + [
        "created"
    ]
    assert len(seen) <= 12, seen
    with DATABASE.session() as s:
        states = s.execute(select(ExamAppointment.state, func.count()).group_by(ExamAppointment.state)).all()
        assert dict(states) == {"scheduled": 201, "cancelled": 100}
        assert s.scalar(select(func.count()).where(AuditEvent.action.like("exam.%"))) == 501
        names = dict(
            s.execute(
                select(OutboxEvent.name, func.count())
                .where(OutboxEvent.name.like("reports.%"))
                .group_by(OutboxEvent.name)
            ).all()
        )
        assert names == {
            "reports.exam_scheduled": 301,
            "reports.exam_changed": 100,
            "reports.exam_cancelled": 100,
        }


def test_one_bad_exam_refuses_the_batch_and_a_resend_changes_nothing(session):
    stay = admitted_stay(session)
    soon, no = _at(20), stay.inpatient_no
    with DATABASE.session() as s:
        exams.receive_many(s, HIS, no, [_booking("A", soon), _booking("B", soon)])
        with pytest.raises(InvalidInput) as refused:
            exams.receive_many(s, HIS, no, [_booking("C", soon), _booking("A", _at(-48))])
        assert refused.value.code == "exam_time_past"
        exams.receive_many(s, HIS, no, [exams.ExamIn(his_ref="B", done=True)])
        with pytest.raises(Conflict) as closed:
            exams.receive_many(
                s, HIS, no, [_booking("A", _at(40)), exams.ExamIn(his_ref="B", cancelled=True)]
            )
        assert closed.value.code == "exam_done"
    with DATABASE.session() as s, statements() as seen:
        again = exams.receive_many(s, HIS, no, [_booking("A", soon), _booking("B", soon)])
    assert [r.outcome for r in again] == ["unchanged", "unchanged"] and len(seen) <= 3, seen
    with DATABASE.session() as s:
        stored = s.execute(
            select(ExamAppointment.his_ref, ExamAppointment.state, ExamAppointment.scheduled_at)
        )
        assert sorted(stored) == [("A", "scheduled", soon), ("B", "done", soon)]
    assert (_events("reports.exam_scheduled"), _events("reports.exam_changed")) == (2, 0)


def _report(ref: str, resident_id: str, **kw) -> reports.ReportIn:  # type: ignore[no-untyped-def]
    return reports.ReportIn(
        his_ref=ref,
        resident_id=resident_id,
        kind="lab",
        title="血常规",
        department="检验科",
        reported_at=datetime.now(UTC),
        result_text="白细胞 6.1",
        **kw,
    )


def test_a_report_batch_overlaps_refuses_whole_and_takes_a_few_statements(session):
    a = factories.patient(session, name="孙权")
    b = factories.patient(session, name="周瑜", birth=factories.date(1975, 5, 5))
    batch = [_report(f"R{i}", (a, b)[i % 2].resident_id) for i in range(100)]
    with DATABASE.session() as s, statements() as seen:
        first = reports.receive_many(s, HIS, batch[:60])
    assert all(r.created for r in first) and len(seen) <= 8, seen
    bad_pdf = _report("BAD", a.resident_id, pdf_base64=base64.b64encode(b"not a pdf").decode())
    with DATABASE.session() as s, pytest.raises(InvalidInput) as refused:
        reports.receive_many(s, HIS, batch[50:] + [bad_pdf])
    assert refused.value.code == "not_a_pdf"
    with DATABASE.session() as s:
        assert s.scalar(select(func.count()).select_from(Report)) == 60
        second = reports.receive_many(s, HIS, batch[40:])
    assert [r.created for r in second] == [False] * 20 + [True] * 40
    assert [r.id for r in second[:20]] == [r.id for r in first[40:]]
    assert _events("reports.ready") == 100
