"""Upkeep on the engineer's phone: the kiosk's QR label opens its checklists (daily cleaning
and disinfection, weekly inspection); ticking every item records the upkeep."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from bedside.core.errors import DomainError
from bedside.fleet import labels, upkeep
from bedside.kiosks import service as kiosks_service
from bedside.staff.roles import Role
from bedside.web import security
from bedside.web.console.routes import _chrome, page
from bedside.web.deps import DbSession, IdPath, StaffContext, staff_with
from bedside.web.forms import form_error

router = APIRouter(
    prefix="/console/fleet", include_in_schema=False, dependencies=[Depends(security.guard_request)]
)
Ops = Annotated[StaffContext, staff_with(Role.OPS_ENGINEER)]


def _ctx(session: DbSession, kiosk_id: int) -> dict[str, Any]:
    return {
        "kiosk": kiosks_service.get(session, kiosk_id),
        "checklists": upkeep.CHECKLISTS,
        "last": upkeep.last_done(session).get(kiosk_id, {}),
        "history": upkeep.history(session, kiosk_id),
        "fl": labels,
        "done": "",
    }


@router.get("/kiosks/{kiosk_id}/upkeep")
def checklist(request: Request, session: DbSession, me: Ops, kiosk_id: IdPath, done: str = "") -> Response:
    ctx = _ctx(session, kiosk_id)
    ctx["done"] = done if done in upkeep.CHECKLISTS else ""
    return page(request, me, "console/fleet_upkeep.html", ctx)


@router.post("/kiosks/{kiosk_id}/upkeep")
def record(
    request: Request,
    session: DbSession,
    me: Ops,
    kiosk_id: IdPath,
    kind: Annotated[str, Form(max_length=10)] = "",
    items: Annotated[list[str] | None, Form(max_length=20)] = None,
    note: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    try:
        upkeep.record(session, me.actor, kiosk_id, kind, items or [], note)
    except DomainError as exc:
        session.rollback()
        ctx = {**_ctx(session, kiosk_id), **_chrome(request, me)}
        return form_error(request, "console/fleet_upkeep.html", ctx, exc)
    return RedirectResponse(f"/console/fleet/kiosks/{kiosk_id}/upkeep?done={kind}", status_code=303)
