"""The `bedside` command: demo, seed, serve, db, worker and administration helpers."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from bedside.cli_admin import register as _register_admin
from bedside.fleet.cli import release_app

app = typer.Typer(help="Bedside: one-stop self-service admission and discharge.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema (Alembic).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(release_app, name="kiosk-release")
console = Console(soft_wrap=True)


def _settings():  # type: ignore[no-untyped-def]
    from pydantic import ValidationError

    from bedside.settings import get_settings

    try:
        return get_settings()
    except ValidationError as exc:
        # The operator needs the reason (and how to make a secret), not pydantic's traceback.
        for error in exc.errors():
            where = "".join(f"{p}: " for p in error["loc"])
            console.print(f"[red]configuration refused:[/red] {where}{error['msg']}", highlight=False)
        raise typer.Exit(2) from None


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations up to REVISION (default: head)."""
    from bedside import dbtools

    dbtools.upgrade(_settings().database_url, revision)
    console.print(f"[green]database at {revision}[/green]")


@db_app.command("check")
def db_check() -> None:
    """Fail if the models and the migrated schema differ."""
    from bedside import dbtools

    dbtools.check(_settings().database_url)
    console.print("[green]no drift[/green]")


def _seed(beds: int, seed_value: int) -> None:
    from bedside import wiring  # noqa: F401
    from bedside.core import db
    from bedside.demo.generator import DEMO_PASSWORD, DEMO_PHONE, DEMO_STAFF, seed

    database = db.configure(_settings().database_url)
    with console.status(f"seeding a demo hospital of {beds} beds…"), database.session() as session:
        report = seed(session, beds=beds, seed_value=seed_value)
    if report.created:
        console.print(
            f"[green]demo hospital created[/green]: {report.wards} wards, {report.beds} beds, "
            f"{report.staff} staff, {report.patients} patients"
        )
    else:
        console.print("demo hospital already present: nothing added")
    base = _settings().base_url
    console.print("\n[bold]Open these[/bold]")
    console.print(f"  Phone   {base}/phone/   — mobile {DEMO_PHONE}; the SMS code is shown on the page")
    for code, key in report.kiosk_keys.items():
        console.print(f"  Kiosk   {base}/kiosk/activate?key={key}   ({code}; press Activate once)")
    console.print(f"  Console {base}/console/ — users below, password [bold]{DEMO_PASSWORD}[/bold]")
    console.print("          " + ", ".join(f"{u} ({r[0]})" for u, _, r, _ in DEMO_STAFF))
    console.print(f"  API     {base}/docs    health {base}/healthz    metrics {base}/metrics\n")


