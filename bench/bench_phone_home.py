"""Requests/s of the phone home page (signed in, the demo hospital of 400 beds) against the same
server's /healthz in the same run, printed as a ratio; on a fresh SQLite file and on a fresh
PostgreSQL database when one answers.

One uvicorn worker in a subprocess; the load comes from wrk when installed (else from threads
in this process, which on a small machine measure the client as much as the server), with
BENCH_CONNECTIONS (32) keep-alive connections for BENCH_SECONDS (8) per run, /healthz and the
page alternating for BENCH_RUNS (3) runs. Loopback only, every run bounded in time."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import httpx
from benchkit import RUNS, BenchFailed, drop_pg_database, pg_database, report, spread, stop, wait_ready

DURATION = float(os.environ.get("BENCH_SECONDS", "8"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
PY = sys.executable

# Seeds the demo hospital and prints a phone session token; bench_rush.py uses it too.
SETUP = textwrap.dedent("""
    import sys
    from bedside import dbtools, wiring
    from bedside.core import db
    from bedside.core.auth import open_session
    from bedside.demo.generator import seed, DEMO_PHONE
    from bedside.accounts.models import Account
    from datetime import timedelta
    from sqlalchemy import select
    url = sys.argv[1]
    dbtools.upgrade(url)
    database = db.configure(url)
    with database.session() as s:
        seed(s, beds=400, seed_value=1)
        account = s.scalar(select(Account).where(Account.phone == DEMO_PHONE))
        token = open_session(s, "account", account.id, timedelta(days=1))
        s.commit()
    print(token)
""")

# wrk's summary, counted across its threads: answers by status and the 99th percentile.
WRK_SCRIPT = textwrap.dedent("""
    local threads = {}
    function setup(thread) table.insert(threads, thread) end
    function init(args) ok = 0 bad = 0 end
    function response(status, headers, body)
      if status == 200 then ok = ok + 1 else bad = bad + 1 end
    end
    function done(summary, latency, requests)
      local good, other = 0, 0
      for _, t in ipairs(threads) do good = good + t:get("ok") other = other + t:get("bad") end
      io.write(string.format("OK %d BAD %d P99_US %d\\n", good, other, latency:percentile(99)))
    end
""")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def env_for(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "BEDSIDE_DATABASE_URL": url,
        "BEDSIDE_DEMO": "1",
        "BEDSIDE_LOG_LEVEL": "WARNING",
        "BEDSIDE_DISPATCH_IN_PROCESS": "0",
    }


def seed(url: str) -> str:
    """Seeds `url` and returns the demo phone account's session token."""
    out = subprocess.run(
        [PY, "-c", SETUP, url], env=env_for(url), check=True, capture_output=True, text=True, timeout=900
    )
    return out.stdout.strip().splitlines()[-1]


def serve(url: str, cwd: Path) -> tuple[subprocess.Popen[bytes], str]:
    """One uvicorn worker on a free port, ready; returns it and its base URL."""
    port = free_port()
    proc = subprocess.Popen(
        [PY, "-m", "uvicorn", "bedside.main:create_app", "--factory", "--port", str(port)]
        + ["--log-level", "warning", "--no-access-log"],
        cwd=cwd,
        env=env_for(url),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base + "/healthz", proc)
    except BaseException:
        stop(proc)
        raise
    return proc, base


def wrk_load(
    url: str, cookie: str, script: Path, duration: float, cookie_name: str = "bs_phone"
) -> tuple[float, float]:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{max(1, round(duration))}s", "--timeout", "10s"]
        + ["-s", str(script), "-H", f"Cookie: {cookie_name}={cookie}", url],
        capture_output=True,
        text=True,
        timeout=duration + 60,
        check=True,
    ).stdout
    found = re.search(r"OK (\d+) BAD (\d+) P99_US (\d+)", out)
    if found is None:
        raise BenchFailed(f"wrk printed no summary: {out[-300:]}")
    ok, bad, p99_us = (int(g) for g in found.groups())
    if bad:
        raise BenchFailed(f"{bad} answers other than 200 from {url}")
    seconds = float(re.search(r"requests in ([\d.]+)s", out).group(1))  # type: ignore[union-attr]
    return ok / seconds, p99_us / 1000


def thread_load(url: str, cookie: str, duration: float, cookie_name: str = "bs_phone") -> tuple[float, float]:
    latencies: list[list[float]] = [[] for _ in range(CONNECTIONS)]
    errors = [0] * CONNECTIONS
    stop_at = time.perf_counter() + duration

    def worker(i: int) -> None:
        with httpx.Client(cookies={cookie_name: cookie}, timeout=10) as client:
            while time.perf_counter() < stop_at:
                t0 = time.perf_counter()
                r = client.get(url)
                latencies[i].append(time.perf_counter() - t0)
                errors[i] += r.status_code != 200

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(CONNECTIONS)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if sum(errors):
        raise BenchFailed(f"{sum(errors)} answers other than 200 from {url}")
    every = sorted(x for per in latencies for x in per)
    return len(every) / (time.perf_counter() - start), 1000 * every[int(0.99 * (len(every) - 1))]


def load(
    url: str, cookie: str, script: Path, duration: float = DURATION, *, cookie_name: str = "bs_phone"
) -> tuple[float, float]:
    """(answers/s, p99 ms) over `duration` seconds with CONNECTIONS connections, signed in by
    the session cookie `cookie_name` (the phone's unless told)."""
    if shutil.which("wrk"):
        return wrk_load(url, cookie, script, duration, cookie_name)
    return thread_load(url, cookie, duration, cookie_name)


def run_backend(label: str, url: str, tmp: Path, script: Path) -> None:
    token = seed(url)
    proc, base = serve(url, tmp)
    try:
        home_url, health_url = base + "/phone/", base + "/healthz"
        load(home_url, token, script, 1.0)  # warm-up (templates, pools), discarded
        home: list[float] = []
        health: list[float] = []
        p99: list[float] = []
        for _ in range(RUNS):
            health.append(load(health_url, token, script)[0])
            rps, p99_ms = load(home_url, token, script)
            home.append(rps)
            p99.append(p99_ms)
        report(
            f"{label} phone home",
            home,
            health,
            "req/s",
            baseline_label="/healthz, same server",
            target="≥ 0.45",
        )
        mid, low, high = spread(p99)
        print(f"  {'':{len(label) + 11}}  page p99: {mid:.0f} ms ({low:.0f}–{high:.0f}), target < 200 ms")
    finally:
        stop(proc)


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bedside-bench-"))
    script = tmp / "summary.lua"
    script.write_text(WRK_SCRIPT)
    loader = "wrk" if shutil.which("wrk") else "Python threads (wrk not installed)"
    print(f"  ({CONNECTIONS} connections, {DURATION:.0f} s a run, {RUNS} runs, load from {loader})")
    try:
        run_backend("SQLite", f"sqlite:///{tmp / 'bench.sqlite3'}", tmp, script)
        pg = pg_database()
        if pg is not None:
            admin, url, name = pg
            try:
                run_backend("PostgreSQL", url, tmp, script)
            finally:
                drop_pg_database(admin, name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
