"""Engine, declarative Base, the timezone-aware timestamp type and the session dependency."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator
from starlette.requests import Request

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC and always hands back aware datetimes (SQLite would drop the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused; use an aware datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


SQLITE_BUSY_TIMEOUT_MS = 5000
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
# Engine execution option naming how the next SQLite transaction begins: "write" takes the
# single write lock up front (BEGIN IMMEDIATE), "read" begins deferred and never takes it.
BEGIN_OPTION = "bedside_begin"


class ReadUpgradeConflict(Exception):
    """A read transaction's write was refused because another writer was busy (SQLite does not
    wait to upgrade). Nothing was written; the request is run again as a write transaction."""


def make_engine(
    url: str,
    *,
    sqlite_immediate: bool = True,
    busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS,
    pool_size: int = 40,
    statement_timeout_ms: int = 15000,
    **kwargs: Any,
) -> Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url, sqlite_immediate, busy_timeout_ms, pool_size, **kwargs)
    kwargs.setdefault("pool_pre_ping", True)
    if "poolclass" not in kwargs:
        # One connection per worker thread, so a request never queues on the pool.
        kwargs.setdefault("pool_size", pool_size)
        kwargs.setdefault("max_overflow", 4)  # the outbox and timer loops run beside the threads
        kwargs.setdefault("pool_timeout", 5)
    if url.startswith("postgresql"):
        # A stuck statement or a transaction left open cannot hold rows or a connection for long.
        options = (
            f"-c statement_timeout={statement_timeout_ms} -c lock_timeout={statement_timeout_ms}"
            f" -c idle_in_transaction_session_timeout={max(statement_timeout_ms * 2, 30000)}"
        )
        kwargs.setdefault("connect_args", {"options": options})
    return create_engine(url, **kwargs)


def _sqlite_engine(url: str, immediate: bool, busy_timeout_ms: int, pool_size: int, **kwargs: Any) -> Engine:
    kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": busy_timeout_ms / 1000})
    if ":memory:" not in url and "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", pool_size)
        kwargs.setdefault("max_overflow", 4)  # the outbox and timer loops run beside the threads
        kwargs.setdefault("pool_timeout", 5)
    engine = create_engine(url, **kwargs)
    default_mode = "write" if immediate else "read"

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin, so that
        # SAVEPOINT and rollback behave as on PostgreSQL.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn: Any) -> None:
        # BEGIN is sent with the first statement, once we know what it is. A write transaction
        # takes the write lock up front: a deferred one that reads and then writes fails at
        # once if another writer committed in between (SQLite does not wait to upgrade). A read
        # transaction begins deferred and so never waits for, or blocks, a writer under WAL.
        conn.info["bs_pending"] = conn.get_execution_options().get(BEGIN_OPTION, default_mode)

    @event.listens_for(engine, "before_cursor_execute")
    def _sqlite_lazy_begin(
        conn: Any, cursor: Any, statement: str, _params: Any, _context: Any, _many: bool
    ) -> None:
        is_write = statement.lstrip()[:7].upper().startswith(_WRITES)
        pending = conn.info.pop("bs_pending", None)
        if pending is not None:
            kind = "write" if pending == "write" or is_write else "read"
            cursor.execute("BEGIN IMMEDIATE" if kind == "write" else "BEGIN")
            conn.info["bs_txn"] = kind
        elif is_write and conn.info.get("bs_txn") == "read":
            # SQLite refuses at once, without waiting, when another connection holds or has
            # just used the write lock; see ReadUpgradeConflict.
            conn.info["bs_txn"] = "upgrading"

    @event.listens_for(engine, "after_cursor_execute")
    def _sqlite_upgraded(conn: Any, *_: Any) -> None:
        if conn.info.get("bs_txn") == "upgrading":
            conn.info["bs_txn"] = "write"

    @event.listens_for(engine, "handle_error")
    def _sqlite_upgrade_failed(ctx: Any) -> Exception | None:
        conn, error = ctx.connection, str(ctx.original_exception)
        if conn is not None and conn.info.get("bs_txn") == "upgrading" and "locked" in error:
            return ReadUpgradeConflict(error)
        return None

    def _ended(conn: Any) -> None:
        conn.info.pop("bs_pending", None)
        conn.info.pop("bs_txn", None)

    event.listen(engine, "commit", _ended)
    event.listen(engine, "rollback", _ended)
    return engine


class Database:
    """One engine and session factory per process (tests make their own)."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine_kwargs = engine_kwargs
        self.engine = make_engine(url, **engine_kwargs)
        self.session_factory = sessionmaker(self.engine, expire_on_commit=False)
        self._read_engine = self.engine.execution_options(**{BEGIN_OPTION: "read"})
        self._write_engine = self.engine.execution_options(**{BEGIN_OPTION: "write"})

    def session(self, *, read_only: bool | None = None) -> Session:
        """read_only=True: SQLite transactions begin deferred (a write that follows a read then
        fails fast rather than waiting); False: they take the write lock; None: the engine's
        default. PostgreSQL ignores the difference."""
        if read_only is None:
            return self.session_factory()
        return self.session_factory(bind=self._read_engine if read_only else self._write_engine)

    def dispose(self) -> None:
        self.engine.dispose()


_database: Database | None = None


def configure(url: str, **engine_kwargs: Any) -> Database:
    global _database
    if _database is not None and _database.url == url and _database.engine_kwargs == engine_kwargs:
        return _database
    if _database is not None:
        _database.dispose()
    _database = Database(url, **engine_kwargs)
    return _database


def get_database() -> Database:
    if _database is None:
        from bedside.settings import get_settings

        settings = get_settings()
        return configure(settings.database_url, **settings.engine_options)
    return _database


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Set on a request's scope state when it is run again after a ReadUpgradeConflict.
WRITE_RETRY = "bedside_write_retry"


def get_session(request: Request) -> Iterator[Session]:
    """FastAPI dependency: one session per request; services own commits. Pages that only look
    (GET) read without the SQLite write lock, so a rush of readers never queues behind it."""
    retry = request.scope.get("state", {}).get(WRITE_RETRY, False)
    session = get_database().session(read_only=request.method in SAFE_METHODS and not retry)
    try:
        yield session
    finally:
        session.close()
