"""Payment notifications/s (signed, encrypted WeChat notifications, each in its own session)
against a bare single-row INSERT + COMMIT loop on the same database, printed as a ratio.

Runs on a fresh SQLite file, and on a fresh PostgreSQL database too when one answers
(BEDSIDE_BENCH_PG_URL, else the local test server). Per database: N orders are started and paid
at the sandbox with no notification queued, then their notifications are built; the timed part
feeds each one to `handle_notification` (every one must credit), then replays them all (every
one must be a duplicate). The deposit balance must come out at exactly N payments."""

from __future__ import annotations

import os
import secrets
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from benchkit import BenchFailed, chunks, drop_pg_database, expect, pg_database
from benchkit import report as report_runs

N = int(os.environ.get("BENCH_N", "300"))
AMOUNT_FEN = 10000
TMP = Path(tempfile.mkdtemp(prefix="bedside-bench-"))
SQLITE_URL = f"sqlite:///{TMP / 'bench.sqlite3'}"

# Settings are read from the environment on first use, so they are set before bedside is
# imported (as tests/conftest.py does) and put back afterwards: bench/run.py runs every
# benchmark in one process.
ENV = {
    "BEDSIDE_DATABASE_URL": SQLITE_URL,
    "BEDSIDE_DEMO": "1",
    "BEDSIDE_DISPATCH_IN_PROCESS": "0",
    "BEDSIDE_LOG_LEVEL": "WARNING",
}
_SAVED_ENV = {k: os.environ.get(k) for k in ENV}
os.environ.update(ENV)

from sqlalchemy import func, select, text  # noqa: E402
from sqlalchemy.engine import Engine, make_url  # noqa: E402

from bedside import dbtools, wiring  # noqa: E402,F401
from bedside.accounts.models import Account, AccountPatient  # noqa: E402
from bedside.admissions import service as admissions_service  # noqa: E402
from bedside.admissions.schemas import NoticeIn  # noqa: E402
from bedside.core import db  # noqa: E402
from bedside.core.audit import SYSTEM, Actor  # noqa: E402
from bedside.core.auth import hash_password  # noqa: E402
from bedside.core.clock import local_today  # noqa: E402
from bedside.core.db import utcnow  # noqa: E402
from bedside.core.resident_id import check_digit  # noqa: E402
from bedside.deposits import service as deposits_service  # noqa: E402
from bedside.hospital.models import Department, Hospital  # noqa: E402
from bedside.patients import service as patients_service  # noqa: E402
from bedside.payments import registry  # noqa: E402
from bedside.payments import service as payments  # noqa: E402
from bedside.payments.models import ChannelNotification  # noqa: E402
from bedside.payments.sandbox import server as sandbox  # noqa: E402
from bedside.payments.sandbox.models import SandboxTrade  # noqa: E402
from bedside.settings import get_settings  # noqa: E402
from bedside.staff import service as staff_service  # noqa: E402

Note = tuple[Mapping[str, str], bytes]


@dataclass
class Timing:
    n: int
    seconds: float
    samples: list[float]

    @property
    def rate(self) -> float:
        return self.n / self.seconds

    @property
    def ms(self) -> float:
        return 1000 * self.seconds / self.n

    @property
    def p95_ms(self) -> float:
        return 1000 * statistics.quantiles(self.samples, n=20)[-1] if len(self.samples) > 1 else self.ms


def timed(items: list[Note] | range, fn: Callable[..., object]) -> Timing:
    samples = []
    start = time.perf_counter()
    for item in items:
        t0 = time.perf_counter()
        fn(item)
        samples.append(time.perf_counter() - t0)
    return Timing(len(samples), time.perf_counter() - start, samples)


# -- setup (untimed) ------------------------------------------------------------------------------


@dataclass
class Stay:
    patient_id: int
    notice_id: int
    actor: Actor


def make_stay(session: db.Session) -> Stay:
    """A hospital and department, a doctor, a patient with a phone account and an issued
    admission notice: what tests/integration/money/conftest.py builds with tests/factories.py."""
    hospital = Hospital(code="B", name="基准医院", level="3A")
    session.add(hospital)
    session.flush()
    department = Department(
        hospital_id=hospital.id,
        code="CARD",
        name="心血管内科",
        name_en="Cardiology",
        suggested_deposit_fen=500000,
    )
    session.add(department)
    session.commit()
    doctor = staff_service.create_user(
        session,
        SYSTEM,
        username="dr.bench",
        full_name="dr.bench",
        password="",
        password_hash=hash_password(secrets.token_hex(16)),
        roles=["doctor"],
        department_id=department.id,
    )
    first17 = "11010519800517001"
    patient = patients_service.register(
        session, SYSTEM, name="王小明", resident_id=first17 + check_digit(first17), phone="13600000001"
    )
    account = Account(phone="13600000001", verified_at=utcnow())
    session.add(account)
    session.flush()
    session.add(
        AccountPatient(account_id=account.id, patient_id=patient.id, relation="self", consent="staff")
    )
    session.commit()
    notice = admissions_service.issue(
        session,
        staff_service.actor_for(doctor),
        NoticeIn(
            patient_id=patient.id,
            department_id=department.id,
            diagnosis="冠心病",
            expected_date=local_today() + timedelta(days=1),
        ),
    )
    return Stay(patient.id, notice.id, Actor(kind="account", id=account.id, label="bench"))


