"""Requests/s of the phone home page (signed in, one patient with a notice) against a bare
Starlette "hello" endpoint served the same way on the same machine, printed as a ratio.

Both servers run as one uvicorn worker in a subprocess; the load comes from this process with
a fixed number of keep-alive connections for a fixed time (loopback only, bounded)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import httpx

DURATION = float(os.environ.get("BENCH_SECONDS", "8"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(url: str) -> None:
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def load(url: str, cookies: dict[str, str], duration: float = DURATION) -> float:
    """Requests per second over DURATION seconds with CONNECTIONS threads."""
    counts = [0] * CONNECTIONS
    errors = [0] * CONNECTIONS
    stop = time.perf_counter() + duration

    def worker(i: int) -> None:
        with httpx.Client(cookies=cookies, timeout=10) as client:
            while time.perf_counter() < stop:
                r = client.get(url)
                if r.status_code == 200:
                    counts[i] += 1
                else:
                    errors[i] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(CONNECTIONS)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    if sum(errors):
        raise RuntimeError(f"{sum(errors)} non-200 responses from {url}")
    return sum(counts) / elapsed


HELLO_APP = textwrap.dedent("""
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def hello(request):
        return PlainTextResponse("hello")

    app = Starlette(routes=[Route("/", hello)])
""")

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


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bedside-bench-"))
    url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    env = {
        **os.environ,
        "BEDSIDE_DATABASE_URL": url,
        "BEDSIDE_DEMO": "1",
        "BEDSIDE_LOG_LEVEL": "WARNING",
        "BEDSIDE_DISPATCH_IN_PROCESS": "0",
    }
    token = (
        subprocess.run([PY, "-c", SETUP, url], env=env, check=True, capture_output=True, text=True)
        .stdout.strip()
        .splitlines()[-1]
    )
    (tmp / "hello_app.py").write_text(HELLO_APP)
    results = {}
    for name, args, path, cookies in (
        ("starlette hello", ["hello_app:app"], "/", {}),
        ("phone home", ["bedside.main:create_app", "--factory"], "/phone/", {"bs_phone": token}),
    ):
        port = free_port()
        proc = subprocess.Popen(
            [PY, "-m", "uvicorn", *args, "--port", str(port), "--log-level", "warning", "--no-access-log"],
            cwd=tmp,
            env={**env, "PYTHONPATH": str(tmp)},
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_up(base + "/healthz" if "bedside" in args[0] else base + "/")
            load(base + path, cookies, duration=1.0)  # warm-up, discarded
            results[name] = load(base + path, cookies)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    home, hello = results["phone home"], results["starlette hello"]
    print(f"phone home page:  {home:8.1f} req/s  (SQLite, {CONNECTIONS} connections, {DURATION:.0f}s)")
    print(f"baseline (hello): {hello:8.1f} req/s")
    print(f"ratio home/hello: {home / hello:8.3f}")


if __name__ == "__main__":
    main()
