"""JSON API for kiosk devices (authenticated by the X-Kiosk-Key header)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from bedside.kiosks import telemetry
from bedside.web import security
from bedside.web.deps import DbSession, KioskDevice
from bedside.web.problems import API_ERRORS, problem_responses

router = APIRouter(
    prefix="/api/v1/kiosk",
    tags=["kiosk"],
    dependencies=[Depends(security.refuse_control_characters)],
    responses=problem_responses(*API_ERRORS),
)


class KioskOut(BaseModel):
    id: int
    code: str
    name: str
    location: str
    modules: list[str]


@router.get("/me")
def whoami(device: KioskDevice) -> KioskOut:
    k = device.kiosk
    return KioskOut(id=k.id, code=k.code, name=k.name, location=k.location, modules=list(k.modules))


class TelemetryOut(BaseModel):
    status: str


@router.post("/telemetry")
def report(body: telemetry.TelemetryIn, session: DbSession, device: KioskDevice) -> TelemetryOut:
    """The kiosk agent's report, every 30 seconds."""
    status = telemetry.record(session, device.kiosk, body)
    return TelemetryOut(status=telemetry.overall(status))
