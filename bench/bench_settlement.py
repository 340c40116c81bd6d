"""Server time of a discharge settlement (`discharge.settle`) of a stay with 2,000 charge lines,
and of its pre-settlement alone, against loading those 2,000 lines alone, printed as ratios.

Runs on a fresh SQLite file, and on a fresh PostgreSQL database too when one answers
(BEDSIDE_BENCH_PG_URL, else the local test server). Per database (untimed): an admitted stay is
built through the services as tests/integration/discharge/conftest.py::admitted does (notice,
bed, details, employee insurance, both assessments, a WeChat deposit paid at the sandbox and
delivered, admission), BENCH_LINES (2,000) charge lines are posted, and the discharge is ordered,
cleared and approved. Timed, BENCH_R (30) rounds after one discarded warm-up round (BENCH_R_PG
on PostgreSQL, default the same), each call in its own session as a request would have: the
lines alone (the baseline), `pre_settle`, then `settle`. Untimed after each settlement: a
cashier reverses it, and the patient pays back the refund the settlement made (a reversal leaves
refunds already made in place, by design), so every round starts with the same balance. Every
settlement must refund what its pre-settlement said and what the first one did; after every
reversal and top-up the cached deposit balance must equal the journal."""

from __future__ import annotations

import gc
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from benchkit import BenchFailed, chunks, drop_pg_database, expect, pg_database
from benchkit import report as report_runs

N_LINES = int(os.environ.get("BENCH_LINES", "2000"))
R = int(os.environ.get("BENCH_R", "30"))
# The default run takes about 20 s on 2 cores; a slower machine can lower the PostgreSQL rounds,
# whose calls cost more (row locks, round trips), to stay within the 3 minutes a bench may take.
R_PG = int(os.environ.get("BENCH_R_PG", str(R)))
TMP = Path(tempfile.mkdtemp(prefix="bedside-bench-"))
SQLITE_URL = f"sqlite:///{TMP / 'bench.sqlite3'}"

# Settings are read from the environment on first use, so they are set before bedside is
# imported (as tests/conftest.py does) and put back afterwards: bench/run.py runs every
# benchmark in one process.
ENV = {
    "BEDSIDE_DATABASE_URL": SQLITE_URL,
    "BEDSIDE_DEMO": "1",
    "BEDSIDE_DISPATCH_IN_PROCESS": "0",
    # The officer approves by hand, as in the discharge tests; the auto-approve rule would
    # already have opened the settlement at the ward's clearance.
    "BEDSIDE_INSURANCE_AUTO_APPROVE": "0",
    "BEDSIDE_LOG_LEVEL": "WARNING",
}
_SAVED_ENV = {k: os.environ.get(k) for k in ENV}
os.environ.update(ENV)

from settlement_stay import DEPOSIT_FEN, Inpatient, admitted, pay, ready_to_settle, signature  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bedside import dbtools, wiring  # noqa: E402,F401
from bedside.charges import service as charges  # noqa: E402
from bedside.core import db  # noqa: E402
from bedside.deposits import service as deposits_service  # noqa: E402
from bedside.discharge import service as discharge  # noqa: E402
from bedside.payments import registry  # noqa: E402
from bedside.settings import get_settings  # noqa: E402

T = TypeVar("T")


class FullGcWatch:
    """Counts the interpreter's full (generation 2) collections and their pauses: with some
    150,000 tracked objects in the process, one costs about 90 ms here wherever it lands, and
    calls that each keep 2,000 ORM rows alive bring one every few calls; that is what the p95
    of a few dozen calls mostly shows, so it is printed with those pauses taken out too."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0
        self._start = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.count += 1
            self.seconds += time.perf_counter() - self._start


FULL_GC = FullGcWatch()


@dataclass
class Timing:
    samples: list[float]
    gc_pauses: list[float]  # the full-GC pause inside each sample, 0 for most

    @property
    def gc_count(self) -> int:
        return sum(1 for g in self.gc_pauses if g)

    @property
    def p95_no_gc_ms(self) -> float:
        return Timing([t - g for t, g in zip(self.samples, self.gc_pauses, strict=True)], []).p95_ms

    @property
    def p50_ms(self) -> float:
        return 1000 * statistics.median(self.samples)

    @property
    def p95_ms(self) -> float:
        if len(self.samples) < 2:
            return self.p50_ms
        return 1000 * statistics.quantiles(self.samples, n=20)[-1]

    @property
    def mean_ms(self) -> float:
        return 1000 * statistics.fmean(self.samples)


def clocked(fn: Callable[..., T], *args: object) -> tuple[T, tuple[float, float]]:
    """fn's result, and (wall seconds, seconds of full-GC pause within them)."""
    gc0 = FULL_GC.seconds
    t0 = time.perf_counter()
    result = fn(*args)
    return result, (time.perf_counter() - t0, FULL_GC.seconds - gc0)


# -- the runs -------------------------------------------------------------------------------------


def balance(database: db.Database, account_id: int, when: str) -> int:
    with database.session() as s:
        cached, derived = deposits_service.check(s, account_id)
        s.commit()
    expect(cached == derived, f"{when}: cached balance {cached} != journal {derived}")
    return cached


# Each timed call has a session of its own, opened and closed as a request's is.


def load_lines(database: db.Database, ip: Inpatient) -> int:
    with database.session() as s:
        n = len(charges.lines(s, ip.notice_id))
        s.commit()
    return n


def pre_settle(database: db.Database, ip: Inpatient) -> discharge.PreSettlement:
    with database.session() as s:
        p = discharge.pre_settle(s, ip.notice_id)
        s.commit()
    return p


