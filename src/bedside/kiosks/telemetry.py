"""Kiosk telemetry: what each kiosk's agent reports every 30 seconds (module states,
consumables, software version, last error, transaction counters)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bedside.core.db import utcnow
from bedside.kiosks.models import Kiosk, KioskStatus, KioskTelemetry

RETENTION = timedelta(days=7)
# A kiosk that has not reported for this long is shown as offline.
STALE_AFTER = timedelta(seconds=90)


class ModuleIn(BaseModel):
    kind: str = Field(max_length=30)
    state: Literal["ok", "warning", "fault", "offline"]
    detail: str | None = Field(default=None, max_length=200)
    consumables: dict[str, int] = Field(default_factory=dict, max_length=20)


class TelemetryIn(BaseModel):
    software_version: str = Field(max_length=40)
    modules: list[ModuleIn] = Field(default_factory=list, max_length=20)
    consumables: dict[str, int] = Field(default_factory=dict, max_length=20)
    last_error: str | None = Field(default=None, max_length=300)
    transactions: dict[str, int] = Field(default_factory=dict, max_length=30)


# Called with (session, kiosk, the previous report's counters or None, report, now) before the
# report commits: fleet operations adds up the day's transactions here without this module
# knowing it (wiring registers the hook).
Hook = Callable[[Session, Kiosk, Mapping[str, int] | None, "TelemetryIn", datetime], None]
HOOKS: list[Hook] = []


def record(session: Session, kiosk: Kiosk, report: TelemetryIn) -> KioskStatus:
    now = utcnow()
    status = session.scalar(select(KioskStatus).where(KioskStatus.kiosk_id == kiosk.id))
    previous = dict(status.transactions) if status is not None else None
    for hook in HOOKS:
        hook(session, kiosk, previous, report, now)
    if status is None:
        status = KioskStatus(kiosk_id=kiosk.id)
        session.add(status)
    status.received_at = now
    status.software_version = report.software_version
    status.modules = [m.model_dump() for m in report.modules]
    status.consumables = dict(report.consumables)
    status.last_error = report.last_error
    status.transactions = dict(report.transactions)
    session.add(KioskTelemetry(kiosk_id=kiosk.id, received_at=now, payload=report.model_dump()))
    kiosk.last_seen_at = now
    session.commit()
    return status


def latest(session: Session) -> dict[int, KioskStatus]:
    return {s.kiosk_id: s for s in session.scalars(select(KioskStatus))}


def overall(status: KioskStatus | None) -> str:
    """ok | warning | fault | offline, the worst of the modules, or offline when silent."""
    if status is None or utcnow() - status.received_at > STALE_AFTER:
        return "offline"
    states = {m.get("state") for m in status.modules}
    for state in ("offline", "fault", "warning"):
        if state in states:
            return "fault" if state == "offline" else state
    return "ok"


def prune(session: Session) -> int:
    result: Any = session.execute(
        delete(KioskTelemetry).where(KioskTelemetry.received_at < utcnow() - RETENTION)
    )
    session.commit()
    return int(result.rowcount or 0)