@app.command()
def seed(
    beds: Annotated[int, typer.Option(help="number of beds")] = 400,
    seed: Annotated[int, typer.Option("--seed", help="random seed")] = 42,
) -> None:
    """Migrate and load the demo hospital (idempotent)."""
    from bedside import dbtools

    dbtools.upgrade(_settings().database_url)
    _seed(beds, seed)


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Serve the web application."""
    import uvicorn

    settings = _settings()  # refused settings stop here, before any worker starts
    if workers > 1 and settings.rate_limit_storage.startswith("memory"):
        console.print(
            "[yellow]each worker keeps its own rate-limit counters: set "
            "BEDSIDE_RATE_LIMIT_STORAGE=redis://... to share them[/yellow]"
        )
    uvicorn.run(
        "bedside.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        log_config=None,
    )


@app.command()
def demo(
    host: str = "127.0.0.1",
    port: int = 8000,
    beds: int = 400,
    serve_after: Annotated[bool, typer.Option("--serve/--no-serve")] = True,
) -> None:
    """Demo mode: migrate an SQLite file under var/, load the demo hospital, and serve it."""
    os.environ.setdefault("BEDSIDE_DEMO", "1")
    os.environ.setdefault("BEDSIDE_BASE_URL", f"http://{host}:{port}")
    if serve_after:
        # Every boundary's real client, speaking to its bundled peer over HTTP on 127.0.0.1,
        # unless the environment already points that boundary somewhere.
        from bedside.simulators.demo import start_demo_peers

        for line in start_demo_peers(os.environ["BEDSIDE_BASE_URL"], os.environ):
            console.print(line)
    from bedside import dbtools
    from bedside.settings import get_settings

    get_settings.cache_clear()
    dbtools.upgrade(get_settings().database_url)
    _seed(beds, 42)
    _demo_signing_cert()
    if serve_after:
        serve(host=host, port=port)


@app.command("check-connections")
def check_connections() -> None:
    """Ping each configured boundary (SMS, …) with an authenticated call that sends nothing."""
    from bedside.connections import check_all

    marks = {"ok": "[green]ok[/green]", "failed": "[red]failed[/red]", "off": "[yellow]off[/yellow]"}
    results = check_all(_settings())
    for result in results:
        line = f"{result.boundary:<8} {marks[result.status]}  {result.peer}: {result.detail}"
        console.print(line, highlight=False)
    if any(result.status == "failed" for result in results):
        raise typer.Exit(1)


@app.command()
def worker(poll: float = 2.0) -> None:
    """Drain the event outbox until stopped (production; the demo drains in process)."""
    from bedside import wiring  # noqa: F401
    from bedside.core import db
    from bedside.core.events import dispatch_pending
    from bedside.core.logging import configure

    settings = _settings()
    configure(settings.log_level, settings.log_json)
    database = db.configure(settings.database_url, **settings.engine_options)
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    from bedside import timers

    console.print("worker running: outbox, payment queries and timeouts, refunds, bed assignments")
    last_day = None
    while not stopping:
        timers.run_once(database.session_factory)
        last_day = timers.daily(database.session_factory, last_day)
        if not dispatch_pending(database.session_factory):
            time.sleep(poll)


@app.command("sandbox-pay")
def sandbox_pay(notify_base: str = "http://127.0.0.1:8000/api/v1/payments/notify", poll: float = 1.0) -> None:
    """Run the payment sandbox's notifier as its own process: it POSTs signed notifications to
    Bedside's notify URLs (NOTIFY_BASE/wechat, NOTIFY_BASE/alipay) over HTTP, retrying on the
    channel's schedule, as the real channels do."""
    import httpx

    from bedside import wiring  # noqa: F401
    from bedside.core import db
    from bedside.payments.sandbox import server as sandbox

    database = db.configure(_settings().database_url)

    def post(channel: str, headers: Mapping[str, str], body: bytes) -> int:
        url = f"{notify_base.rstrip('/')}/{channel}"
        return httpx.post(url, content=body, headers=dict(headers), timeout=10).status_code

    from bedside.payments.worker import write_due_bills

    out_dir = _settings().sandbox_bills_dir
    console.print(f"sandbox notifier posting to {notify_base}/<channel>; daily bills in {out_dir}")
    while True:
        sandbox.deliver_due(database.session_factory, post)
        for_day = write_due_bills(database.session_factory, out_dir)
        if for_day:
            console.print(f"wrote {for_day} day(s) of statement files")
        time.sleep(poll)


@app.command("sandbox-bills")
def sandbox_bills(
    day: Annotated[str, typer.Option("--date", help="YYYY-MM-DD (default: yesterday)")] = "",
    out: Annotated[Path | None, typer.Option(help="folder (default: BEDSIDE_SANDBOX_BILLS_DIR)")] = None,
) -> None:
    """Write the sandbox channels' statement files of one day (WeChat trade bill, Alipay bill)."""
    from datetime import date, timedelta

    from bedside import wiring  # noqa: F401
    from bedside.core import db
    from bedside.core.clock import local_today
    from bedside.payments.sandbox import statements

    try:
        bill_date = date.fromisoformat(day) if day else local_today() - timedelta(days=1)
    except ValueError:
        console.print("[red]--date must be YYYY-MM-DD[/red]")
        raise typer.Exit(2) from None
    database = db.configure(_settings().database_url)
    with database.session() as session:
        files = statements.write_day(session, bill_date, out or _settings().sandbox_bills_dir)
    for path in files.paths:
        console.print(str(path))


