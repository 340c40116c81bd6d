"""JSON API for kiosk devices (authenticated by the X-Kiosk-Key header)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from bedside.kiosks import telemetry
from bedside.web.deps import DbSession, KioskDevice

router = APIRouter(prefix="/api/v1/kiosk", tags=["kiosk"])


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
