"""What the benchmarks share: explicit checks, and a fresh PostgreSQL database per run."""

from __future__ import annotations

import os
import secrets

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


class BenchFailed(AssertionError):
    """Raised explicitly (not with `assert`), so `python -O` cannot turn the checks off."""


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise BenchFailed(message)


def pg_database() -> tuple[str, str, str] | None:
    """(admin url, fresh database url, its name), or None with a note when none answers."""
    base = os.environ.get("BEDSIDE_BENCH_PG_URL") or PG_DEFAULT
    name = f"bedside_bench_{secrets.token_hex(5)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except DBAPIError as exc:
        reason = str(exc.orig or exc).strip().splitlines()[0]
        print(f"  (PostgreSQL skipped: {make_url(base).render_as_string()} not reachable: {reason})")
        return None
    finally:
        admin.dispose()
    return base, make_url(base).set(database=name).render_as_string(hide_password=False), name


def drop_pg_database(admin_url: str, name: str) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
