"""Merging two patient records the record system (the HIS) found to be one person: every row
that points at the merged-away patient (stays, deposit accounts, payment orders, credentials,
phone-account links, messages…) moves to the survivor, in one audited transaction. History
(the audit log) keeps the ids it was written with; the merged-away row stays as a tombstone
without its resident ID, so no new notice can match it again."""

from __future__ import annotations

from sqlalchemy import Table, delete, exists, func, select, update
from sqlalchemy.orm import Session

from bedside.core import audit
from bedside.core.audit import Actor
from bedside.core.db import Base
from bedside.core.errors import InvalidInput
from bedside.core.i18n import N_
from bedside.patients.service import get

# Rows that record the merge itself, not the person's data.
NOT_MOVED = frozenset({"his_patient_merges"})


def _pointing_tables() -> list[Table]:
    found = []
    for table in Base.metadata.sorted_tables:
        if table.name in NOT_MOVED or "patient_id" not in table.c:
            continue
        if any(fk.column.table.name == "patients" for fk in table.c.patient_id.foreign_keys):
            found.append(table)
    return found


def _unique_partners(table: Table) -> list[list[str]]:
    """For each unique rule that includes patient_id, the other columns in it."""
    rules: list[list[str]] = []
    if table.c.patient_id.unique:
        rules.append([])
    for constraint in table.constraints:
        names = [c.name for c in getattr(constraint, "columns", [])]
        if constraint.__class__.__name__ == "UniqueConstraint" and "patient_id" in names:
            rules.append([n for n in names if n != "patient_id"])
    return rules


def merge(session: Session, actor: Actor, survivor_id: int, merged_id: int) -> dict[str, int]:
    """Moves everything of `merged_id` to `survivor_id`; returns the rows moved per table. A row
    the survivor already has an equivalent of (the same phone account, a face enrolment) is
    dropped rather than duplicated. The caller commits."""
    if survivor_id == merged_id:
        raise InvalidInput(N_("A patient cannot be merged into itself."), code="merge_same_patient")
    survivor, merged = get(session, survivor_id), get(session, merged_id)
    session.flush()
    moved: dict[str, int] = {}
    for table in _pointing_tables():
        for partners in _unique_partners(table):
            mine, theirs = table.alias("mine"), table.alias("theirs")
            clash = exists().where(
                theirs.c.patient_id == survivor.id, *[theirs.c[n] == mine.c[n] for n in partners]
            )
            doomed = select(mine.c.id).where(mine.c.patient_id == merged.id, clash)
            session.execute(delete(table).where(table.c.id.in_(doomed)))
        count = session.scalar(select(func.count()).select_from(table).where(table.c.patient_id == merged.id))
        if count:
            session.execute(
                update(table).where(table.c.patient_id == merged.id).values(patient_id=survivor.id)
            )
            moved[table.name] = int(count)
    if survivor.phone is None and merged.phone is not None:
        survivor.phone = merged.phone
    merged.resident_id = None
    session.flush()
    session.expire_all()  # loaded rows may still name the merged-away patient
    audit.record(
        session,
        actor,
        "patient.merge",
        "patient",
        survivor_id,
        patient_id=survivor_id,
        merged_id=merged_id,
        moved=moved,
    )
    return moved
