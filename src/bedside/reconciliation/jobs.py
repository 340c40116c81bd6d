"""The morning run: once the channels have published yesterday's statements (WeChat Pay and
Alipay from about 9-10 a.m.), download or pick them up, import and reconcile. Used by the worker
and by `bedside reconcile`."""

from __future__ import annotations

import logging
import time as clock
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bedside.core.audit import SYSTEM, Actor
from bedside.core.clock import local_now
from bedside.core.errors import DomainError
from bedside.reconciliation import engine, fetch, service
from bedside.reconciliation.states import DayState

log = logging.getLogger(__name__)
READY_AT = time(10, 0)
RETRY_EVERY = 30 * 60.0  # seconds between attempts while a file is still missing
_last_attempt = 0.0


def reconcile_day(
    factory: sessionmaker[Session],
    bill_date: date,
    *,
    folder: Path | None = None,
    channel: str | None = None,
    actor: Actor = SYSTEM,
    progress: service.Progress | None = None,
) -> dict[str, Any]:
    """Imports what is missing (the channel's client first, else the folder) and runs the match.
    A channel whose file cannot be had yet is reported, not fatal."""
    missing: dict[str, str] = {}
    with factory() as session:
        day = service.open_day(session, actor, bill_date)
        if day.state == DayState.CLOSED:
            return {"closed": True}
        have = {i.channel for i in service.imports_of(session, day.id)}
        session.commit()
    picked = {f.channel: f for f in fetch.pick_up(folder, bill_date)} if folder and folder.is_dir() else {}
    for name in service.CHANNELS:
        if channel not in (None, name) or name in have:
            continue
        try:
            got = picked.get(name) or fetch.download(name, bill_date)
            with factory() as session:
                service.import_statement(session, actor, bill_date, name, got.name, got.data, got.sha1)
        except DomainError as exc:
            missing[name] = exc.code
    with factory() as session:
        outcome = engine.run(session, actor, bill_date, channel, progress)
    return {**outcome, "missing": missing}


def run_due(factory: sessionmaker[Session], folder: Path | None = None) -> dict[str, Any] | None:
    """Called by the worker's loop: after READY_AT, yesterday is reconciled until every file is in."""
    global _last_attempt
    now = local_now()
    if now.time() < READY_AT or clock.monotonic() - _last_attempt < RETRY_EVERY and _last_attempt:
        return None
    yesterday = now.date() - timedelta(days=1)
    with factory() as session:
        day = service.find_day(session, yesterday)
        done = day is not None and (
            day.state == DayState.CLOSED
            or {i.channel for i in service.imports_of(session, day.id)} >= set(service.CHANNELS)
        )
    if done:
        return None
    _last_attempt = clock.monotonic()
    if folder is None:
        from bedside.settings import get_settings

        folder = get_settings().sandbox_bills_dir  # where files dropped by hand (or the demo) are
    try:
        return reconcile_day(factory, yesterday, folder=folder)
    except DomainError:
        log.exception("morning reconciliation of %s failed", yesterday)
        return None
