"""A rush on the phone home page: wrk with 64 and 256 keep-alive connections for 20 s against
one uvicorn worker, on the SQLite default and on PostgreSQL, beside the same server's
/healthz under the same load. Every answer must be 200 or a 503 with Retry-After (shedding);
afterwards the page must answer again within 2 s.

Needs wrk (Debian: apt-get install wrk). Loopback only; every run is bounded in time."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import httpx
from bench_phone_home import SETUP, free_port
from benchkit import drop_pg_database, expect, pg_database

DURATION = int(os.environ.get("BENCH_RUSH_SECONDS", "20"))
CONNECTION_COUNTS = [int(c) for c in os.environ.get("BENCH_RUSH_CONNECTIONS", "64,256").split(",")]
RECOVERY_LIMIT = 2.0
PY = sys.executable

# Counts answers by status across wrk's threads and prints them as one line.
STATUS_SCRIPT = textwrap.dedent("""
    local threads = {}
    function setup(thread) table.insert(threads, thread) end
    function init(args) counts = {} end
    function response(status, headers, body)
      counts[status] = (counts[status] or 0) + 1
      if status == 503 and headers["Retry-After"] == nil and headers["retry-after"] == nil then
        counts[-1] = (counts[-1] or 0) + 1
      end
    end
    function done(summary, latency, requests)
      local total = {}
      for _, t in ipairs(threads) do
        for status, n in pairs(t:get("counts")) do total[status] = (total[status] or 0) + n end
      end
      local parts = {}
      for status, n in pairs(total) do table.insert(parts, status .. "=" .. n) end
      io.write("STATUSES " .. table.concat(parts, " ") .. "\\n")
      io.write(string.format("P99_US %d\\n", latency:percentile(99)))
      io.write(string.format("ERRORS connect=%d read=%d write=%d timeout=%d\\n",
        summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
    end
""")


def wrk(url: str, connections: int, cookie: str, script: Path) -> dict[str, object]:
    threads = min(connections, 2)
    out = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{DURATION}s",
            "--timeout",
            "30s",
            "-s",
            str(script),
            "-H",
            f"Cookie: bs_phone={cookie}",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=DURATION + 60,
        check=True,
    ).stdout
    statuses = {
        int(k): int(v) for k, v in re.findall(r"(-?\d+)=(\d+)", out.split("STATUSES", 1)[1].split("\n")[0])
    }
    errors = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", out.split("ERRORS", 1)[1].split("\n")[0])}
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = int(re.search(r"P99_US (\d+)", out).group(1)) / 1000  # type: ignore[union-attr]
    ok = statuses.get(200, 0)
    return {"rps": rps, "ok_rps": ok / DURATION, "p99_ms": p99, "statuses": statuses, "errors": errors}


def recovery(url: str, cookie: str) -> float:
    """Seconds from the end of the load until the page answers 200 again."""
    start = time.perf_counter()
    deadline = start + 30
    with httpx.Client(cookies={"bs_phone": cookie}, timeout=5) as client:
        while time.perf_counter() < deadline:
            try:
                if client.get(url).status_code == 200:
                    return time.perf_counter() - start
            except httpx.HTTPError:
                pass
            time.sleep(0.02)
    return float("inf")


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode} before it was ready")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} was not ready within {timeout:.0f} s")


def run_backend(label: str, url: str, tmp: Path, script: Path) -> list[str]:
    env = {
        **os.environ,
        "BEDSIDE_DATABASE_URL": url,
        "BEDSIDE_DEMO": "1",
        "BEDSIDE_LOG_LEVEL": "WARNING",
        "BEDSIDE_DISPATCH_IN_PROCESS": "0",
    }
    token = (
        subprocess.run(
            [PY, "-c", SETUP, url], env=env, check=True, capture_output=True, text=True, timeout=600
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    port = free_port()
    proc = subprocess.Popen(
        [
            PY,
            "-m",
            "uvicorn",
            "bedside.main:create_app",
            "--factory",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=tmp,
        env=env,
    )
    failures: list[str] = []
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(base + "/healthz", proc)
        httpx.get(base + "/phone/", cookies={"bs_phone": token}, timeout=10)  # warm the templates
        for connections in CONNECTION_COUNTS:
            health = wrk(base + "/healthz", connections, token, script)
            home = wrk(base + "/phone/", connections, token, script)
            back = recovery(base + "/phone/", token)
            statuses = home["statuses"]
            assert isinstance(statuses, dict)
            bad = {s: n for s, n in statuses.items() if s not in (200, 503)}
            shed = statuses.get(503, 0)
            print(
                f"  {label:10s} {connections:3d} conn  phone home {home['ok_rps']:7.1f} ok/s "
                f"(p99 {home['p99_ms']:6.0f} ms, shed {shed}, other {sum(bad.values())}, "
                f"socket errors {home['errors']})"
            )
            print(
                f"  {'':19s}  /healthz   {health['ok_rps']:7.1f} ok/s (p99 {health['p99_ms']:6.0f} ms)"
                f"  ratio {float(home['ok_rps']) / max(float(health['ok_rps']), 1e-9):.3f}"
                f"  recovery {back:.2f} s"
            )
            if bad:
                failures.append(f"{label} {connections}: answers other than 200/503: {bad}")
            if back >= RECOVERY_LIMIT:
                failures.append(f"{label} {connections}: recovery took {back:.2f} s")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
    return failures


def main() -> None:
    if shutil.which("wrk") is None:
        print("  (skipped: wrk is not installed; apt-get install wrk)")
        return
    tmp = Path(tempfile.mkdtemp(prefix="bedside-rush-"))
    script = tmp / "statuses.lua"
    script.write_text(STATUS_SCRIPT)
    failures = run_backend("SQLite", f"sqlite:///{tmp / 'rush.sqlite3'}", tmp, script)
    pg = pg_database()
    if pg is not None:
        admin, url, name = pg
        try:
            failures += run_backend("PostgreSQL", url, tmp, script)
        finally:
            drop_pg_database(admin, name)
    expect(not failures, "; ".join(failures))


if __name__ == "__main__":
    main()
