"""What the benchmarks share: explicit checks, a fresh PostgreSQL database per run, waiting for a
server to be ready, and the report line every figure is printed with: the median of RUNS runs
with their min–max, beside the same run's baseline and the ratio of the two."""

from __future__ import annotations

import os
import secrets
import statistics
import subprocess
import time
from collections.abc import Sequence

import httpx
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


RUNS = int(os.environ.get("BENCH_RUNS", "3"))
# A busy machine (another test suite on the same cores) can take a minute to import and start
# the app; the server's own exit is reported at once.
READY_TIMEOUT = float(os.environ.get("BENCH_READY_SECONDS", "120"))


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = READY_TIMEOUT) -> None:
    """Until `url` answers 200; a clear error if the server died or never got there."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        code = proc.poll()
        if code is not None:
            raise BenchFailed(f"the server exited with code {code} before {url} was ready")
        try:
            r = httpx.get(url, timeout=5)
            if r.status_code == 200:
                return
            last = f"status {r.status_code}"
        except httpx.HTTPError as exc:
            last = type(exc).__name__
        time.sleep(0.2)
    raise BenchFailed(
        f"{url} was not ready within {timeout:.0f} s (last: {last}); the server is still running"
    )


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def chunks(samples: Sequence[float], n: int = RUNS) -> list[list[float]]:
    """`samples` cut into `n` consecutive runs of (nearly) equal length."""
    size, extra = divmod(len(samples), n)
    out, start = [], 0
    for i in range(n):
        end = start + size + (i < extra)
        out.append(list(samples[start:end]))
        start = end
    return [c for c in out if c]


def spread(values: Sequence[float]) -> tuple[float, float, float]:
    """(median, min, max)."""
    return statistics.median(values), min(values), max(values)


def _fmt(values: Sequence[float], unit: str, digits: int) -> str:
    mid, low, high = spread(values)
    return f"{mid:.{digits}f} {unit} ({low:.{digits}f}–{high:.{digits}f})"


def report(
    label: str,
    figure: Sequence[float],
    baseline: Sequence[float],
    unit: str,
    *,
    baseline_label: str = "baseline",
    target: str = "",
    digits: int = 1,
) -> list[float]:
    """Prints the figure and its same-run baseline, each as the median of the runs (min–max),
    and the ratio figure / baseline run by run; returns those ratios."""
    ratios = [f / b if b else float("inf") for f, b in zip(figure, baseline, strict=True)]
    print(f"  {label}: {_fmt(figure, unit, digits)}", flush=True)
    print(f"  {'':{len(label)}}  {baseline_label}: {_fmt(baseline, unit, digits)}")
    note = f"  target {target}" if target else ""
    print(f"  {'':{len(label)}}  ratio: {_fmt(ratios, 'x', 3)}  median of {len(ratios)} runs{note}")
    return ratios
