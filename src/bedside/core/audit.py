"""Append-only audit trail: every write and every staff read of a patient's personal data."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from bedside.core import context
from bedside.core.bulk import insert_rows
from bedside.core.db import Base, utcnow
from bedside.core.pii import scrub


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff user, a patient account, a kiosk device, or the system itself."""

    kind: str  # staff | account | kiosk | system | his
    id: int | None
    label: str
    roles: frozenset[str] = frozenset()
    kiosk_id: int | None = None

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


SYSTEM = Actor(kind="system", id=None, label="system")


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(index=True)
    actor_label: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(80), index=True)
    entity_type: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    patient_id: Mapped[int | None] = mapped_column(index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))
    kiosk_id: Mapped[int | None]


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: object = None,
    *,
    patient_id: int | None = None,
    **detail: Any,
) -> AuditEvent:
    """Adds an audit row to the caller's transaction; it commits or rolls back with the write."""
    row = AuditEvent(
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_label=scrub(actor.label)[:100],
        action=action,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        patient_id=patient_id,
        detail={k: scrub(v) if isinstance(v, str) else v for k, v in detail.items()},
        ip=context.client_ip.get(),
        request_id=context.request_id.get(),
        kiosk_id=actor.kiosk_id,
    )
    session.add(row)
    return row


def record_many(
    session: Session,
    actor: Actor,
    entity_type: str,
    entries: Iterable[tuple[str, object, int | None, dict[str, Any]]],
) -> None:
    """One audit row per (action, entity id, patient id, detail), in one statement: a batch
    from the HIS is audited item by item, as if each had been sent alone."""
    now = utcnow()
    ip, request_id, label = context.client_ip.get(), context.request_id.get(), scrub(actor.label)[:100]
    rows = [
        {
            "at": now,
            "actor_kind": actor.kind,
            "actor_id": actor.id,
            "actor_label": label,
            "action": action,
            "entity_type": entity_type,
            "entity_id": None if entity_id is None else str(entity_id),
            "patient_id": patient_id,
            "detail": {k: scrub(v) if isinstance(v, str) else v for k, v in detail.items()},
            "ip": ip,
            "request_id": request_id,
            "kiosk_id": actor.kiosk_id,
        }
        for action, entity_id, patient_id, detail in entries
    ]
    if rows:
        insert_rows(session, AuditEvent, rows)


def recent(
    session: Session, *, action: str = "", patient_id: int | None = None, limit: int = 200
) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if action:
        query = query.where(AuditEvent.action.startswith(action))
    if patient_id:
        query = query.where(AuditEvent.patient_id == patient_id)
    return list(session.scalars(query))
