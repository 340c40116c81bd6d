"""Finding a stay's discharge and moving it through its transition table, audited: what the
discharge's lifecycle (service), its settlement and its staffed window share."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bedside.admissions import service as notices
from bedside.core import audit
from bedside.core.audit import Actor
from bedside.core.errors import Conflict, NotFound
from bedside.core.i18n import N_
from bedside.core.states import InvalidTransition
from bedside.discharge.models import Discharge, DischargeTransition
from bedside.discharge.states import DISCHARGE_MACHINE, DischargeState


def get(session: Session, notice_id: int, *, lock: bool = False) -> Discharge:
    stmt = select(Discharge).where(Discharge.notice_id == notice_id)
    row = session.scalar(stmt.with_for_update() if lock else stmt)
    if row is None:
        raise NotFound(N_("No discharge has been ordered for this stay."), code="discharge_not_found")
    return row


def find(session: Session, notice_id: int) -> Discharge | None:
    return session.scalar(select(Discharge).where(Discharge.notice_id == notice_id))


def who(actor: Actor) -> str:
    return f"{actor.kind}:{actor.id or actor.label}"[:100]


def move(session: Session, actor: Actor, d: Discharge, action: str, reason: str | None = None) -> None:
    old = DischargeState(d.state)
    try:
        new = DISCHARGE_MACHINE.next_state(old, action)
    except InvalidTransition as exc:
        raise Conflict(
            N_("This discharge cannot do that now."),
            code="discharge_invalid_transition",
            params={"state": old.value},
        ) from exc
    d.state = new
    session.add(
        DischargeTransition(
            discharge_id=d.id,
            from_state=old,
            action=action,
            to_state=new,
            actor=who(actor),
            reason=(reason or "")[:300] or None,
        )
    )
    notice = notices.get(session, d.notice_id)
    audit.record(
        session,
        actor,
        f"discharge.{action}",
        "discharge",
        d.id,
        patient_id=notice.patient_id,
        old=old.value,
        new=new.value,
    )
