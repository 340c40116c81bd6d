"""Kiosk telemetry ingestion at fleet scale: 1,000 registered kiosks, each report signed with its
own device key, sent as fast as the server takes them (the ceiling; every 30 s from 1,000 kiosks
is 33 reports/s), and meanwhile the fleet console's p99 for an ops engineer. Beside it, in the
same run, a bare loop doing the same database work per report (insert the report, replace the
kiosk's latest status, one transaction each) without HTTP, sessions or the app.

One uvicorn worker; load from wrk (BENCH_CONNECTIONS, BENCH_SECONDS per run, BENCH_RUNS runs) on
a fresh SQLite file and, when one answers, a fresh PostgreSQL database. Loopback only."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import httpx
from bench_phone_home import CONNECTIONS, DURATION, PY, env_for, serve
from benchkit import RUNS, BenchFailed, drop_pg_database, pg_database, report, stop

KIOSKS = int(os.environ.get("BENCH_KIOSKS", "1000"))
PER_30S = KIOSKS / 30

SETUP = textwrap.dedent("""
    import json, sys
    from datetime import timedelta
    from bedside import dbtools, wiring
    from bedside.core import db
    from bedside.core.audit import SYSTEM
    from bedside.core.auth import open_session
    from bedside.kiosks import service as kiosks
    from bedside.staff import service as staff
    url, n = sys.argv[1], int(sys.argv[2])
    dbtools.upgrade(url)
    database = db.configure(url)
    keys = []
    with database.session() as s:
        for i in range(n):
            _, key = kiosks.register(s, SYSTEM, code=f"K-{i:04d}", name=f"K-{i:04d}", location="bench",
                                     model="ZK-43", serial=f"S-{i}", modules=["receipt_printer"])
            keys.append(key)
        user = staff.create_user(s, SYSTEM, username="ops.bench", full_name="bench",
                                 password="bench-password-1234", roles=["ops_engineer"])
        token = open_session(s, "staff", user.id, timedelta(days=1))
        s.commit()
    print(json.dumps({"keys": keys, "staff": token}))
""")

# The same work telemetry.record does per report, in a loop of its own on the same database.
BARE = textwrap.dedent("""
    import json, sys, time
    from sqlalchemy import create_engine, insert, select, update
    from bedside import wiring
    from bedside.core.db import utcnow
    from bedside.kiosks.models import KioskStatus, KioskTelemetry
    url, seconds, n = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    engine = create_engine(url)
    payload = json.loads(sys.argv[4])
    done, i = 0, 0
    with engine.connect() as conn:
        ids = [r[0] for r in conn.execute(select(KioskStatus.kiosk_id))]
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        kiosk_id = ids[i % len(ids)]
        i += 1
        with engine.begin() as conn:
            now = utcnow()
            conn.execute(update(KioskStatus).where(KioskStatus.kiosk_id == kiosk_id).values(
                received_at=now, software_version=payload["software_version"], modules=payload["modules"],
                consumables=payload["consumables"], transactions=payload["transactions"]))
            conn.execute(insert(KioskTelemetry).values(kiosk_id=kiosk_id, received_at=now, payload=payload))
        done += 1
    print(done / seconds)
