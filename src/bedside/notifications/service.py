"""Messages to patients' accounts: the in-app inbox (written at once) and the delivery outbox
for external channels (sent by `send_due`, with retries, quiet hours and preferences)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bedside.accounts import wechat
from bedside.accounts.models import Account
from bedside.core.db import utcnow
from bedside.core.i18n import normalize
from bedside.notifications import channels, preferences, rules
from bedside.notifications.channels import Outgoing
from bedside.notifications.models import InboxMessage, NotificationDelivery, NotificationPreference
from bedside.notifications.quiet import in_quiet_hours, quiet_hours_end
from bedside.notifications.states import DELIVERY_MACHINE, DeliveryState
from bedside.notifications.templates import TEMPLATES
from bedside.settings import get_settings

BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=1)


@dataclass(frozen=True)
class Message:
    id: int
    title: str
    body: str
    link: str | None
    created_at: Any
    read: bool
    patient_id: int | None


def backoff(attempts: int) -> timedelta:
    """Wait after the n-th failed attempt: 1, 2, 4, 8 ... minutes, at most an hour."""
    return min(BACKOFF_MAX, BACKOFF_BASE * 2 ** max(0, attempts - 1))


def _address(channel: str, account: Account, openid: str | None) -> str | None:
    if channel == "sms":
        return account.phone or None
    if channel == "wechat":
        return openid or None
    return str(account.id)


def _wanted(channel: str, prefs: NotificationPreference) -> bool:
    if channel == "sms":
        return bool(prefs.sms)
    if channel == "wechat":
        return bool(prefs.wechat)
    return True


def deliver(
    session: Session,
    account_ids: set[int],
    *,
    template: str,
    params: dict[str, Any],
    dedupe_key: str,
    patient_id: int | None = None,
    link: str | None = None,
    urgent: bool | None = None,
) -> int:
    """Adds one inbox message per account unless that account already has this dedupe key,
    and one delivery per account and external channel it can receive. `urgent=None` takes
    the template's setting. Returns the number of inbox messages added."""
    if template not in TEMPLATES:
        raise KeyError(template)
    rule = rules.rule_for(session, template)
    added = 0
    if rule.enabled and account_ids:
        have = set(
            session.scalars(
                select(InboxMessage.account_id).where(
                    InboxMessage.dedupe_key == dedupe_key, InboxMessage.account_id.in_(account_ids)
                )
            )
        )
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
    _plan(
        session,
        account_ids,
        rule,
        params=params,
        dedupe_key=dedupe_key,
        patient_id=patient_id,
        link=link,
        urgent=rule.urgent if urgent is None else urgent,
    )
    return added


def _plan(
    session: Session,
    account_ids: set[int],
    rule: rules.Rule,
    *,
    params: dict[str, Any],
    dedupe_key: str,
    patient_id: int | None,
    link: str | None,
    urgent: bool,
) -> None:
    enabled = get_settings().notify_channel_set
    names = [c for c in rules.EXTERNAL_CHANNELS if c in enabled and c in rule.channels]
    if not names or not account_ids:
        return
    have = {
        (account_id, channel)
        for account_id, channel in session.execute(
            select(NotificationDelivery.account_id, NotificationDelivery.channel).where(
                NotificationDelivery.dedupe_key == dedupe_key,
                NotificationDelivery.account_id.in_(account_ids),
            )
        )
    }
    accounts = {a.id: a for a in session.scalars(select(Account).where(Account.id.in_(account_ids)))}
    prefs = preferences.for_accounts(session, accounts)
    openids = wechat.openids_for(session, set(accounts)) if "wechat" in names else {}
    for account_id in sorted(accounts):
        for name in names:
            if (account_id, name) in have or not _address(
                name, accounts[account_id], openids.get(account_id)
            ):
                continue
            reason = None
            if not rule.enabled:
                reason = "template_disabled"
            elif not _wanted(name, prefs[account_id]):
                reason = "opted_out"
            session.add(
                NotificationDelivery(
                    account_id=account_id,
                    patient_id=patient_id,
                    template=rule.key,
                    channel=name,
                    dedupe_key=dedupe_key,
                    params=params,
                    link=link,
                    urgent=urgent,
                    state=DeliveryState.SKIPPED if reason else DeliveryState.PENDING,
                    skip_reason=reason,
                    attempts=0,
                    next_attempt_at=utcnow(),
                )
            )