def settle(database: db.Database, ip: Inpatient, png: str, key: str) -> tuple[int, str]:
    with database.session() as s:
        row = discharge.settle(s, ip.me, ip.notice_id, png, key)
        return row.refund_fen, row.state


def bench_database(url: str, rounds: int) -> dict[str, Timing]:
    dbtools.upgrade(url)
    database = db.configure(url)
    registry.reset()  # the adapters read the sandbox keys from the database in use
    try:
        t0 = time.perf_counter()
        ip = admitted(database)
        total = ready_to_settle(database, ip, N_LINES)
        setup = time.perf_counter() - t0
        start_balance = balance(database, ip.account_id, "before settling")
        expect(start_balance == DEPOSIT_FEN - total, f"balance {start_balance}, expected deposit - bill")
        png = signature()
        reference: discharge.PreSettlement | None = None
        times: dict[str, list[tuple[float, float]]] = {"lines": [], "pre_settle": [], "settle": []}
        t0 = time.perf_counter()
        for i in range(rounds + 1):  # round 0 warms up and is not counted
            n, t_lines = clocked(load_lines, database, ip)
            expect(n == N_LINES, f"loaded {n} lines, not {N_LINES}")
            p, t_pre = clocked(pre_settle, database, ip)
            reference = reference or p
            expect(p == reference, f"round {i}: the pre-settlement changed: {p} != {reference}")
            expect(p.refund_fen > 0 and p.supplementary_fen == 0, f"no refund due: {p}")
            (refund, state), t_settle = clocked(settle, database, ip, png, f"bench-settle-{i:04d}")
            expect(state == "settled", f"round {i}: settlement is {state!r}")
            expect(
                refund == p.refund_fen,
                f"round {i}: settlement refunded {refund}, pre-settlement {p.refund_fen}",
            )
            expect(balance(database, ip.account_id, f"round {i} settled") == 0, f"round {i}: balance left")
            if i:
                times["lines"].append(t_lines)
                times["pre_settle"].append(t_pre)
                times["settle"].append(t_settle)
            with database.session() as s:
                discharge.reverse(s, ip.cashier, ip.notice_id, "bench")
            balance(database, ip.account_id, f"round {i} reversed")
            # The refund stays made after a reversal; the patient pays it back in.
            pay(database, ip, refund, "topup", f"bench-topup-{i:04d}")
            after = balance(database, ip.account_id, f"round {i} topped up")
            expect(after == start_balance, f"round {i}: balance {after} after top-up, not {start_balance}")
        loop = time.perf_counter() - t0
        name = make_url(url).get_backend_name()
        if reference is None:
            raise BenchFailed("no round ran")
        print(
            f"  ({name}: setup {setup:.1f}s, {rounds}+1 rounds {loop:.1f}s; bill {total} fen,"
            f" insurance {reference.fund_fen + reference.personal_account_fen} fen,"
            f" refund {reference.refund_fen} fen)",
            flush=True,
        )
        return {k: Timing([t for t, _ in v], [g for _, g in v]) for k, v in times.items()}
    finally:
        registry.reset()
        database.dispose()


ROWS = (
    ("settle", "settle (server time)"),
    ("pre_settle", "pre_settle alone"),
    ("lines", f"baseline: load {N_LINES} lines"),
)


def report(label: str, r: dict[str, Timing]) -> None:
    for key, title in ROWS:
        t = r[key]
        print(
            f"{label:<10} {title:<28} {t.p50_ms:8.1f} {t.p95_ms:8.1f} {t.mean_ms:8.1f}"
            f" {t.p95_no_gc_ms:9.1f} {t.gc_count:4d}/{len(t.samples)}"
        )
    base = r["lines"]
    # The rounds in three consecutive runs, each run's median: the figure as every bench prints it.
    runs = {k: [1000 * statistics.median(c) for c in chunks(t.samples)] for k, t in r.items()}
    report_runs(
        f"{label} settle, p50", runs["settle"], runs["lines"], "ms", baseline_label=f"load {N_LINES} lines"
    )
    print(
        f"{label:<10} {'ratio to baseline':<28} settle p50 {r['settle'].p50_ms / base.p50_ms:.2f}x"
        f" p95 {r['settle'].p95_ms / base.p95_ms:.2f}x"
        f" p95 no-GC {r['settle'].p95_no_gc_ms / base.p95_no_gc_ms:.2f}x"
        f"  pre_settle p50 {r['pre_settle'].p50_ms / base.p50_ms:.2f}x"
    )


def main() -> None:
    get_settings.cache_clear()
    gc.callbacks.append(FULL_GC)
    try:
        results = {"sqlite": bench_database(SQLITE_URL, R)}
        rounds = {"sqlite": R}
        pg = pg_database()
        if pg is not None:
            admin_url, url, name = pg
            try:
                results["postgresql"] = bench_database(url, R_PG)
                rounds["postgresql"] = R_PG
            finally:
                drop_pg_database(admin_url, name)
        title = f"ms per call ({N_LINES} lines)"
        print(
            f"{'database':<10} {title:<28} {'p50':>8} {'p95':>8} {'mean':>8} {'p95 no-GC':>9} {'full GCs':>8}"
        )
        for label, r in results.items():
            report(label, r)
        reduced = " (fewer on PostgreSQL: BENCH_R_PG)" if rounds.get("postgresql", R) < R else ""
        print("rounds: " + ", ".join(f"{k} R={v}" for k, v in rounds.items()) + reduced)
    finally:
        for key, value in _SAVED_ENV.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        gc.callbacks.remove(FULL_GC)
        get_settings.cache_clear()
        shutil.rmtree(TMP, ignore_errors=True)


if __name__ == "__main__":
    main()
