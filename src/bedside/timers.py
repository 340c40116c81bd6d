"""Periodic work of every domain: payment queries, timeouts and refunds, abandoned cash
sessions, expired bed assignments, the sandbox's daily bills. Run by a thread in the web
process (demo, tests) or by `bedside worker` (production)."""

from __future__ import annotations

import logging
import threading
from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from bedside.core.clock import local_today

log = logging.getLogger(__name__)


def run_once(factory: sessionmaker[Session]) -> None:
    from bedside.admissions import beds
    from bedside.payments import worker as payments

    payments.run_once(factory)
    with factory() as session:
        beds.expire_assignments(session)
    from bedside.admissions import green

    with factory() as session:
        green.remind_due(session)
    from bedside.surveys import followup

    followup.run_periodically(factory)
    from bedside.notifications import service as notifications

    with factory() as session:
        notifications.send_due(session)
    from bedside.records import service as records

    with factory() as session:
        records.expire_unpaid(session)
    from bedside.integrations import writeback

    writeback.send_due(factory)
    from bedside.reconciliation import jobs as reconciliation

    reconciliation.run_due(factory)
    from bedside.fleet import alerts as fleet_alerts

    if fleet_alerts.due():
        from bedside.fleet import rollout

        with factory() as session:
            fleet_alerts.evaluate(session)
        with factory() as session:
            rollout.evaluate(session)


def daily(factory: sessionmaker[Session], last: date | None) -> date:
    """Once per local day: the sandbox publishes the bills of the days that ended; old kiosk
    telemetry is pruned."""
    from bedside.kiosks import face, telemetry
    from bedside.payments.worker import write_due_bills
    from bedside.settings import get_settings

    today = local_today()
    if last != today:
        write_due_bills(factory, get_settings().sandbox_bills_dir)
        with factory() as session:
            telemetry.prune(session)
        with factory() as session:
            face.prune_unused(session)
    return today


class TimersLoop:
    def __init__(self, factory: sessionmaker[Session], every: float = 1.0) -> None:
        self.factory = factory
        self.every = every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="timers", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        last: date | None = None
        while not self._stop.wait(self.every):
            try:
                run_once(self.factory)
                last = daily(self.factory, last)
            except Exception:  # noqa: BLE001 - keep the loop alive; work stays pending
                log.exception("timers loop failed")
