"""JSON API of fleet operations: the fleet and its alerts for the ops engineers' phones and
tools, and the kiosk's own "report a fault" (by its device key)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from bedside.fleet import alerts as fleet_alerts
from bedside.fleet import commands, service, tickets
from bedside.staff.roles import Role
from bedside.web import security
from bedside.web.deps import DbSession, IdPath, KioskDevice, StaffContext, staff_with
from bedside.web.problems import API_ERRORS, problem_responses

router = APIRouter(
    prefix="/api/v1/fleet",
    tags=["fleet"],
    dependencies=[Depends(security.guard_request)],
    responses=problem_responses(*API_ERRORS),
)
kiosk_router = APIRouter(
    prefix="/api/v1/kiosk",
    tags=["kiosk"],
    dependencies=[Depends(security.refuse_control_characters)],
    responses=problem_responses(*API_ERRORS),
)
Ops = Annotated[StaffContext, staff_with(Role.OPS_ENGINEER)]


class KioskStateOut(BaseModel):
    id: int
    code: str
    campus: str
    building: str
    floor: str
    area: str
    model: str
    state: str
    software_version: str | None
    last_report_at: datetime | None
    last_error: str | None
    modules: dict[str, str]
    consumables: dict[str, int]
    runs_out_at: dict[str, datetime | None]
    transactions_today: int
    live_alerts: int


@router.get("/kiosks")
def kiosks(session: DbSession, me: Ops) -> list[KioskStateOut]:
    return [
        KioskStateOut(
            id=v.kiosk.id,
            code=v.kiosk.code,
            campus=v.place.campus,
            building=v.place.building,
            floor=v.place.floor,
            area=v.place.area,
            model=v.kiosk.model,
            state=v.state,
            software_version=v.status.software_version if v.status else None,
            last_report_at=v.status.received_at if v.status else None,
            last_error=v.status.last_error if v.status else None,
            modules={str(m.get("kind")): str(m.get("state")) for m in (v.status.modules if v.status else [])},
            consumables=dict(v.status.consumables) if v.status else {},
            runs_out_at=v.run_out,
            transactions_today=v.today,
            live_alerts=v.live_alerts,
        )
        for v in service.fleet(session)
    ]


class AlertOut(BaseModel):
    id: int
    kiosk_id: int
    rule: str
    subject: str
    severity: str
    state: str
    raised_at: datetime
    acknowledged_at: datetime | None
    escalated_at: datetime | None
    resolved_at: datetime | None

    model_config = {"from_attributes": True}


@router.get("/alerts")
def alerts(session: DbSession, me: Ops) -> list[AlertOut]:
    return [AlertOut.model_validate(a) for a in fleet_alerts.listing(session)]


@router.post("/alerts/{alert_id}/ack")
def acknowledge(alert_id: IdPath, session: DbSession, me: Ops) -> AlertOut:
    return AlertOut.model_validate(fleet_alerts.acknowledge(session, me.actor, alert_id))


class FaultIn(BaseModel):
    fault: str = Field(min_length=1, max_length=400)
    fault_class: str = Field(default="other", max_length=20)


class TicketOut(BaseModel):
    id: int
    state: str
    sla_due_at: datetime


@router.post("/alerts/{alert_id}/ticket", status_code=201)
def ticket_from_alert(alert_id: IdPath, session: DbSession, me: Ops) -> TicketOut:
    t = tickets.from_alert(session, me.actor, alert_id, responsible=me.user.full_name)
    return TicketOut(id=t.id, state=t.state, sla_due_at=t.sla_due_at)


@kiosk_router.post("/faults", status_code=201)
def report_fault(body: FaultIn, session: DbSession, device: KioskDevice) -> TicketOut:
    """The kiosk's "report a fault" button: a repair ticket for this kiosk."""
    t = tickets.open_ticket(
        session, device.actor, device.kiosk.id, fault=body.fault, fault_class=body.fault_class, source="kiosk"
    )
    return TicketOut(id=t.id, state=t.state, sla_due_at=t.sla_due_at)


class CommandOut(BaseModel):
    id: int
    action: str


class CommandResultIn(BaseModel):
    ok: bool
    detail: str = Field(default="", max_length=300)
    # A screenshot's PNG, base64: at most 4 MB decoded.
    screenshot_png_b64: str | None = Field(default=None, max_length=6 * 1024 * 1024)


@kiosk_router.get("/commands")
def pending_commands(session: DbSession, device: KioskDevice) -> list[CommandOut]:
    """The agent's round: the remote actions waiting for this kiosk (now marked sent)."""
    return [CommandOut(id=c.id, action=c.action) for c in commands.for_agent(session, device.kiosk.id)]


@kiosk_router.post("/commands/{command_id}/result")
def command_result(
    command_id: IdPath, body: CommandResultIn, session: DbSession, device: KioskDevice
) -> CommandOut:
    c = commands.answer(session, device.kiosk.id, command_id, body.ok, body.detail, body.screenshot_png_b64)
    return CommandOut(id=c.id, action=c.action)
