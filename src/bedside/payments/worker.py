"""Background payment work: order queries and timeouts, refund sending, and (when the sandbox
plays the channels) its notification delivery and daily bills. Run in process for the demo,
or by `bedside worker`.

The sandbox's part is handed in by the composition root (bedside.wiring) through
set_sandbox_jobs: product code never reaches into the sandbox itself."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from bedside.core.clock import local_today
from bedside.payments import cash, refunds, service

Deliver = Callable[[str, Mapping[str, str], bytes], int]


@dataclass(frozen=True)
class SandboxJobs:
    # Delivers the due notifications of the channels the sandbox serves in process.
    deliver_due: Callable[[sessionmaker[Session], Deliver], int]
    # Writes the missing daily statement files up to a day; returns how many days.
    write_bills: Callable[[sessionmaker[Session], Path, date], int]


_sandbox: SandboxJobs | None = None


def set_sandbox_jobs(jobs: SandboxJobs | None) -> None:
    global _sandbox
    _sandbox = jobs


def deliver_in_process(factory: sessionmaker[Session]) -> Deliver:
    """The channel's HTTP POST to the notify URL, short-circuited to the same handler."""

    def deliver(channel: str, headers: Mapping[str, str], body: bytes) -> int:
        with factory() as session:
            try:
                service.handle_notification(session, channel, headers, body)
            except service.NotificationRejected:
                return 401
        return 204

    return deliver


def write_due_bills(factory: sessionmaker[Session], out_dir: Path) -> int:
    """The sandbox publishes each channel's bill for every finished day, once."""
    if _sandbox is None:
        return 0
    return _sandbox.write_bills(factory, out_dir, local_today())


def run_once(factory: sessionmaker[Session]) -> None:
    if _sandbox is not None:
        _sandbox.deliver_due(factory, deliver_in_process(factory))
    with factory() as session:
        service.poll_open_orders(session)
    with factory() as session:
        refunds.process_refunds(session)
    with factory() as session:
        cash.finish_abandoned(session)
