"""The account holder's message settings: SMS and WeChat on or off, binding WeChat (a sandbox
openid in the demo), quiet nights and the language messages are written in. Only ever the
signed-in account's own settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from bedside.core.errors import DomainError
from bedside.core.i18n import normalize
from bedside.notifications import preferences
from bedside.notifications import service as notifications_service
from bedside.settings import get_settings
from bedside.web import security
from bedside.web.deps import AccountUser, DbSession, Flag
from bedside.web.forms import form_error
from bedside.web.rendering import render

router = APIRouter(prefix="/phone", include_in_schema=False, dependencies=[Depends(security.guard_request)])
PAGE = "phone/notification_settings.html"
SELF = "/phone/settings/notifications"


def _ctx(session: DbSession, me: AccountUser, **extra: object) -> dict[str, object]:
    settings = get_settings()
    start, end = settings.quiet_hours
    return {
        "me": me,
        "prefs": preferences.get(session, me.account.id),
        "message_locale": normalize(me.account.locale) if me.account.locale else settings.locale,
        "channels": settings.notify_channel_set,
        "wechat_sandbox": preferences.wechat_sandbox(),
        "quiet_from": start.strftime("%H:%M"),
        "quiet_to": end.strftime("%H:%M"),
        "unread": notifications_service.unread_count(session, me.account.id),
        **extra,
    }


@router.get("/settings/notifications")
def settings_page(request: Request, session: DbSession, me: AccountUser, saved: Flag = 0) -> Response:
    return render(request, PAGE, _ctx(session, me, saved=saved))


@router.post("/settings/notifications")
def save(
    request: Request,
    session: DbSession,
    me: AccountUser,
    sms: Annotated[str, Form()] = "",
    wechat: Annotated[str, Form()] = "",
    quiet_hours: Annotated[str, Form()] = "",
    locale: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    try:
        preferences.update(
            session,
            me.actor,
            me.account.id,
            sms=bool(sms),
            wechat=bool(wechat),
            quiet_hours=bool(quiet_hours),
            locale=locale or None,
        )
    except DomainError as exc:
        session.rollback()
        return form_error(request, PAGE, _ctx(session, me), exc)
    return RedirectResponse(SELF + "?saved=1", status_code=303)


@router.post("/settings/notifications/wechat/bind")
def bind_wechat(request: Request, session: DbSession, me: AccountUser) -> Response:
    try:
        preferences.bind_sandbox_wechat(session, me.actor, me.account.id)
    except DomainError as exc:
        session.rollback()
        return form_error(request, PAGE, _ctx(session, me), exc)
    return RedirectResponse(SELF + "?saved=1", status_code=303)


@router.post("/settings/notifications/wechat/unbind")
def unbind_wechat(session: DbSession, me: AccountUser) -> Response:
    preferences.unbind_wechat(session, me.actor, me.account.id)
    return RedirectResponse(SELF + "?saved=1", status_code=303)
