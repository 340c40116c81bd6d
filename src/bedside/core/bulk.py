"""Batches from the hospital's systems (charge lines, exam appointments, reports): checked in
a read transaction, then written in a short write transaction with set-based statements.

On SQLite a write transaction holds the database's only write lock, and every page that
writes waits for it; a batch of thousands of lines checked inside it would stall them all.
So the checks run first without the lock, and the write transaction only re-reads what a
concurrent writer could have changed and inserts. What the checks could not see (a line
another batch inserted in between) the unique constraints refuse, and the batch is run again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bedside.core.db import BEGIN_OPTION, Base

T = TypeVar("T")


class Phases:
    """The two transactions of one batch. When the caller's session is already in a
    transaction (a test, the demo generator) there is only that one: the batch then writes
    inside a savepoint, so that a failure leaves none of it, and commits at the end."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.own = not (session.in_transaction() or session.new or session.dirty or session.deleted)
        if self.own:
            session.connection(execution_options={BEGIN_OPTION: "read"})

    def end_reading(self) -> None:
        if self.own and self.session.in_transaction():
            # Nothing was written. Commit rather than roll back: a rollback would expire the
            # rows just loaded (the stay, its account) and read them all again.
            self.session.commit()

    @contextmanager
    def writing(self) -> Iterator[None]:
        """The write transaction (or savepoint); committed on success, undone on any error."""
        session = self.session
        if not self.own:
            with session.begin_nested():
                yield
            session.commit()  # as a batch sent alone would be; the caller's earlier writes with it
            return
        self.end_reading()
        session.connection(execution_options={BEGIN_OPTION: "write"})
        try:
            yield
            session.commit()
        except BaseException:
            session.rollback()
            raise


def run(session: Session, attempt: Callable[[Phases], T]) -> T:
    """Runs `attempt` in its phases; once more if a concurrent batch stored one of the same
    rows first (the second run finds it and counts it as already received)."""
    for last in (False, True):
        phases = Phases(session)
        try:
            return attempt(phases)
        except IntegrityError:
            if last or not phases.own:
                raise
        finally:
            phases.end_reading()
    raise AssertionError("unreachable")


def reserve_ids(session: Session, model: type[Base], n: int) -> list[int]:
    """`n` new ids for `model`'s table, ascending, so that a batch's rows can reference one
    another (a charge line its ledger entry) before any is inserted. SQLite cannot say which
    id RETURNING gave which row of a multi-row INSERT, so SQLAlchemy would insert them one by
    one. PostgreSQL draws them from the table's sequence; SQLite counts on from the highest id,
    which no one else can take while this transaction holds the write lock."""
    if n <= 0:
        return []
    table = cast(Table, model.__table__)
    if session.get_bind().dialect.name == "postgresql":
        drawn = session.scalars(
            select(func.nextval(func.pg_get_serial_sequence(table.name, "id"))).select_from(
                func.generate_series(1, n)
            )
        )
        return sorted(drawn)
    top = session.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0
    return list(range(top + 1, top + n + 1))


def insert_ids(session: Session, model: type[Base], rows: Sequence[dict[str, Any]]) -> list[int]:
    """Inserts `rows` (given their reserved ids, in order) with one executemany; returns the ids."""
    ids = reserve_ids(session, model, len(rows))
    for row, new_id in zip(rows, ids, strict=True):
        row["id"] = new_id
    insert_rows(session, model, rows)
    return ids


def insert_rows(session: Session, model: type[Base], rows: Sequence[dict[str, Any]]) -> None:
    """Inserts `rows` with one executemany, when nothing needs their ids. Core, not ORM
    objects: no identity map or unit of work for rows nobody reads back in this session."""
    if rows:
        session.execute(insert(cast(Table, model.__table__)), list(rows))
