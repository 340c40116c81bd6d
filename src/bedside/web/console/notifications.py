"""Console pages of notifications: the message templates an administrator edits (texts,
channels, urgency, on/off, preview, reset) and the "Messages sent" list for ward and admission
staff."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from bedside.core.errors import DomainError, InvalidInput
from bedside.core.i18n import N_
from bedside.notifications import history, overrides, rules
from bedside.notifications.labels import CHANNEL_LABELS, SKIP_LABELS, STATE_LABELS
from bedside.notifications.templates import TEMPLATES
from bedside.staff.roles import Role
from bedside.web import security
from bedside.web.console.routes import _chrome, page
from bedside.web.deps import DbSession, Flag, StaffContext, staff_with
from bedside.web.forms import form_error
from bedside.web.rendering import locale_of

LABELS = {"channel_labels": CHANNEL_LABELS, "state_labels": STATE_LABELS, "skip_labels": SKIP_LABELS}

router = APIRouter(prefix="/console", include_in_schema=False, dependencies=[Depends(security.guard_request)])
Admin = Annotated[StaffContext, staff_with(Role.ADMIN)]
MessageStaff = Annotated[StaffContext, staff_with(*history.VIEW_ROLES)]
TemplateKey = Annotated[str, Path(min_length=1, max_length=60, pattern=r"^[a-z0-9_]+$")]


@router.get("/notifications/templates")
def templates(request: Request, session: DbSession, me: Admin) -> Response:
    return page(
        request,
        me,
        "console/notification_templates.html",
        {"views": overrides.list_all(session), **LABELS},
    )


def _edit_ctx(view: overrides.TemplateView, edit: overrides.TemplateEdit, **extra: Any) -> dict[str, Any]:
    return {"view": view, "edit": edit, "channels": rules.EXTERNAL_CHANNELS, **LABELS, **extra}


@router.get("/notifications/templates/{key}")
def template(request: Request, session: DbSession, me: Admin, key: TemplateKey, saved: Flag = 0) -> Response:
    view = overrides.get(session, key)
    return page(
        request,
        me,
        "console/notification_template.html",
        _edit_ctx(view, overrides.edit_of(view), saved=saved),
    )


@router.post("/notifications/templates/{key}")
def save_template(
    request: Request,
    session: DbSession,
    me: Admin,
    key: TemplateKey,
    action: Annotated[str, Form()] = "save",
    enabled: Annotated[str, Form()] = "",
    urgent: Annotated[str, Form()] = "",
    channels: Annotated[list[str] | None, Form()] = None,
    title_zh: Annotated[str, Form(max_length=2000)] = "",
    body_zh: Annotated[str, Form(max_length=5000)] = "",
    title_en: Annotated[str, Form(max_length=2000)] = "",
    body_en: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    view = overrides.get(session, key)
    edit = overrides.TemplateEdit(
        enabled=bool(enabled),
        urgent=bool(urgent),
        channels=list(channels or []),
        title_zh=title_zh,
        body_zh=body_zh,
        title_en=title_en,
        body_en=body_en,
    )
    try:
        if action == "preview":
            shown = overrides.preview(key, edit)
            return page(
                request, me, "console/notification_template.html", _edit_ctx(view, edit, preview=shown)
            )
        if action != "save":
            raise InvalidInput(N_("Choose save or preview."), code="invalid_action")
        overrides.save(session, me.actor, key, edit)
    except DomainError as exc:
        session.rollback()
        return form_error(
            request,
            "console/notification_template.html",
            {**_edit_ctx(view, edit), **_chrome(request, me)},
            exc,
        )
    return RedirectResponse(f"/console/notifications/templates/{key}?saved=1", status_code=303)


@router.post("/notifications/templates/{key}/reset")
def reset_template(session: DbSession, me: Admin, key: TemplateKey) -> Response:
    overrides.reset(session, me.actor, key)
    return RedirectResponse(f"/console/notifications/templates/{key}?saved=1", status_code=303)


def _filters(q: str, template: str, channel: str, state: str, day: str) -> history.Filters:
    if template and template not in TEMPLATES:
        raise InvalidInput(N_("Unknown message template."), code="invalid_filter", field="template")
    if channel and channel not in history.CHANNELS:
        raise InvalidInput(N_("Unknown channel: %(name)s."), code="invalid_filter", params={"name": channel})
    if state and state not in history.STATES:
        raise InvalidInput(N_("Unknown delivery state."), code="invalid_filter", field="state")
    try:
        parsed = date.fromisoformat(day) if day else None
    except ValueError:
        raise InvalidInput(N_("Enter the date as YYYY-MM-DD."), code="invalid_date", field="day") from None
    return history.Filters(query=q.strip()[:60], template=template, channel=channel, state=state, day=parsed)


@router.get("/notifications/sent")
def sent(
    request: Request,
    session: DbSession,
    me: MessageStaff,
    q: str = "",
    template: str = "",
    channel: str = "",
    state: str = "",
    day: str = "",
) -> Response:
    form = {"q": q, "template": template, "channel": channel, "state": state, "day": day}
    ctx: dict[str, Any] = {
        "form": form,
        "template_keys": sorted(TEMPLATES),
        "channels": history.CHANNELS,
        "states": history.STATES,
        "rows": [],
        **LABELS,
    }
    try:
        ctx["rows"] = history.sent_messages(
            session, me.actor, _filters(q, template, channel, state, day), locale_of(request)
        )
    except InvalidInput as exc:
        return form_error(request, "console/notification_sent.html", {**ctx, **_chrome(request, me)}, exc)
    return page(request, me, "console/notification_sent.html", ctx)
