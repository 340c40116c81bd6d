"""Counting the SQL statements a block of code sends through the app's engine.

    with count_queries() as q:
        client.get("/phone/")
    assert q.count <= 12, q.report()

Only statements SQLAlchemy executes are seen (its `before_cursor_execute` event): the BEGIN
and PRAGMA statements bedside.core.db sends straight to the SQLite cursor are not counted.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from bedside.core import db


@dataclass
class QueryLog:
    statements: list[str] = field(default_factory=list)
    parameters: list[Any] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)

    def report(self) -> str:
        return f"{self.count} statements:\n" + "\n".join(
            f"{i:3d}. {' '.join(s.split())[:160]} {p!r:.60}"
            for i, (s, p) in enumerate(zip(self.statements, self.parameters, strict=True), 1)
        )


@contextmanager
def count_queries(engine: Engine | None = None) -> Iterator[QueryLog]:
    """Counts what is executed on `engine` (the app's, by default) inside the block."""
    if engine is None:
        # The app reads through bedside.core.db's global database, which an earlier test (a CLI
        # command configuring its own) may have replaced: listen to the one in use now.
        engine = db.get_database().engine
    log = QueryLog()

    def _record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        log.statements.append(statement)
        log.parameters.append(parameters)

    event.listen(engine, "before_cursor_execute", _record)
    try:
        yield log
    finally:
        event.remove(engine, "before_cursor_execute", _record)
