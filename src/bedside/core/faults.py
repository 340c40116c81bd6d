"""Crash points for the kill -9 tests: `point("name")` in the middle of a transaction kills the
process outright when BEDSIDE_FAULT_POINTS names it, so a test can prove that a crash there
loses and doubles nothing.

BEDSIDE_FAULT_POINTS is a comma-separated list of `name` (die the first time) or `name@k` (die
the k-th time the point is reached in this process), honoured only with BEDSIDE_TESTING=1. It
is read once at import: without it, as in production, `point` is one test of an empty mapping
and returns."""

from __future__ import annotations

import os
import signal
import sys
import threading

ENV = "BEDSIDE_FAULT_POINTS"


def _parse(spec: str) -> dict[str, int]:
    armed: dict[str, int] = {}
    for item in spec.split(","):
        name, _, nth = item.strip().partition("@")
        if name:
            armed[name] = int(nth) if nth else 1
    return armed


# Armed only in test mode too, so a stray variable on a production host can never kill it.
_armed = _parse(os.environ.get(ENV, "")) if os.environ.get("BEDSIDE_TESTING") == "1" else {}
_reached: dict[str, int] = {}
_lock = threading.Lock()

if _armed:
    # Loud, so that an armed process is never mistaken for a healthy one.
    print(f"bedside: fault points armed: {sorted(_armed)}", file=sys.stderr, flush=True)


def point(name: str) -> None:
    if not _armed:
        return
    nth = _armed.get(name)
    if nth is None:
        return
    with _lock:
        _reached[name] = _reached.get(name, 0) + 1
        if _reached[name] < nth:
            return
        # SIGKILL, not an exception or sys.exit: no finally blocks, no rollback, no flushing,
        # exactly what the OOM killer or a pulled plug would leave behind. The lock is held so
        # no other thread passes the point while the signal is delivered.
        os.kill(os.getpid(), signal.SIGKILL)
