"""JSON API for kiosk devices (authenticated by the X-Kiosk-Key header)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from bedside.web.deps import KioskDevice

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