def _demo_signing_cert() -> None:
    from bedside.documents.certificates import DEMO_DIR, write_demo_files

    settings = _settings()
    if settings.signing_cert_file is not None:
        console.print(f"documents are signed with {settings.signing_cert_file}")
        return
    files = write_demo_files(DEMO_DIR, settings.hospital_name)
    console.print(
        f"documents are signed by the demo CA in {files.folder}; check one with: "
        f"pyhanko sign validate --trust-replace --trust {files.ca_cert} FILE.pdf",
        highlight=False,
    )


@app.command("signing-cert")
def signing_cert(
    out: Annotated[Path | None, typer.Option(help="folder (default: var/signing)")] = None,
    name: Annotated[str, typer.Option(help="hospital name (default: BEDSIDE_HOSPITAL_NAME)")] = "",
    renew: Annotated[bool, typer.Option(help="a new certificate under the existing CA")] = False,
) -> None:
    """Make a demo CA and the hospital's document signing certificate under it (kept if present).

    For demo and testing only: going live, the hospital's certificate comes from a CA that the
    people who check the documents trust, and BEDSIDE_SIGNING_* name its files."""
    from bedside.documents.certificates import DEMO_DIR, write_demo_files

    hospital = name.strip() or _settings().hospital_name
    files = write_demo_files(out or DEMO_DIR, hospital, renew=renew)
    console.print(f"[green]demo CA and signing certificate for {hospital} in {files.folder}[/green]")
    console.print("to sign with them outside demo mode (a demo CA: not for going live):")
    console.print(f"  BEDSIDE_SIGNING_KEY_FILE={files.key}", highlight=False)
    console.print(f"  BEDSIDE_SIGNING_CERT_FILE={files.cert}", highlight=False)
    console.print(f"  BEDSIDE_SIGNING_CHAIN_FILE={files.ca_cert}", highlight=False)


@app.command("kiosk-agent")
def kiosk_agent() -> None:
    """Run the kiosk's local device agent on 127.0.0.1 (settings: BEDSIDE_AGENT_*): the device
    drivers (simulators unless configured), the page's HTTP + SSE API, telemetry to the server."""
    from bedside.kiosk_agent.app import run

    run()


@app.command()
def reconcile(
    day: Annotated[str, typer.Option("--date", help="YYYY-MM-DD (default: yesterday)")] = "",
    channel: Annotated[str | None, typer.Option(help="wechat | alipay | cash (default: all)")] = None,
    folder: Annotated[Path | None, typer.Option(help="pick statement files up from here first")] = None,
) -> None:
    """Import the day's statements (channel client, or FOLDER) and reconcile them against the books."""
    from datetime import date, timedelta

    from rich.progress import Progress

    from bedside import wiring  # noqa: F401
    from bedside.core import db
    from bedside.core.clock import local_today
    from bedside.core.errors import DomainError
    from bedside.reconciliation import jobs

    try:
        bill_date = date.fromisoformat(day) if day else local_today() - timedelta(days=1)
    except ValueError:
        console.print("[red]--date must be YYYY-MM-DD[/red]")
        raise typer.Exit(2) from None
    if channel not in (None, "wechat", "alipay", "cash"):
        console.print("[red]--channel must be wechat, alipay or cash[/red]")
        raise typer.Exit(2)
    database = db.configure(_settings().database_url)
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task(f"reconciling {bill_date}", total=None)

        def step(name: str, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, description=f"reconciling {bill_date}: {name}")

        try:
            outcome = jobs.reconcile_day(
                database.session_factory, bill_date, folder=folder, channel=channel, progress=step
            )
        except DomainError as exc:
            console.print(f"[red]{exc.code}[/red]: {exc.localized('en')}")
            raise typer.Exit(1) from exc
    if outcome.get("closed"):
        console.print(f"{bill_date} is closed; nothing changed")
        return
    for name, code in outcome["missing"].items():
        console.print(f"[yellow]{name}: no statement ({code})[/yellow]")
    console.print(f"{bill_date}: {outcome['found']} discrepancies, {outcome['added']} new")


# The installation's administrative commands live beside this file, to keep each file small.
_register_admin(app, _settings, console)


if __name__ == "__main__":
    app()