def send_due(session: Session, now: datetime | None = None, limit: int = 100) -> dict[str, int]:
    """Sends the deliveries that are due; returns how many were sent, held (quiet hours),
    put back for a retry, failed for good or skipped. The periodic job and tests call it."""
    now = now or utcnow()
    query = (
        select(NotificationDelivery.id)
        .where(
            NotificationDelivery.state == DeliveryState.PENDING, NotificationDelivery.next_attempt_at <= now
        )
        .order_by(NotificationDelivery.next_attempt_at, NotificationDelivery.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(session.scalars(query))
    session.commit()
    counts: dict[str, int] = {}
    for delivery_id in ids:
        outcome = send_one(session, delivery_id, now=now)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def _locked(session: Session, delivery_id: int) -> NotificationDelivery | None:
    return session.scalar(
        select(NotificationDelivery).where(NotificationDelivery.id == delivery_id).with_for_update()
    )


def _skip_reason(
    row: NotificationDelivery, rule: rules.Rule | None, address: str | None, wanted: bool
) -> str | None:
    if rule is None or not rule.enabled:
        return "template_disabled"
    if row.channel not in get_settings().notify_channel_set or row.channel not in rule.channels:
        return "channel_disabled"
    if not wanted:
        return "opted_out"
    if not address:
        return "no_address"
    return None


def send_one(session: Session, delivery_id: int, *, now: datetime | None = None) -> str:
    """One attempt. The attempt is recorded (with the next retry time as a lease) before the
    channel is called with no transaction open; WeChat drops a repeat of the same
    client_msg_id, so a crash between the call and the bookkeeping sends nothing twice."""
    now = now or utcnow()
    settings = get_settings()
    row = _locked(session, delivery_id)
    if row is None or row.state != DeliveryState.PENDING or row.next_attempt_at > now:
        session.rollback()
        return "not_due"
    account = session.get(Account, row.account_id)
    prefs = preferences.get(session, row.account_id)
    rule = rules.rule_for(session, row.template) if row.template in TEMPLATES else None
    openid = wechat.openid_for(session, row.account_id) if row.channel == "wechat" else None
    address = _address(row.channel, account, openid) if account else None
    reason = _skip_reason(row, rule, address, _wanted(row.channel, prefs))
    if reason or rule is None or address is None:
        row.state = DELIVERY_MACHINE.next_state(DeliveryState(row.state), "skip")
        row.skip_reason = reason or "no_address"
        session.commit()
        return "skipped"
    start, end = settings.quiet_hours
    if not row.urgent and prefs.quiet_hours and in_quiet_hours(now, start, end, settings.tz):
        row.state = DELIVERY_MACHINE.next_state(DeliveryState(row.state), "hold")
        row.next_attempt_at = quiet_hours_end(now, start, end, settings.tz)
        session.commit()
        return "held"
    row.attempts += 1
    attempts = row.attempts
    row.next_attempt_at = now + backoff(attempts)
    locale = normalize(account.locale) if account and account.locale else settings.locale
    title, body = rules.render(rule, row.params, locale)
    message = Outgoing(
        delivery_id=row.id,
        template=row.template,
        locale=locale,
        title=title,
        body=body,
        address=address,
        link=row.link,
        params=dict(row.params),
        created_at=row.created_at,
    )
    channel_name = row.channel
    session.commit()
    result = channels.get(channel_name).send(message)
    row = _locked(session, delivery_id)
    if row is None or row.state != DeliveryState.PENDING:
        session.rollback()
        return "not_due"
    if result.ok:
        row.state = DELIVERY_MACHINE.next_state(DeliveryState.PENDING, "send")
        row.sent_at = now
        row.provider_ref = result.provider_ref
        session.commit()
        return "sent"
    row.error_code = (result.code or "error")[:80]
    row.last_error = result.error
    if result.retryable and attempts < settings.notify_max_attempts:
        row.state = DELIVERY_MACHINE.next_state(DeliveryState.PENDING, "retry")
        session.commit()
        return "retry"
    row.state = DELIVERY_MACHINE.next_state(DeliveryState.PENDING, "fail")
    session.commit()
    return "failed"


def _render(row: InboxMessage, rule: rules.Rule, locale: str) -> Message:
    title, body = rules.render(rule, row.params, locale)
    return Message(
        id=row.id,
        title=title,
        body=body,
        link=row.link,
        created_at=row.created_at,
        read=row.read_at is not None,
        patient_id=row.patient_id,
    )


def inbox(session: Session, account_id: int, locale: str, limit: int = 50) -> list[Message]:
    rows = list(
        session.scalars(
            select(InboxMessage)
            .where(InboxMessage.account_id == account_id)
            .order_by(InboxMessage.created_at.desc(), InboxMessage.id.desc())
            .limit(limit)
        )
    )
    found = rules.rules_for(session, {r.template for r in rows if r.template in TEMPLATES})
    return [_render(row, found[row.template], locale) for row in rows if row.template in found]


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


def deliveries_for(session: Session, account_id: int) -> list[NotificationDelivery]:
    """An account's deliveries, oldest first (tests and the staff view read them)."""
    return list(
        session.scalars(
            select(NotificationDelivery)
            .where(NotificationDelivery.account_id == account_id)
            .order_by(NotificationDelivery.id)
        )
    )


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    tz = get_settings().tz
    start = datetime.combine(day, time(0), tzinfo=tz)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)
