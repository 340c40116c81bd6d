"""Daily upkeep: the cleaning and disinfection checklist every day, the inspection every week,
ticked on the engineer's phone after scanning the kiosk's label; what is due or missed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bedside.core import audit
from bedside.core.audit import Actor
from bedside.core.db import utcnow
from bedside.core.errors import InvalidInput
from bedside.core.i18n import N_
from bedside.fleet.models import UpkeepRecord
from bedside.kiosks import service as kiosks_service

CHECKLISTS: dict[str, tuple[str, ...]] = {
    "daily": ("screen_cleaned", "surfaces_disinfected", "paper_checked", "cash_box_checked"),
    "weekly": ("cables", "printer_head", "touch_calibration", "reader_test"),
}


def record(
    session: Session, actor: Actor, kiosk_id: int, kind: str, items: Iterable[str], note: str = ""
) -> UpkeepRecord:
    kiosks_service.get(session, kiosk_id)
    if kind not in CHECKLISTS:
        raise InvalidInput(N_("Choose a checklist."), code="invalid_checklist", field="kind")
    ticked = [i for i in CHECKLISTS[kind] if i in set(items)]
    # A half-done checklist is not upkeep done: the missed-upkeep alert must stay true to it.
    if len(ticked) != len(CHECKLISTS[kind]):
        raise InvalidInput(
            N_("Tick every item of the checklist."), code="checklist_incomplete", field="items"
        )
    row = UpkeepRecord(
        kiosk_id=kiosk_id,
        kind=kind,
        items=ticked,
        note=note.strip()[:200],
        done_by=actor.id,
        done_by_label=actor.label[:100],
        done_at=utcnow(),
    )
    session.add(row)
    session.flush()
    audit.record(session, actor, f"fleet.upkeep_{kind}", "kiosk", kiosk_id, upkeep_id=row.id)
    session.commit()
    return row


def last_done(session: Session) -> dict[int, dict[str, datetime]]:
    """kiosk id → checklist → when it was last done."""
    out: dict[int, dict[str, datetime]] = {}
    rows = session.execute(
        select(UpkeepRecord.kiosk_id, UpkeepRecord.kind, func.max(UpkeepRecord.done_at)).group_by(
            UpkeepRecord.kiosk_id, UpkeepRecord.kind
        )
    )
    for kiosk_id, kind, at in rows:
        out.setdefault(kiosk_id, {})[kind] = at
    return out


def history(session: Session, kiosk_id: int, limit: int = 20) -> list[UpkeepRecord]:
    return list(
        session.scalars(
            select(UpkeepRecord)
            .where(UpkeepRecord.kiosk_id == kiosk_id)
            .order_by(UpkeepRecord.done_at.desc())
            .limit(limit)
        )
    )
