"""Startup cost: CPU time and peak RSS of importing Bedside and calling `create_app()` in a
fresh interpreter, against importing the framework alone (FastAPI, Starlette, SQLAlchemy's ORM,
Pydantic, Jinja2, uvicorn) the same way, BENCH_RUNS (3) times each, alternating. Also lists
which of the heavy libraries (PDF, signing, printing, images, QR, Markdown) the app imported:
they should load with the first document that needs them, not at startup."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

from benchkit import RUNS, BenchFailed, report

HEAVY = ("fpdf", "pyhanko", "escpos", "PIL", "segno", "fontTools", "markdown_it", "cryptography", "alipay")

PROBE = """
import json, resource, sys, time
t0 = time.process_time()
if sys.argv[1] == "app":
    from bedside.main import create_app
    create_app()
else:
    import fastapi, jinja2, pydantic, sqlalchemy.orm, starlette.staticfiles, uvicorn  # noqa: F401
cpu = time.process_time() - t0
rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"cpu": cpu, "rss": rss_mb, "heavy": [m for m in HEAVY if m in sys.modules]}))
""".replace("HEAVY", repr(HEAVY))


def probe(kind: str, env: dict[str, str]) -> tuple[float, float, list[str]]:
    """(CPU seconds, peak RSS MB, heavy libraries imported) of one fresh interpreter."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE, kind], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    if out.returncode != 0:
        raise BenchFailed(f"the {kind} probe exited with {out.returncode}: {out.stderr[-500:]}")
    found = json.loads(out.stdout.strip().splitlines()[-1])
    return float(found["cpu"]), float(found["rss"]), list(found["heavy"])


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bedside-bench-"))
    env = {
        **os.environ,
        "BEDSIDE_DATABASE_URL": f"sqlite:///{tmp / 'startup.sqlite3'}",
        "BEDSIDE_SECRET_KEY": secrets.token_urlsafe(48),
        "BEDSIDE_DEMO": "0",
        "BEDSIDE_LOG_LEVEL": "WARNING",
        "BEDSIDE_DISPATCH_IN_PROCESS": "0",
    }
    app = []
    bare = []
    for _ in range(RUNS):
        bare.append(probe("bare", env))
        app.append(probe("app", env))
    framework = "framework imports"
    report(
        "create_app() CPU", [a[0] for a in app], [b[0] for b in bare], "s", baseline_label=framework, digits=2
    )
    report(
        "create_app() RSS",
        [a[1] for a in app],
        [b[1] for b in bare],
        "MB",
        baseline_label=framework,
        digits=0,
    )
    print(f"  heavy libraries imported at startup: {', '.join(app[-1][2]) or 'none'}")


if __name__ == "__main__":
    main()
