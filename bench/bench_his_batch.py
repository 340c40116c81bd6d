"""A batch of BENCH_LINES (2,000) HIS charge lines: the time `charges.post` takes against a bare
executemany of the same rows (the 2,000 lines and their 2,000 ledger entries, in one
transaction), and how the pages answer while such batches are being posted.

Per database (a fresh SQLite file, and a fresh PostgreSQL database when one answers), after the
demo hospital is seeded (untimed):
- BENCH_RUNS (3) runs, each on a new admitted stay: the service call, from lines already parsed,
  in a session of its own as a request's; then the baseline, the same rows written by Core
  executemany alone. Its statements are counted too.
- One uvicorn worker serves the app; BENCH_HIS_CONNECTIONS (4) connections fetch the signed-in
  phone home page and /healthz, each a request every BENCH_HIS_PAGE_INTERVAL (0.1) s, for
  BENCH_SECONDS (5), once idle and once while another client posts 2,000-line batches to the
  HIS feed back to back, BENCH_RUNS times: p99 during vs idle.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

TMP = Path(tempfile.mkdtemp(prefix="bedside-bench-"))
SQLITE_URL = f"sqlite:///{TMP / 'bench.sqlite3'}"
# Settings are read from the environment on first use, so they are set before bedside is
# imported and put back afterwards: bench/run.py runs every benchmark in one process.
ENV = {
    "BEDSIDE_DATABASE_URL": SQLITE_URL,
    "BEDSIDE_DEMO": "1",
    "BEDSIDE_DISPATCH_IN_PROCESS": "0",
    "BEDSIDE_LOG_LEVEL": "WARNING",
}
_SAVED_ENV = {k: os.environ.get(k) for k in ENV}
os.environ.update(ENV)

import httpx  # noqa: E402
from bench_phone_home import seed, serve  # noqa: E402
from benchkit import RUNS, drop_pg_database, expect, pg_database, report, stop  # noqa: E402
from sqlalchemy import event, insert, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bedside import wiring  # noqa: E402,F401
from bedside.admissions.models import AdmissionNotice  # noqa: E402
from bedside.charges import service as charges  # noqa: E402
from bedside.charges.models import Category, ChargeLine  # noqa: E402
from bedside.core import db  # noqa: E402
from bedside.core.audit import SYSTEM, Actor  # noqa: E402
from bedside.core.clock import local_today  # noqa: E402
from bedside.core.db import utcnow  # noqa: E402
from bedside.core.resident_id import check_digit  # noqa: E402
from bedside.deposits import service as deposits_service  # noqa: E402
from bedside.deposits.models import LedgerEntry  # noqa: E402
from bedside.hospital.models import Department  # noqa: E402
from bedside.integrations import service as integrations  # noqa: E402
from bedside.patients import service as patients_service  # noqa: E402
from bedside.settings import get_settings  # noqa: E402

N_LINES = int(os.environ.get("BENCH_LINES", "2000"))
DURATION = float(os.environ.get("BENCH_SECONDS", "5"))
PAGE_CONNECTIONS = int(os.environ.get("BENCH_HIS_CONNECTIONS", "4"))
PAGE_INTERVAL = float(
    os.environ.get("BENCH_HIS_PAGE_INTERVAL", "0.1")
)  # seconds between a connection's requests
HIS = Actor(kind="his", id=1, label="HIS")
CATEGORIES = tuple(Category)
_stays = iter(range(1, 10**6))


def make_stay(database: db.Database) -> tuple[int, int, str]:
    """A new patient admitted five days ago: (notice id, patient id, inpatient number)."""
    n = next(_stays)
    with database.session() as s:
        department_id = s.scalar(select(Department.id).order_by(Department.id).limit(1))
        expect(department_id is not None, "the seed made no department")
        born = date(1960, 1, 1) + timedelta(days=n)
        first17 = f"330106{born:%Y%m%d}001"
        patient = patients_service.register(
            s, SYSTEM, name="王基准", resident_id=first17 + check_digit(first17), commit=False
        )
        notice = AdmissionNotice(
            patient_id=patient.id,
            department_id=department_id,
            diagnosis="基准",
            kind="elective",
            priority="routine",
            expected_date=local_today(),
            state="admitted",
            inpatient_no=f"ZB{n:08d}",
            admitted_at=utcnow() - timedelta(days=5),
        )
        s.add(notice)
        s.commit()
        return notice.id, patient.id, f"ZB{n:08d}"


def line_dicts(prefix: str, n: int) -> list[dict[str, object]]:
    """n lines over six days, every category, ¥0.50 to ¥2.50 a unit, as the HIS sends them."""
    today = local_today()
    out: list[dict[str, object]] = []
    for i in range(n):
        unit = 50 + (i * 37) % 200
        quantity = ("1", "2", "3")[i % 3]
        out.append(
            {
                "his_line_id": f"{prefix}{i:06d}",
                "code": f"X{i % 300:04d}",
                "name": f"项目{i % 300}",
                "category": CATEGORIES[i % len(CATEGORIES)].value,
                "insurance_class": "ABC"[i % 3],
                "unit_price_fen": unit,
                "quantity": quantity,
                "amount_fen": unit * int(quantity),
                "service_date": (today - timedelta(days=i % 6)).isoformat(),
            }
        )
    return out


def bare_rows(notice_id: int, account_id: int, batch: list[charges.ChargeIn]) -> tuple[list, list]:  # type: ignore[type-arg]
    now = utcnow()
    entries = [
        {
            "account_id": account_id,
            "kind": "charge",
            "amount_fen": -c.amount_fen,
            "memo": f"{c.code} {c.name}",
            "actor": "his:1",
            "created_at": now,
        }
        for c in batch
    ]
    lines = [
        {
            "notice_id": notice_id,
            "his_line_id": c.his_line_id,
            "code": c.code,
            "name": c.name,
            "spec": None,
            "category": c.category.value,
            "insurance_class": c.insurance_class,
            "unit_price_fen": c.unit_price_fen,
            "quantity_milli": int(c.quantity) * 1000,
            "amount_fen": c.amount_fen,
            "service_date": c.service_date,
            "department_id": None,
            "reverses_id": None,
            "ledger_entry_id": None,
            "posted_by": "his:1",
            "posted_at": now,
        }
        for c in batch
    ]
    return entries, lines


def service_vs_executemany(database: db.Database) -> tuple[list[float], list[float], int]:
    """(service ms, bare executemany ms, statements of the last service call), RUNS runs."""
    service_ms: list[float] = []
    bare_ms: list[float] = []
    statements = 0
    for run in range(RUNS):
        batch = [charges.ChargeIn(**d) for d in line_dicts(f"S{run}-", N_LINES)]  # type: ignore[arg-type]
        notice_id, patient_id, _ = make_stay(database)
        seen: list[str] = []

        def count(_c, _cur, statement, *_: object, seen: list[str] = seen) -> None:  # type: ignore[no-untyped-def]
            seen.append(statement)

        event.listen(database.engine, "before_cursor_execute", count)
        try:
            with database.session() as s:
                t0 = time.perf_counter()
                result = charges.post(s, HIS, notice_id, batch)
                service_ms.append(1000 * (time.perf_counter() - t0))
        finally:
            event.remove(database.engine, "before_cursor_execute", count)
        expect(result.created == N_LINES, f"{result.created} lines posted, not {N_LINES}")
        statements = len(seen)
        with database.session() as s:
            cached, derived = deposits_service.check(
                s, deposits_service.account_for_notice(s, patient_id, notice_id).id
            )
            s.commit()
        expect(
            cached == derived == -sum(c.amount_fen for c in batch), f"balance {cached} / journal {derived}"
        )

        other_id, other_patient, _ = make_stay(database)
        with database.session() as s:
            account_id = deposits_service.account_for_notice(s, other_patient, other_id).id
            s.commit()
        entries, lines = bare_rows(other_id, account_id, batch)
        with database.engine.begin() as conn:
            t0 = time.perf_counter()
            conn.execute(insert(LedgerEntry.__table__), entries)  # type: ignore[arg-type]
            conn.execute(insert(ChargeLine.__table__), lines)  # type: ignore[arg-type]
        bare_ms.append(1000 * (time.perf_counter() - t0))
    return service_ms, bare_ms, statements


def p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return 1000 * ordered[int(0.99 * (len(ordered) - 1))] if ordered else float("nan")


def window(base: str, token: str, poster: tuple[str, str] | None) -> tuple[float, float, list[float]]:
    """p99 ms of /phone/ and of /healthz over DURATION seconds, and the batches' POST seconds
    when `poster` (inpatient number, HIS key) posts 2,000-line batches meanwhile."""
    latencies: dict[str, list[float]] = {"/phone/": [], "/healthz": []}
    posts: list[float] = []
    failures: list[str] = []

    def fetch(path: str) -> None:
        # Paced, not back to back: a closed loop would keep the one worker busy by itself, and
        # the p99 would measure the load generator rather than what a batch does to a page.
        with httpx.Client(base_url=base, cookies={"bs_phone": token}, timeout=30) as client:
            next_at = time.perf_counter()
            while next_at < stop_at:
                time.sleep(max(0.0, next_at - time.perf_counter()))
                t0 = time.perf_counter()
                r = client.get(path)
                latencies[path].append(time.perf_counter() - t0)
                if r.status_code != 200:
                    failures.append(f"GET {path}: {r.status_code}")
                next_at = max(next_at + PAGE_INTERVAL, time.perf_counter())

    # Built before the window opens, so that the client's own JSON encoding is not timed.
    bodies = (
        [json.dumps({"lines": line_dicts(f"H{time.time_ns()}-{i}-", N_LINES)}) for i in range(40)]
        if poster
        else []
    )

    def post(inpatient_no: str, key: str) -> None:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=120) as client:
            for body in bodies:
                if time.perf_counter() >= stop_at:
                    break
                t0 = time.perf_counter()
                r = client.post(
                    f"/api/v1/his/inpatients/{inpatient_no}/charges",
                    content=body,
                    headers={"Content-Type": "application/json"},
                )
                posts.append(time.perf_counter() - t0)
                if r.status_code != 200 or r.json().get("created") != N_LINES:
                    failures.append(f"POST charges: {r.status_code} {r.text[:200]}")

    stop_at = time.perf_counter() + DURATION
    paths = ["/phone/", "/healthz"] * (PAGE_CONNECTIONS // 2 or 1)
    threads = [threading.Thread(target=fetch, args=(p,)) for p in paths]
    if poster is not None:
        threads.append(threading.Thread(target=post, args=poster))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expect(not failures, "; ".join(failures[:3]))
    return p99(latencies["/phone/"]), p99(latencies["/healthz"]), posts


def pages_during_batches(database: db.Database, url: str, token: str) -> None:
    with database.session() as s:
        key = integrations.register(s, SYSTEM, f"HIS-bench-{time.time_ns()}", ["charges"])[1]
    _, _, inpatient_no = make_stay(database)
    proc, base = serve(url, TMP)
    try:
        window(base, token, (inpatient_no, key))  # warm-up: templates, pools, the first batches
        idle: list[tuple[float, float, list[float]]] = []
        busy: list[tuple[float, float, list[float]]] = []
        for _ in range(RUNS):
            idle.append(window(base, token, None))
            busy.append(window(base, token, (inpatient_no, key)))
    finally:
        stop(proc)
    report(
        "/phone/ p99 while batches post",
        [b[0] for b in busy],
        [i[0] for i in idle],
        "ms",
        baseline_label="idle",
        target="< 100 ms",
    )
    report(
        "/healthz p99 while batches post",
        [b[1] for b in busy],
        [i[1] for i in idle],
        "ms",
        baseline_label="idle",
        target="< 100 ms",
    )
    posts = [p for b in busy for p in b[2]]
    expect(bool(posts), "no batch was posted during the windows")
    print(
        f"  ({len(posts)} batches of {N_LINES} lines posted over HTTP,"
        f" {1000 * statistics.median(posts):.0f} ms each, median)"
    )


def bench_database(url: str) -> None:
    token = seed(url)
    database = db.configure(url)
    try:
        label = make_url(url).get_backend_name()
        service_ms, bare_ms, statements = service_vs_executemany(database)
        print(f"  [{label}]")
        report(
            f"charges.post, {N_LINES} lines",
            service_ms,
            bare_ms,
            "ms",
            baseline_label="bare executemany of the same lines and ledger entries",
            target="≤ 3x",
        )
        print(f"  ({statements} statements for the batch)")
        pages_during_batches(database, url, token)
    finally:
        database.dispose()


def main() -> None:
    get_settings.cache_clear()
    try:
        bench_database(SQLITE_URL)
        pg = pg_database()
        if pg is not None:
            admin, url, name = pg
            try:
                bench_database(url)
            finally:
                drop_pg_database(admin, name)
    finally:
        for k, v in _SAVED_ENV.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        get_settings.cache_clear()
        shutil.rmtree(TMP, ignore_errors=True)


if __name__ == "__main__":
    main()
