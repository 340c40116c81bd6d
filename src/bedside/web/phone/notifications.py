"""The account holder's message settings: SMS and WeChat on or off, binding WeChat (the
service account's web authorization; a sandbox openid when none is configured), quiet nights
and the language messages are written in. Only ever the signed-in account's own settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from bedside.accounts import wechat
from bedside.accounts.wechat_oauth import oauth_from_settings
from bedside.core.errors import DomainError
from bedside.core.i18n import N_, normalize
from bedside.notifications import preferences
from bedside.notifications import service as notifications_service
from bedside.settings import get_settings
from bedside.web import security
from bedside.web.deps import AccountUser, DbSession, Flag
from bedside.web.forms import form_error
from bedside.web.rendering import render

router = APIRouter(prefix="/phone", include_in_schema=False, dependencies=[Depends(security.guard_request)])
PAGE = "phone/notification_settings.html"
TRIED_COOKIE = "bs_wx_tried"
SELF = "/phone/settings/notifications"


def _ctx(session: DbSession, me: AccountUser, **extra: object) -> dict[str, object]:
    settings = get_settings()
    start, end = settings.quiet_hours
    return {
        "me": me,
        "prefs": preferences.get(session, me.account.id),
        "wechat_bound": wechat.openid_for(session, me.account.id) is not None,
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


def should_authorize(request: Request, session: DbSession, me: AccountUser) -> bool:
    """Opened inside WeChat (its browser says MicroMessenger), not bound, not tried yet."""
    return (
        "MicroMessenger" in request.headers.get("user-agent", "")
        and not request.cookies.get(TRIED_COOKIE)
        and not preferences.wechat_sandbox()
        and wechat.openid_for(session, me.account.id) is None
    )


def _authorize(session: DbSession, me: AccountUser) -> Response:
    oauth = oauth_from_settings(get_settings())
    if oauth is None:  # no service account: the sandbox binds on the settings page
        return RedirectResponse(SELF, status_code=303)
    response = RedirectResponse(wechat.start(session, oauth, me.account.id, me.auth.id), status_code=303)
    # Opened inside WeChat the phone authorizes once by itself; this marks that it tried.
    response.set_cookie(TRIED_COOKIE, "1", httponly=True, samesite="lax", secure=get_settings().cookie_secure)
    return response


@router.post("/settings/notifications/wechat/bind")
def bind_wechat(request: Request, session: DbSession, me: AccountUser) -> Response:
    if not preferences.wechat_sandbox():
        return _authorize(session, me)
    try:
        preferences.bind_sandbox_wechat(session, me.actor, me.account.id)
    except DomainError as exc:
        session.rollback()
        return form_error(request, PAGE, _ctx(session, me), exc)
    return RedirectResponse(SELF + "?saved=1", status_code=303)


@router.get("/wechat/authorize")
def authorize_wechat(request: Request, session: DbSession, me: AccountUser) -> Response:
    """Where the phone sends itself when opened inside WeChat and not yet bound."""
    if preferences.wechat_sandbox():
        return RedirectResponse(SELF, status_code=303)
    return _authorize(session, me)


@router.get("/wechat/callback")
def wechat_callback(
    request: Request,
    session: DbSession,
    me: AccountUser,
    code: Annotated[str, Query(max_length=128)] = "",
    state: Annotated[str, Query(max_length=128)] = "",
) -> Response:
    oauth = oauth_from_settings(get_settings())
    try:
        if oauth is None:
            raise wechat.WechatBindError(
                N_("WeChat binding is not set up at this hospital."), code="wechat_bind_unavailable"
            )
        wechat.finish(session, oauth, me.actor, me.account.id, me.auth.id, code=code, state=state)
    except DomainError as exc:
        session.rollback()
        return form_error(request, PAGE, _ctx(session, me), exc)
    return RedirectResponse(SELF + "?saved=1", status_code=303)


@router.post("/settings/notifications/wechat/unbind")
def unbind_wechat(session: DbSession, me: AccountUser) -> Response:
    preferences.unbind_wechat(session, me.actor, me.account.id)
    return RedirectResponse(SELF + "?saved=1", status_code=303)
