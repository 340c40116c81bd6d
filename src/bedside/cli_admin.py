"""Administrative commands of an installation: machine clients (the HIS), failed HIS
deliveries, the first administrator, companion-care vendors. Registered on the `bedside` app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer
from rich.console import Console


def register(app: typer.Typer, _settings: Callable[[], Any], console: Console) -> None:
    @app.command("create-integration")
    def create_integration(
        name: str,
        scope: Annotated[
            list[str], typer.Option(help="admission_notices, charges, reports, patients, orders (repeat)")
        ],
    ) -> None:
        """Register a machine client (the HIS) and print its key, once."""
        from bedside import wiring  # noqa: F401
        from bedside.core import db
        from bedside.core.audit import SYSTEM
        from bedside.core.errors import DomainError
        from bedside.integrations import service

        database = db.configure(_settings().database_url)
        with database.session() as session:
            try:
                client, key = service.register(session, SYSTEM, name, scope)
            except DomainError as exc:
                console.print(f"[red]{exc.code}[/red]")
                raise typer.Exit(1) from None
        console.print(f"integration client {client.name} ({', '.join(client.scopes)})")
        console.print(f"key (shown once): {key}")
        console.print("send it as: Authorization: Bearer <key>")

    @app.command("his-deliveries")
    def his_deliveries(
        resend: Annotated[int | None, typer.Option(help="send this failed delivery again")] = None,
    ) -> None:
        """List the HIS write-back deliveries that failed or keep being retried; --resend ID after a fix."""
        from bedside import wiring  # noqa: F401
        from bedside.core import db
        from bedside.integrations import writeback

        database = db.configure(_settings().database_url)
        with database.session() as session:
            if resend is not None:
                if writeback.resend(session, resend) is None:
                    console.print(f"[red]no failed delivery {resend}[/red]")
                    raise typer.Exit(1)
                console.print(f"delivery {resend} queued again")
                return
            rows = writeback.problems(session)
            for row in rows:
                console.print(
                    f"{row.id:>6} {row.state:<8} {row.stream:<14} {row.event:<20} attempts {row.attempts} "
                    f"last {row.last_status or '-'} {row.last_error or ''}",
                    highlight=False,
                )
            if not rows:
                console.print("no failed or retried HIS deliveries")

    @app.command("create-admin")
    def create_admin(
        username: str,
        full_name: Annotated[str, typer.Option("--name")] = "Administrator",
        password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)] = "",
    ) -> None:
        """Create the first administrator of a fresh installation."""
        from bedside import wiring  # noqa: F401
        from bedside.core import db
        from bedside.core.audit import SYSTEM
        from bedside.core.errors import DomainError
        from bedside.staff import service as staff_service

        database = db.configure(_settings().database_url)
        with database.session() as session:
            try:
                staff_service.create_user(
                    session,
                    SYSTEM,
                    username=username,
                    full_name=full_name,
                    password=password,
                    roles=["admin"],
                )
            except DomainError as exc:
                console.print(f"[red]{exc.code}[/red]: {exc.localized('en')}")
                raise typer.Exit(1) from exc
        console.print(f"[green]administrator {username} created[/green]")

    @app.command("create-care-vendor")
    def create_care_vendor(
        name: str,
        merchant_no: Annotated[str, typer.Option("--merchant-no", help="the vendor's own merchant number")],
        staff: Annotated[
            list[str] | None,
            typer.Option(help="a staff username (role care_vendor) who works for it; repeat"),
        ] = None,
    ) -> None:
        """Register a companion-care vendor, link its staff accounts, and print its API key, once."""
        from bedside import wiring  # noqa: F401
        from bedside.companion import vendors
        from bedside.core import db
        from bedside.core.audit import SYSTEM
        from bedside.core.errors import DomainError
        from bedside.staff import service as staff_service

        database = db.configure(_settings().database_url)
        with database.session() as session:
            try:
                users = {u.username: u for u in staff_service.list_users(session)}
                missing = [u for u in staff or [] if u not in users]
                if missing:
                    console.print(f"[red]no staff user {', '.join(missing)}[/red]")
                    raise typer.Exit(1)
                vendor, key = vendors.register(session, SYSTEM, name, merchant_no)
                for username in staff or []:
                    vendors.link_staff(session, SYSTEM, users[username].id, vendor.id)
            except DomainError as exc:
                console.print(f"[red]{exc.code}[/red]: {exc.localized('en')}")
                raise typer.Exit(1) from exc
        console.print(f"care vendor {vendor.name} ({vendor.merchant_no})")
        console.print(f"key (shown once): {key}")
        console.print("send it as: Authorization: Bearer <key>")
