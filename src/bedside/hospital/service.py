"""Reads of the hospital structure and the one way a bed's state changes."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bedside.core import audit, events
from bedside.core.audit import Actor
from bedside.core.db import utcnow
from bedside.core.errors import Conflict, NotFound
from bedside.core.i18n import N_
from bedside.core.states import InvalidTransition
from bedside.hospital.events import BedStateChanged
from bedside.hospital.models import Bed, Department, Hospital, Ward
from bedside.hospital.states import BED_MACHINE, BedState


def get_hospital(session: Session) -> Hospital | None:
    return session.scalar(select(Hospital).order_by(Hospital.id).limit(1))


def list_departments(session: Session) -> list[Department]:
    return list(session.scalars(select(Department).order_by(Department.code)))


def list_wards(session: Session) -> list[Ward]:
    return list(session.scalars(select(Ward).order_by(Ward.code)))


def get_department(session: Session, department_id: int) -> Department:
    dept = session.get(Department, department_id)
    if dept is None:
        raise NotFound(N_("Department not found."), code="department_not_found")
    return dept


def get_ward(session: Session, ward_id: int) -> Ward:
    ward = session.get(Ward, ward_id)
    if ward is None:
        raise NotFound(N_("Ward not found."), code="ward_not_found")
    return ward


@dataclass(frozen=True)
class WardSummary:
    ward_id: int
    code: str
    name: str
    department: str
    beds: int
    by_state: dict[str, int]


def ward_summaries(session: Session) -> list[WardSummary]:
    counts: dict[int, dict[str, int]] = {}
    rows = session.execute(select(Bed.ward_id, Bed.state, func.count()).group_by(Bed.ward_id, Bed.state))
    for ward_id, state, n in rows:
        counts.setdefault(ward_id, {})[str(state)] = n
    result = []
    for ward in session.scalars(select(Ward).order_by(Ward.code)):
        by_state = counts.get(ward.id, {})
        result.append(
            WardSummary(
                ward_id=ward.id,
                code=ward.code,
                name=ward.name,
                department=ward.department.name,
                beds=sum(by_state.values()),
                by_state=by_state,
            )
        )
    return result


def bed_totals(session: Session) -> dict[str, int]:
    rows = session.execute(select(Bed.state, func.count()).group_by(Bed.state))
    return {str(state): n for state, n in rows}


def move_bed(session: Session, bed_id: int, action: str, actor: Actor) -> Bed:
    """Changes a bed's state inside the caller's transaction (no commit). The write is a
    compare-and-set on the state it was read in, so of two staff acting on one bed at once
    exactly one succeeds and the other gets a clear refusal, on SQLite and PostgreSQL alike."""
    bed = session.get(Bed, bed_id)
    if bed is None:
        raise NotFound(N_("Bed not found."), code="bed_not_found")
    session.refresh(bed)
    old = BedState(bed.state)
    try:
        new = BED_MACHINE.next_state(old, action)
    except InvalidTransition as exc:
        raise Conflict(
            N_("This bed is no longer available. Choose another bed."),
            code="bed_unavailable",
            params={"state": old.value, "action": action},
        ) from exc
    changed = session.execute(
        update(Bed)
        .where(Bed.id == bed_id, Bed.state == old, Bed.version == bed.version)
        .values(state=new, state_changed_at=utcnow(), version=Bed.version + 1)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(N_("This bed is no longer available. Choose another bed."), code="bed_unavailable")
    session.refresh(bed)
    audit.record(session, actor, f"bed.{action}", "bed", bed.id, old=old.value, new=new.value)
    events.emit(session, BedStateChanged(bed_id=bed.id, ward_id=bed.ward_id, old_state=old, new_state=new))
    return bed


def get_bed(session: Session, bed_id: int) -> Bed:
    bed = session.get(Bed, bed_id)
    if bed is None:
        raise NotFound(N_("Bed not found."), code="bed_not_found")
    return bed


def change_bed_state(session: Session, bed_id: int, action: str, actor: Actor) -> Bed:
    bed = session.get(Bed, bed_id, with_for_update=True)
    if bed is None:
        raise NotFound(N_("Bed not found."), code="bed_not_found")
    old = BedState(bed.state)
    try:
        new = BED_MACHINE.next_state(old, action)
    except InvalidTransition as exc:
        raise Conflict(
            N_("This bed cannot go from %(state)s by %(action)s."),
            code="bed_invalid_transition",
            params={"state": old.value, "action": action},
        ) from exc
    bed.state = new
    bed.state_changed_at = utcnow()
    audit.record(session, actor, f"bed.{action}", "bed", bed.id, old=old.value, new=new.value)
    events.emit(session, BedStateChanged(bed_id=bed.id, ward_id=bed.ward_id, old_state=old, new_state=new))
    session.commit()
    return bed
