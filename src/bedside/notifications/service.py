"""Writing and reading in-app messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bedside.core.db import utcnow
from bedside.core.i18n import gettext
from bedside.notifications.models import InboxMessage
from bedside.notifications.templates import TEMPLATES


@dataclass(frozen=True)
class Message:
    id: int
    title: str
    body: str
    link: str | None
    created_at: Any
    read: bool
    patient_id: int | None


def deliver(
    session: Session,
    account_ids: set[int],
    *,
    template: str,
    params: dict[str, Any],
    dedupe_key: str,
    patient_id: int | None = None,
    link: str | None = None,
) -> int:
    """Adds one message per account unless that account already has this dedupe key."""
    if template not in TEMPLATES:
        raise KeyError(template)
    have = (
        set(
            session.scalars(
                select(InboxMessage.account_id).where(
                    InboxMessage.dedupe_key == dedupe_key, InboxMessage.account_id.in_(account_ids)
                )
            )
        )
        if account_ids
        else set()
    )
    added = 0
    for account_id in sorted(account_ids - have):
        session.add(
            InboxMessage(
                account_id=account_id,
                patient_id=patient_id,
                template=template,
                params=params,
                link=link,
                dedupe_key=dedupe_key,
            )
        )
        added += 1
    return added


def _render(row: InboxMessage, locale: str) -> Message:
    title_id, body_id = TEMPLATES[row.template]
    # A parameter may carry an English alternate under "<name>_en" (e.g. department names).
    params = {k: v for k, v in row.params.items() if not k.endswith("_en")}
    if locale == "en":
        params.update({k[:-3]: v for k, v in row.params.items() if k.endswith("_en")})
    return Message(
        id=row.id,
        title=gettext(locale, title_id),
        body=gettext(locale, body_id, **params),
        link=row.link,
        created_at=row.created_at,
        read=row.read_at is not None,
        patient_id=row.patient_id,
    )


def inbox(session: Session, account_id: int, locale: str, limit: int = 50) -> list[Message]:
    rows = session.scalars(
        select(InboxMessage)
        .where(InboxMessage.account_id == account_id)
        .order_by(InboxMessage.created_at.desc(), InboxMessage.id.desc())
        .limit(limit)
    )
    return [_render(row, locale) for row in rows]


def unread_count(session: Session, account_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(InboxMessage)
            .where(InboxMessage.account_id == account_id, InboxMessage.read_at.is_(None))
        )
        or 0
    )


def mark_all_read(session: Session, account_id: int) -> None:
    session.execute(
        update(InboxMessage)
        .where(InboxMessage.account_id == account_id, InboxMessage.read_at.is_(None))
        .values(read_at=utcnow())
    )
    session.commit()
