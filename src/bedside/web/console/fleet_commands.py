"""Remote actions from the fleet console's kiosk page: ask, and see the answers (a screenshot
is shown from here, to ops engineers only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from bedside.core.errors import DomainError
from bedside.fleet import commands
from bedside.staff.roles import Role
from bedside.web import security
from bedside.web.console.fleet import _kiosk_ctx
from bedside.web.console.routes import _chrome
from bedside.web.deps import DbSession, IdPath, StaffContext, staff_with
from bedside.web.forms import form_error

router = APIRouter(
    prefix="/console/fleet", include_in_schema=False, dependencies=[Depends(security.guard_request)]
)
Ops = Annotated[StaffContext, staff_with(Role.OPS_ENGINEER)]


@router.post("/kiosks/{kiosk_id}/commands")
def ask(
    request: Request,
    session: DbSession,
    me: Ops,
    kiosk_id: IdPath,
    action: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    try:
        commands.request(session, me.actor, kiosk_id, action)
    except DomainError as exc:
        session.rollback()
        ctx = {**_kiosk_ctx(session, kiosk_id), **_chrome(request, me)}
        return form_error(request, "console/fleet_kiosk.html", ctx, exc)
    return RedirectResponse(f"/console/fleet/kiosks/{kiosk_id}#remote", status_code=303)


@router.get("/commands/{command_id}/screenshot.png")
def screenshot(session: DbSession, me: Ops, command_id: IdPath) -> Response:
    png = commands.screenshot(session, command_id)
    session.commit()
    return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})
