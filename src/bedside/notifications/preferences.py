"""An account holder's message choices: SMS and WeChat on or off, quiet nights, and the
language messages are written in. The WeChat openid itself is accounts.wechat's binding."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from bedside.accounts import wechat
from bedside.accounts.models import Account
from bedside.core import audit
from bedside.core.audit import Actor
from bedside.core.errors import Forbidden, InvalidInput
from bedside.core.i18n import LOCALES, N_
from bedside.notifications.models import NotificationPreference


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
    return not wechat.current_app_id()


def bind_sandbox_wechat(session: Session, actor: Actor, account_id: int) -> NotificationPreference:
    """Without a service account there is no WeChat to authorize with: the recording sandbox
    gets a stable stand-in openid. With one, binding goes through accounts.wechat's OAuth."""
    if not wechat_sandbox():
        raise InvalidInput(
            N_("Open this page in WeChat to bind your WeChat account."), code="wechat_bind_unavailable"
        )
    row = _own(session, actor, account_id)
    row.wechat = True
    wechat.bind(session, actor, account_id, "", wechat.sandbox_openid(account_id))
    return row


def unbind_wechat(session: Session, actor: Actor, account_id: int) -> NotificationPreference:
    row = _own(session, actor, account_id)
    wechat.unbind(session, actor, account_id)
    return row
