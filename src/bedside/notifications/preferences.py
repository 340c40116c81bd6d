"""An account holder's message choices: SMS and WeChat on or off, the bound WeChat openid,
quiet nights, and the language messages are written in."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from bedside.accounts.models import Account
from bedside.core import audit
from bedside.core.audit import Actor
from bedside.core.errors import Forbidden, InvalidInput
from bedside.core.i18n import LOCALES, N_
from bedside.notifications.models import NotificationPreference
from bedside.settings import get_settings


def defaults(account_id: int) -> NotificationPreference:
    return NotificationPreference(account_id=account_id, sms=True, wechat=True, quiet_hours=True)


def get(session: Session, account_id: int) -> NotificationPreference:
    row = session.scalar(
        select(NotificationPreference).where(NotificationPreference.account_id == account_id)
    )
    return row or defaults(account_id)


def for_accounts(session: Session, account_ids: Iterable[int]) -> dict[int, NotificationPreference]:
    ids = set(account_ids)
    rows = {
        row.account_id: row
        for row in session.scalars(
            select(NotificationPreference).where(NotificationPreference.account_id.in_(ids))
        )
    }
    return {i: rows.get(i) or defaults(i) for i in ids}


def _own(session: Session, actor: Actor, account_id: int) -> NotificationPreference:
    if actor.kind != "account" or actor.id != account_id:
        raise Forbidden()
    row = session.scalar(
        select(NotificationPreference).where(NotificationPreference.account_id == account_id)
    )
    if row is None:
        row = defaults(account_id)
        session.add(row)
    return row


def update(
    session: Session,
    actor: Actor,
    account_id: int,
    *,
    sms: bool,
    wechat: bool,
    quiet_hours: bool,
    locale: str | None = None,
) -> NotificationPreference:
    if locale is not None and locale not in LOCALES:
        raise InvalidInput(N_("Choose Chinese or English."), code="invalid_locale", field="locale")
    row = _own(session, actor, account_id)
    row.sms, row.wechat, row.quiet_hours = sms, wechat, quiet_hours
    if locale is not None:
        account = session.get(Account, account_id)
        if account is not None:
            account.locale = locale
    audit.record(
        session,
        actor,
        "notification_preferences.update",
        "account",
        account_id,
        sms=sms,
        wechat=wechat,
        quiet_hours=quiet_hours,
        locale=locale,
    )
    session.commit()
    return row


def wechat_sandbox() -> bool:
    """Without a configured service account, WeChat runs against the recording sandbox."""
    settings = get_settings()
    return not (settings.wechat_app_id and settings.wechat_app_secret)


def bind_sandbox_wechat(session: Session, actor: Actor, account_id: int) -> NotificationPreference:
    """The demo's stand-in for WeChat's web authorization: a stable sandbox openid."""
    if not wechat_sandbox():
        raise InvalidInput(
            N_("Open this page in WeChat to bind your WeChat account."), code="wechat_bind_unavailable"
        )
    row = _own(session, actor, account_id)
    digest = hashlib.sha256(f"{get_settings().secret_key}:openid:{account_id}".encode()).hexdigest()
    row.wechat_openid = "o-sandbox-" + digest[:18]
    row.wechat = True
    audit.record(session, actor, "notification_preferences.bind_wechat", "account", account_id, sandbox=True)
    session.commit()
    return row


def unbind_wechat(session: Session, actor: Actor, account_id: int) -> NotificationPreference:
    row = _own(session, actor, account_id)
    row.wechat_openid = None
    audit.record(session, actor, "notification_preferences.unbind_wechat", "account", account_id)
    session.commit()
    return row
