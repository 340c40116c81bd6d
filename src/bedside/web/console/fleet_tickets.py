"""Repair tickets in the fleet console: the list, opening one by hand, its steps, a spare
standing in, a printable label for the machine in repair; the on-call list."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from bedside.core import images
from bedside.core.errors import DomainError
from bedside.fleet import alerts as fleet_alerts
from bedside.fleet import labels, photos, tickets
from bedside.fleet import service as fleet_service
from bedside.fleet.states import TICKET_MACHINE, TicketState
from bedside.kiosks import service as kiosks_service
from bedside.staff import service as staff_service
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


def _list_ctx(session: DbSession) -> dict[str, Any]:
    return {
        "rows": tickets.listing(session),
        "kiosks": kiosks_service.list_kiosks(session),
        "codes": {k.id: k.code for k in kiosks_service.list_kiosks(session)},
        "fl": labels,
        "fault_classes": tickets.FAULT_CLASSES,
        "form": {},
    }


@router.get("/tickets")
def ticket_list(request: Request, session: DbSession, me: Ops) -> Response:
    return page(request, me, "console/fleet_tickets.html", _list_ctx(session))


@router.post("/tickets")
def open_ticket(
    request: Request,
    session: DbSession,
    me: Ops,
    kiosk_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
    fault: Annotated[str, Form(max_length=400)] = "",
    fault_class: Annotated[str, Form(max_length=20)] = "",
    responsible: Annotated[str, Form(max_length=50)] = "",
) -> Response:
    try:
        ticket = tickets.open_ticket(
            session,
            me.actor,
            kiosk_id,
            fault=fault,
            fault_class=fault_class,
            responsible=responsible or me.user.full_name,
        )
    except DomainError as exc:
        session.rollback()
        ctx = {**_list_ctx(session), **_chrome(request, me)}
        ctx["form"] = {
            "kiosk_id": kiosk_id,
            "fault": fault,
            "fault_class": fault_class,
            "responsible": responsible,
        }
        return form_error(request, "console/fleet_tickets.html", ctx, exc)
    return RedirectResponse(f"/console/fleet/tickets/{ticket.id}", status_code=303)


def _ticket_ctx(session: DbSession, ticket_id: int) -> dict[str, Any]:
    ticket = tickets.get(session, ticket_id)
    kiosks = {k.id: k for k in kiosks_service.list_kiosks(session)}
    spares = [
        v.kiosk
        for v in fleet_service.fleet(session)
        if v.place.spare and not v.place.out_of_service and v.kiosk.id != ticket.kiosk_id
    ]
    return {
        "t": ticket,
        "kiosk": kiosks[ticket.kiosk_id],
        "kiosks": kiosks,
        "steps": tickets.steps(session, ticket_id),
        "stand_ins": tickets.stand_ins(session, ticket_id),
        "spares": spares,
        "actions": TICKET_MACHINE.allowed(TicketState(ticket.state)),
        "minutes": tickets.repair_minutes(ticket),
        "photos": photos.listing(session, ticket_id),
        "fl": labels,
        "form": {},
    }


@router.get("/tickets/{ticket_id}")
def ticket(request: Request, session: DbSession, me: Ops, ticket_id: IdPath) -> Response:
    return page(request, me, "console/fleet_ticket.html", _ticket_ctx(session, ticket_id))


@router.get("/tickets/{ticket_id}/label")
def label(request: Request, session: DbSession, me: Ops, ticket_id: IdPath) -> Response:
    """A label to stick on the machine in repair: which kiosk, which ticket, since when."""
    return render(
        request, "console/fleet_label.html", {**_chrome(request, me), **_ticket_ctx(session, ticket_id)}
    )


@router.post("/tickets/{ticket_id}/act")
def act(
    request: Request,
    session: DbSession,
    me: Ops,
    ticket_id: IdPath,
    action: Annotated[str, Form(max_length=20)] = "",
    note: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    try:
        tickets.act(session, me.actor, ticket_id, action, note)
    except DomainError as exc:
        session.rollback()
        ctx = {**_ticket_ctx(session, ticket_id), **_chrome(request, me)}
        return form_error(request, "console/fleet_ticket.html", ctx, exc)
    return RedirectResponse(f"/console/fleet/tickets/{ticket_id}", status_code=303)


@router.post("/tickets/{ticket_id}/stand-in")
def stand_in(
    request: Request,
    session: DbSession,
    me: Ops,
    ticket_id: IdPath,
    spare_kiosk_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
) -> Response:
    try:
        tickets.stand_in(session, me.actor, ticket_id, spare_kiosk_id)
    except DomainError as exc:
        session.rollback()
        ctx = {**_ticket_ctx(session, ticket_id), **_chrome(request, me)}
        return form_error(request, "console/fleet_ticket.html", ctx, exc)
    return RedirectResponse(f"/console/fleet/tickets/{ticket_id}", status_code=303)


@router.post("/tickets/{ticket_id}/photos")
def add_photo(
    request: Request,
    session: DbSession,
    me: Ops,
    ticket_id: IdPath,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    try:
        data = file.file.read(images.MAX_BYTES + 1) if file is not None else b""
        photos.add(session, me.actor, ticket_id, data)
    except DomainError as exc:
        session.rollback()
        ctx = {**_ticket_ctx(session, ticket_id), **_chrome(request, me)}
        return form_error(request, "console/fleet_ticket.html", ctx, exc)
    return RedirectResponse(f"/console/fleet/tickets/{ticket_id}#photos", status_code=303)


@router.get("/tickets/{ticket_id}/photos/{photo_id}")
def photo(session: DbSession, me: Ops, ticket_id: IdPath, photo_id: IdPath) -> Response:
    row = photos.content(session, ticket_id, photo_id)
    body, kind = row.content, row.content_type
    session.commit()
    return Response(body, media_type=kind, headers={"Cache-Control": "private, no-store"})


def _on_call_ctx(session: DbSession) -> dict[str, Any]:
    staff = {u.id: u for u in staff_service.list_users(session)}
    engineers = [u for u in staff.values() if Role.OPS_ENGINEER in u.roles]
    return {"rows": fleet_alerts.on_call(session), "staff": staff, "engineers": engineers, "form": {}}


@router.get("/on-call")
def on_call(request: Request, session: DbSession, me: Ops) -> Response:
    return page(request, me, "console/fleet_on_call.html", _on_call_ctx(session))


@router.post("/on-call")
def set_on_call(
    request: Request,
    session: DbSession,
    me: Ops,
    staff_user_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
    phone: Annotated[str, Form(max_length=20)] = "",
    level: Annotated[int, Form(ge=1, le=2)] = 1,
    active: Annotated[str, Form(max_length=1)] = "1",
) -> Response:
    try:
        fleet_alerts.set_on_call(session, me.actor, staff_user_id, phone, level, active == "1")
    except DomainError as exc:
        session.rollback()
        ctx = {**_on_call_ctx(session), **_chrome(request, me)}
        ctx["form"] = {"staff_user_id": staff_user_id, "phone": phone, "level": level}
        return form_error(request, "console/fleet_on_call.html", ctx, exc)
    return RedirectResponse("/console/fleet/on-call", status_code=303)
