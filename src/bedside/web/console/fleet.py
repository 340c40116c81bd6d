"""Fleet console for the ops engineers: every kiosk's place, state, modules, consumables and
alerts, by list or by floor, kept live by server-sent events; one kiosk's detail and fault log;
the alerts with acknowledgement."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, StreamingResponse
from starlette.responses import Response

from bedside.core.db import get_database, utcnow
from bedside.core.errors import DomainError
from bedside.fleet import alerts as fleet_alerts
from bedside.fleet import commands, labels, tickets
from bedside.fleet import service as fleet_service
from bedside.kiosks import service as kiosks_service
from bedside.staff.roles import Role
from bedside.web import security
from bedside.web.console.routes import _chrome, page
from bedside.web.deps import DbSession, IdPath, StaffContext, staff_with
from bedside.web.forms import form_error
from bedside.web.rendering import render

router = APIRouter(
    prefix="/console/fleet", include_in_schema=False, dependencies=[Depends(security.guard_request)]
)
Ops = Annotated[StaffContext, staff_with(Role.OPS_ENGINEER)]
Text = Annotated[str, Query(max_length=60)]
# One stream lasts this long, then the browser's EventSource reconnects: a stream never holds a
# worker for good, and a console left open overnight costs nothing once its tab is closed.
STREAM_SECONDS = 15
TICK_SECONDS = 2.0


def _filters(campus: str, building: str, floor: str, area: str, state: str, q: str) -> fleet_service.Filters:
    return fleet_service.Filters(
        campus, building, floor, area, state if state in labels.KIOSK_STATE else "", q
    )


def _ctx(session: DbSession, f: fleet_service.Filters, view: str) -> dict[str, Any]:
    everything = fleet_service.fleet(session)
    shown = [v for v in everything if f.keep(v)]
    return {
        "views": shown,
        "floors": fleet_service.by_floor(shown),
        "choices": fleet_service.choices(everything),
        "f": f,
        "view": "floor" if view == "floor" else "list",
        "fl": labels,
        "now": utcnow(),
        "counts": {s: sum(1 for v in everything if v.state == s) for s in labels.KIOSK_STATE},
        "versions": fleet_service.versions(everything),
    }


@router.get("")
def fleet(
    request: Request,
    session: DbSession,
    me: Ops,
    campus: Text = "",
    building: Text = "",
    floor: Text = "",
    area: Text = "",
    state: Text = "",
    q: Text = "",
    view: Text = "list",
) -> Response:
    return page(
        request,
        me,
        "console/fleet.html",
        _ctx(session, _filters(campus, building, floor, area, state, q), view),
    )


@router.get("/grid")
def grid(
    request: Request,
    session: DbSession,
    me: Ops,
    campus: Text = "",
    building: Text = "",
    floor: Text = "",
    area: Text = "",
    state: Text = "",
    q: Text = "",
    view: Text = "list",
) -> Response:
    """The live part of the page, fetched again whenever the stream says something changed."""
    ctx = _ctx(session, _filters(campus, building, floor, area, state, q), view)
    return render(request, "console/fleet_grid.html", {**_chrome(request, me), **ctx})


def _snapshot() -> tuple[str, dict[str, str]]:
    with get_database().session(read_only=True) as session:
        views = fleet_service.fleet(session)
        return fleet_service.fingerprint(views), {v.kiosk.code: str(v.state) for v in views}


@router.get("/stream")
async def stream(
    request: Request,
    session: DbSession,
    me: Ops,
    seconds: Annotated[int, Query(ge=0, le=60)] = STREAM_SECONDS,
) -> Response:
    """Server-sent events: a `fleet` event with every kiosk's state whenever anything shown
    changed (a report, a kiosk falling silent, an alert), checked every two seconds."""

    async def events() -> AsyncIterator[str]:
        yield "retry: 1000\n\n"
        last = None
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds
        while True:
            mark, states = await anyio.to_thread.run_sync(_snapshot)
            if mark != last:
                last = mark
                yield f"event: fleet\ndata: {json.dumps(states, ensure_ascii=False)}\n\n"
            if loop.time() >= end or await request.is_disconnected():
                return
            await asyncio.sleep(TICK_SECONDS)

    # The sign-in check is done: the request's own session must not stay open in a transaction
    # for the stream's lifetime (each tick reads in a short session of its own).
    session.close()
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)


def _kiosk_ctx(session: DbSession, kiosk_id: int) -> dict[str, Any]:
    view = fleet_service.get_view(session, kiosk_id)
    return {
        "v": view,
        "fault_log": fleet_service.fault_log(session, kiosk_id),
        "alerts": [
            a for a in fleet_alerts.listing(session, live_only=False, limit=500) if a.kiosk_id == kiosk_id
        ][:20],
        "serving": (serving := tickets.serving(session, kiosk_id)),
        "serving_code": kiosks_service.get(session, serving.spare_kiosk_id).code if serving else "",
        "kiosk_tickets": [t for t in tickets.listing(session) if t.kiosk_id == kiosk_id],
        "fl": labels,
        "fault_classes": tickets.FAULT_CLASSES,
        "form": {},
        "upkeep_url": f"/console/fleet/kiosks/{kiosk_id}/upkeep",
        "commands": commands.recent(session, kiosk_id),
        "command_actions": commands.ACTIONS,
    }


@router.get("/kiosks/{kiosk_id}")
def kiosk(request: Request, session: DbSession, me: Ops, kiosk_id: IdPath) -> Response:
    ctx = _kiosk_ctx(session, kiosk_id)
    ctx["upkeep_url"] = str(request.base_url).rstrip("/") + f"/console/fleet/kiosks/{kiosk_id}/upkeep"
    return page(request, me, "console/fleet_kiosk.html", ctx)


@router.post("/kiosks/{kiosk_id}/placement")
def placement(
    request: Request,
    session: DbSession,
    me: Ops,
    kiosk_id: IdPath,
    campus: Annotated[str, Form(max_length=40)] = "",
    building: Annotated[str, Form(max_length=40)] = "",
    floor: Annotated[str, Form(max_length=10)] = "",
    area: Annotated[str, Form(max_length=60)] = "",
    maker: Annotated[str, Form(max_length=100)] = "",
    maker_contact: Annotated[str, Form(max_length=100)] = "",
    production_date: Annotated[str, Form(max_length=10)] = "",
    spare: Annotated[str, Form(max_length=1)] = "",
) -> Response:
    values = {
        "campus": campus,
        "building": building,
        "floor": floor,
        "area": area,
        "maker": maker,
        "maker_contact": maker_contact,
        "spare": spare,
    }
    try:
        fleet_service.update_placement(session, me.actor, kiosk_id, values, production_date)
    except DomainError as exc:
        session.rollback()
        ctx = {**_kiosk_ctx(session, kiosk_id), **_chrome(request, me)}
        return form_error(request, "console/fleet_kiosk.html", ctx, exc)
    return RedirectResponse(f"/console/fleet/kiosks/{kiosk_id}", status_code=303)


@router.post("/kiosks/{kiosk_id}/service")
def service_state(
    request: Request,
    session: DbSession,
    me: Ops,
    kiosk_id: IdPath,
    out: Annotated[str, Form(max_length=1)] = "",
    reason: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    try:
        kiosks_service.get(session, kiosk_id)
        fleet_service.set_out_of_service(session, me.actor, kiosk_id, out == "1", reason)
    except DomainError as exc:
        session.rollback()
        ctx = {**_kiosk_ctx(session, kiosk_id), **_chrome(request, me)}
        return form_error(request, "console/fleet_kiosk.html", ctx, exc)
    return RedirectResponse(f"/console/fleet/kiosks/{kiosk_id}", status_code=303)


@router.get("/alerts")
def alerts(
    request: Request, session: DbSession, me: Ops, all: Annotated[int, Query(ge=0, le=1)] = 0
) -> Response:  # noqa: A002
    rows = fleet_alerts.listing(session, live_only=not all)
    codes = {k.id: k.code for k in kiosks_service.list_kiosks(session)}
    return page(
        request, me, "console/fleet_alerts.html", {"rows": rows, "codes": codes, "fl": labels, "all": all}
    )


@router.post("/alerts/{alert_id}/ack")
def acknowledge(session: DbSession, me: Ops, alert_id: IdPath) -> Response:
    fleet_alerts.acknowledge(session, me.actor, alert_id)
    return RedirectResponse("/console/fleet/alerts", status_code=303)


@router.post("/alerts/{alert_id}/ticket")
def ticket_from_alert(session: DbSession, me: Ops, alert_id: IdPath) -> Response:
    ticket = tickets.from_alert(session, me.actor, alert_id, responsible=me.user.full_name)
    return RedirectResponse(f"/console/fleet/tickets/{ticket.id}", status_code=303)