""")

REPORT = {
    "software_version": "bedside-kiosk-agent bench",
    "modules": [
        {"kind": "receipt_printer", "state": "ok", "detail": None, "consumables": {"receipt_paper": 80}}
    ],
    "consumables": {"receipt_paper": 80},
    "last_error": None,
    "transactions": {"receipts_printed": 3, "card_payments": 1, "payment_failures": 0},
}


def _wrk_script(keys: list[str], path: Path) -> None:
    lua_keys = ",".join(f'"{k}"' for k in keys)
    body = json.dumps(REPORT).replace("\\", "\\\\").replace('"', '\\"')
    path.write_text(
        textwrap.dedent(f"""
        local keys = {{{lua_keys}}}
        local body = "{body}"
        local threads = {{}}
        function setup(thread) table.insert(threads, thread) end
        function init(args) i = math.random(#keys) ok = 0 bad = 0 end
        function request()
          i = i % #keys + 1
          return wrk.format("POST", "/api/v1/kiosk/telemetry",
            {{["X-Kiosk-Key"] = keys[i], ["Content-Type"] = "application/json"}}, body)
        end
        function response(status, headers, b)
          if status == 200 then ok = ok + 1 else bad = bad + 1 end
        end
        function done(summary, latency, requests)
          local good, other = 0, 0
          for _, t in ipairs(threads) do good = good + t:get("ok") other = other + t:get("bad") end
          io.write(string.format("OK %d BAD %d\\n", good, other))
        end
        """)
    )


def _console_p99(base: str, token: str, stop_at: float) -> list[float]:
    times = []
    with httpx.Client(base_url=base, cookies={"bs_staff": token}, timeout=30) as client:
        while time.monotonic() < stop_at:
            t0 = time.perf_counter()
            r = client.get("/console/fleet/grid")
            if r.status_code != 200:
                raise BenchFailed(f"the fleet console answered {r.status_code}")
            times.append(time.perf_counter() - t0)
    return times


def _p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[98] * 1000 if len(samples) >= 2 else samples[0] * 1000


def _run(url: str, label: str) -> None:
    out = subprocess.run(
        [PY, "-c", SETUP, url, str(KIOSKS)], env=env_for(url), capture_output=True, text=True, timeout=1800
    )
    if out.returncode != 0:
        raise BenchFailed(f"setup failed: {out.stderr[-800:]}")
    world = json.loads(out.stdout.strip().splitlines()[-1])
    work = Path(tempfile.mkdtemp(prefix="bench-telemetry-"))
    script = work / "telemetry.lua"
    _wrk_script(world["keys"], script)
    proc, base = serve(url, Path.cwd())
    rates, bare, p99_load, p99_idle = [], [], [], []
    try:
        # Every kiosk once, so that each has its latest status row (the bare loop updates those).
        with httpx.Client(base_url=base, timeout=30) as client:
            for key in world["keys"]:
                client.post("/api/v1/kiosk/telemetry", json=REPORT, headers={"X-Kiosk-Key": key})
        for _ in range(RUNS):
            p99_idle.append(_p99(_console_p99(base, world["staff"], time.monotonic() + 2)))
            box: dict[str, list[float]] = {}

            def watch(into: dict[str, list[float]] = box, at: str = base) -> None:
                into["t"] = _console_p99(at, world["staff"], time.monotonic() + DURATION)

            watcher = threading.Thread(target=watch)
            watcher.start()
            res = subprocess.run(
                ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{max(1, round(DURATION))}s", "--timeout", "10s"]
                + ["-s", str(script), base],
                capture_output=True,
                text=True,
                timeout=DURATION + 60,
                check=True,
            ).stdout
            watcher.join()
            line = next(x for x in res.splitlines() if x.startswith("OK "))
            ok, badn = int(line.split()[1]), int(line.split()[3])
            if badn:
                raise BenchFailed(f"{badn} telemetry reports were refused")
            rates.append(ok / DURATION)
            p99_load.append(_p99(box["t"]))
            stop(proc)
            b = subprocess.run(
                [PY, "-c", BARE, url, str(DURATION), str(KIOSKS), json.dumps(REPORT)],
                env=env_for(url),
                capture_output=True,
                text=True,
                timeout=DURATION + 120,
                check=True,
            )
            bare.append(float(b.stdout.strip().splitlines()[-1]))
            proc, base = serve(url, Path.cwd())
    finally:
        stop(proc)
        shutil.rmtree(work, ignore_errors=True)
    print(f" {label}, {KIOSKS} kiosks, {CONNECTIONS} connections:")
    report(
        "telemetry reports/s",
        rates,
        bare,
        "/s",
        baseline_label="bare insert loop",
        target=f"≥ {PER_30S:.0f}/s",
    )
    report("fleet console p99 under that load", p99_load, p99_idle, "ms", baseline_label="idle p99")
    if min(rates) < PER_30S:
        print(f"  NOTE: below the {PER_30S:.0f} reports/s that {KIOSKS} kiosks send every 30 s")


def main() -> None:
    if not shutil.which("wrk"):
        print("  (skipped: wrk is not installed; apt-get install wrk)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        _run(f"sqlite:///{tmp}/telemetry.sqlite3", "SQLite")
    pg = pg_database()
    if pg:
        admin, url, name = pg
        try:
            _run(url, "PostgreSQL")
        finally:
            drop_pg_database(admin, name)


if __name__ == "__main__":
    main()
