"""What the database holds, to tell whether a refused request changed anything."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from functools import cache

from sqlalchemy import Table, TextClause, func, select, text

from bedside.core import db
from tests.conftest import DATABASE

# Written by any request, refused or not: the audit trail records refusals and reads of
# personal data, and a session's last-seen time moves on every request.
BOOKKEEPING = {"audit_events", "auth_sessions"}
SEEN = "last_seen_at"  # a kiosk's, on every request it makes


def _tables() -> list[Table]:
    return [t for t in db.Base.metadata.sorted_tables if t.name not in BOOKKEEPING]


@cache
def _count_all() -> tuple[list[str], TextClause]:
    # Compiled once: the hostile sweep counts after every request it sends.
    tables = _tables()
    query = select(*(select(func.count()).select_from(t).scalar_subquery().label(t.name) for t in tables))
    compiled = query.compile(DATABASE.engine, compile_kwargs={"literal_binds": True})
    return [t.name for t in tables], text(str(compiled))


def row_counts() -> dict[str, int]:
    names, query = _count_all()
    with DATABASE.engine.connect() as conn:
        row = conn.execute(query).one()
    return dict(zip(names, row, strict=True))


def fingerprint() -> dict[str, str]:
    """A digest of every row of every table, by table: any insert, update or delete shows."""
    out = {}
    with DATABASE.engine.connect() as conn:
        for table in _tables():
            columns = [c for c in table.columns if c.name != SEEN]
            rows = conn.execute(select(*columns).order_by(*table.primary_key.columns)).all()
            out[table.name] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return out


def changed(before: Mapping[str, object], after: Mapping[str, object]) -> list[str]:
    return sorted(name for name in before if before[name] != after.get(name))
