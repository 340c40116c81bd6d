"""The kiosk and fleet operations: what the page asks the server every 30 seconds (whether the
engineer took the kiosk out of service: the screen then says so, with the reason and where to
go instead; whether the page was asked to reload), and the kiosk's "report a fault" button."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from bedside.core.errors import DomainError
from bedside.fleet import commands, labels, tickets
from bedside.fleet import service as fleet_service
from bedside.web import security
from bedside.web.deps import DbSession, KioskDevice
from bedside.web.forms import form_error
from bedside.web.rendering import render

router = APIRouter(prefix="/kiosk", include_in_schema=False, dependencies=[Depends(security.guard_request)])


@router.get("/service-state")
def service_state(request: Request, session: DbSession, device: KioskDevice) -> Response:
    if commands.for_page(session, device.kiosk.id):
        return Response(status_code=200, headers={"HX-Refresh": "true"})
    out, reason = fleet_service.out_of_service(session, device.kiosk.id)
    session.commit()
    response = render(request, "kiosk/service_state.html", {"out": out, "reason": reason})
    response.headers["Cache-Control"] = "no-store"
    return response


def _fault_ctx(device: KioskDevice) -> dict[str, Any]:
    return {"kiosk": device.kiosk, "classes": tickets.KIOSK_FAULT_CLASSES, "fl": labels, "form": {}}


@router.get("/fault")
def fault_form(request: Request, device: KioskDevice) -> Response:
    return render(request, "kiosk/fault.html", _fault_ctx(device))


@router.post("/fault")
def report_fault(
    request: Request,
    session: DbSession,
    device: KioskDevice,
    fault_class: Annotated[str, Form(max_length=20)] = "",
    fault: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    try:
        ticket = tickets.report_from_kiosk(session, device.actor, device.kiosk.id, fault_class, fault)
    except DomainError as exc:
        session.rollback()
        ctx = {**_fault_ctx(device), "form": {"fault_class": fault_class, "fault": fault}}
        return form_error(request, "kiosk/fault.html", ctx, exc)
    return render(request, "kiosk/fault.html", {**_fault_ctx(device), "reported": ticket.id})
