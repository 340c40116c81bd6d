"""What was sent to whom and when, for staff: every inbox message and every delivery, with the
recipient account (masked on screen), its relation to the patient and the outcome. Reading it
is a read of the patients' data and is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from bedside.accounts.models import Account, AccountPatient
from bedside.core import audit
from bedside.core.audit import Actor
from bedside.core.errors import Forbidden
from bedside.core.i18n import gettext
from bedside.notifications.models import InboxMessage, NotificationDelivery
from bedside.notifications.service import local_day_bounds
from bedside.notifications.templates import TEMPLATES
from bedside.patients.models import Patient

VIEW_ROLES = ("admin", "admission_center", "nurse")
CHANNELS = ("inbox", "sms", "wechat", "log")
STATES = ("pending", "sent", "failed", "skipped")


@dataclass(frozen=True)
class Filters:
    query: str = ""
    template: str = ""
    channel: str = ""
    state: str = ""
    day: date | None = None


@dataclass(frozen=True)
class SentRow:
    at: datetime
    patient_id: int | None
    patient_name: str
    phone: str
    relation: str
    template: str
    title: str
    channel: str
    state: str
    skip_reason: str | None
    attempts: int
    sent_at: datetime | None
    next_attempt_at: datetime | None
    error_code: str | None
    last_error: str | None


def _common(query: Any, model: Any, f: Filters) -> Any:
    query = (
        query.join(Account, Account.id == model.account_id)
        .outerjoin(Patient, Patient.id == model.patient_id)
        .outerjoin(
            AccountPatient,
            and_(
                AccountPatient.account_id == model.account_id, AccountPatient.patient_id == model.patient_id
            ),
        )
    )
    q = f.query.strip()
    if q:
        query = query.where(or_(Patient.name == q, Patient.phone == q, Account.phone == q))
    if f.template:
        query = query.where(model.template == f.template)
    if f.day:
        start, end = local_day_bounds(f.day)
        query = query.where(model.created_at >= start, model.created_at < end)
    return query.order_by(model.created_at.desc(), model.id.desc())


def _title(key: str, locale: str) -> str:
    return gettext(locale, TEMPLATES[key][0]) if key in TEMPLATES else key


def sent_messages(session: Session, actor: Actor, f: Filters, locale: str, limit: int = 200) -> list[SentRow]:
    if actor.kind != "staff" or not actor.has_role(*VIEW_ROLES):
        raise Forbidden()
    rows: list[SentRow] = []
    columns = (Account.phone, Patient.name, AccountPatient.relation)
    if f.channel in ("", "inbox") and f.state in ("", "sent"):
        for msg, phone, name, relation in session.execute(
            _common(select(InboxMessage, *columns), InboxMessage, f).limit(limit)
        ):
            rows.append(
                SentRow(
                    msg.created_at, msg.patient_id, name or "", phone, relation or "", msg.template,
                    _title(msg.template, locale), "inbox", "sent", None, 1, msg.created_at, None, None, None,
                )
            )  # fmt: skip
    if f.channel != "inbox":
        query = _common(select(NotificationDelivery, *columns), NotificationDelivery, f)
        if f.channel:
            query = query.where(NotificationDelivery.channel == f.channel)
        if f.state:
            query = query.where(NotificationDelivery.state == f.state)
        for d, phone, name, relation in session.execute(query.limit(limit)):
            rows.append(
                SentRow(
                    d.created_at, d.patient_id, name or "", phone, relation or "", d.template,
                    _title(d.template, locale), d.channel, d.state, d.skip_reason, d.attempts, d.sent_at,
                    d.next_attempt_at if d.state == "pending" else None, d.error_code, d.last_error,
                )
            )  # fmt: skip
    rows.sort(key=lambda r: r.at, reverse=True)
    rows = rows[:limit]
    audit.record(
        session,
        actor,
        "notification.sent.read",
        "notification_delivery",
        None,
        query=f.query,
        template=f.template,
        channel=f.channel,
        state=f.state,
        day=f.day.isoformat() if f.day else "",
        hits=len(rows),
    )
    for patient_id in sorted({r.patient_id for r in rows if r.patient_id}):
        audit.record(
            session,
            actor,
            "patient.read",
            "patient",
            patient_id,
            patient_id=patient_id,
            purpose="messages sent",
        )
    session.commit()
    return rows