def paid_orders(session: db.Session, stay: Stay, n: int) -> tuple[int, list[str]]:
    """Starts n orders and pays each at the sandbox with no notification queued; returns the
    deposit account and the orders' out_trade_no."""
    run = secrets.token_hex(4)
    trade_nos: list[str] = []
    account_id = 0
    for i in range(n):
        order = payments.start_payment(
            session,
            stay.actor,
            patient_id=stay.patient_id,
            notice_id=stay.notice_id,
            purpose="deposit" if i == 0 else "topup",
            amount_fen=AMOUNT_FEN,
            channel="wechat",
            trade_type="NATIVE",
            place="bench",
            idempotency_key=f"bench-{run}-{i:06d}",
        )
        expect(order.state == "paying", f"order {i} is {order.state!r}, not 'paying'")
        account_id = order.account_id
        sandbox.pay(session, order.out_trade_no, mode="missing")
        session.commit()
        trade_nos.append(order.out_trade_no)
    return account_id, trade_nos


def notifications(session: db.Session, trade_nos: list[str]) -> list[Note]:
    notes: list[Note] = []
    for out_trade_no in trade_nos:
        trade = session.scalar(select(SandboxTrade).where(SandboxTrade.out_trade_no == out_trade_no))
        if trade is None or trade.state != "SUCCESS":
            raise BenchFailed(f"{out_trade_no} is not paid at the sandbox")
        note = sandbox.notification_for(session, trade)
        if note is None:
            raise BenchFailed("the WeChat sandbox built no notification")
        notes.append(note)
    session.commit()  # end the read: on SQLite every transaction takes the write lock
    return notes


# -- the runs -------------------------------------------------------------------------------------


def insert_loop(engine: Engine, n: int) -> Timing:
    """The baseline: one row per transaction, a pooled connection checked out for each, as
    every notification's session does."""
    with engine.begin() as conn:
        conn.execute(
            text("CREATE TABLE bench_baseline (id INTEGER PRIMARY KEY, n INTEGER, note VARCHAR(40))")
        )
    insert = text("INSERT INTO bench_baseline (id, n, note) VALUES (:id, :n, :note)")

    def one(i: int) -> None:
        with engine.begin() as conn:
            conn.execute(insert, {"id": i + 1, "n": i, "note": "baseline"})

    try:
        timing = timed(range(n), one)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT count(*) FROM bench_baseline")).scalar_one()
        expect(rows == n, f"baseline table has {rows} rows, not {n}")
    finally:
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE bench_baseline"))
    return timing


def bench_database(url: str) -> dict[str, Timing]:
    dbtools.upgrade(url)
    database = db.configure(url)
    registry.reset()  # the adapters read the sandbox keys from the database in use
    try:
        t0 = time.perf_counter()
        with database.session() as session:
            stay = make_stay(session)
            account_id, trade_nos = paid_orders(session, stay, N)
            notes = notifications(session, trade_nos)
        setup = time.perf_counter() - t0

        def handle(expected: str) -> Callable[[Note], None]:
            def one(note: Note) -> None:
                with database.session() as session:
                    outcome = payments.handle_notification(session, "wechat", note[0], note[1])
                expect(outcome == expected, f"notification answered {outcome!r}, expected {expected!r}")

            return one

        adapter = registry.get("wechat")
        results = {
            "credited": timed(notes, handle("credited")),
            "duplicate": timed(notes, handle("duplicate")),
            "verify": timed(notes, lambda note: adapter.parse_notification(note[0], note[1])),
        }
        with database.session() as session:
            cached, derived = deposits_service.check(session, account_id)
            outcomes = dict(
                session.execute(
                    select(ChannelNotification.outcome, func.count()).group_by(ChannelNotification.outcome)
                ).all()
            )
            session.commit()
        want = N * AMOUNT_FEN
        expect(
            cached == derived == want,
            f"deposit balance cached={cached} derived={derived}, expected {want} ({N} × {AMOUNT_FEN} fen)",
        )
        expect(outcomes == {"credited": N, "duplicate": N}, f"recorded notification outcomes {outcomes}")
        results["insert"] = insert_loop(database.engine, N)
        print(f"  ({make_url(url).get_backend_name()}: setup {setup:.1f}s, balance {cached} fen)", flush=True)
        return results
    finally:
        registry.reset()
        database.dispose()


ROWS = (
    ("credited", "notification, credited"),
    ("duplicate", "notification, duplicate"),
    ("verify", "  of which verify+decrypt"),
    ("insert", "baseline INSERT+COMMIT"),
)


def report(label: str, r: dict[str, Timing]) -> None:
    for key, title in ROWS:
        t = r[key]
        print(f"{label:<10} {title:<26} {t.rate:9.1f} {t.ms:8.3f} {t.p95_ms:8.3f}")
    base = r["insert"].ms
    # The notifications in three consecutive runs, each run's mean: the figure as every bench prints it.
    runs = {k: [1000 * statistics.fmean(c) for c in chunks(t.samples)] for k, t in r.items()}
    report_runs(
        f"{label} credited",
        runs["credited"],
        runs["insert"],
        "ms/op",
        baseline_label="INSERT+COMMIT",
        digits=3,
    )
    print(
        f"{label:<10} {'ratio to insert':<26} credited {r['credited'].ms / base:.2f}x"
        f"  duplicate {r['duplicate'].ms / base:.2f}x"
    )


def main() -> None:
    get_settings.cache_clear()
    try:
        results = {"sqlite": bench_database(SQLITE_URL)}
        pg = pg_database()
        if pg is not None:
            admin_url, url, name = pg
            try:
                results["postgresql"] = bench_database(url)
            finally:
                drop_pg_database(admin_url, name)
        title = f"per operation (N={N})"
        print(f"{'database':<10} {title:<26} {'ops/s':>9} {'ms/op':>8} {'p95 ms':>8}")
        for label, r in results.items():
            report(label, r)
    finally:
        for key, value in _SAVED_ENV.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        get_settings.cache_clear()
        shutil.rmtree(TMP, ignore_errors=True)


if __name__ == "__main__":
    main()
