"""Background payment work: sandbox notification delivery, order queries and timeouts,
refund sending. Run in process for the demo, or by `bedside worker`."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from bedside.core.clock import local_today
from bedside.payments import cash, refunds, service
from bedside.payments.sandbox import server as sandbox


def deliver_in_process(factory: sessionmaker[Session]) -> sandbox.Deliver:
    """The sandbox's HTTP POST to the notify URL, short-circuited to the same handler."""

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
    from bedside.payments.sandbox import statements

    with factory() as session:
        written = statements.write_missing(session, local_today(), out_dir)
        session.rollback()
    return len(written)


def run_once(factory: sessionmaker[Session]) -> None:
    sandbox.deliver_due(factory, deliver_in_process(factory))
    with factory() as session:
        service.poll_open_orders(session)
    with factory() as session:
        refunds.process_refunds(session)
    with factory() as session:
        cash.finish_abandoned(session)
