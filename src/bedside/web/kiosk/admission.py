"""Kiosk pages of the admission stay: what remains to do, choosing the insurance, admission
itself, and the wristband (ZPL for the wristband printer, with an on-screen preview)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from bedside.admissions import service as admissions_service
from bedside.admissions import stay as stay_service
from bedside.admissions.models import AdmissionNotice
from bedside.core.errors import DomainError
from bedside.documents import wristband as wristband_doc
from bedside.hospital import service as hospital_service
from bedside.settings import get_settings
from bedside.web import security, wristbands
from bedside.web.deps import DbSession, IdPath, KioskPatient
from bedside.web.forms import form_error
from bedside.web.rendering import render

router = APIRouter(prefix="/kiosk", include_in_schema=False, dependencies=[Depends(security.guard_request)])
INSURANCE_TYPES = ("self_pay", "employee", "resident", "out_of_region", "commercial")


def _notice(session: DbSession, me: KioskPatient, notice_id: int) -> AdmissionNotice:
    return admissions_service.get_for_patients(session, notice_id, {me.patient.id})


def _ctx(session: DbSession, me: KioskPatient, notice_id: int) -> dict[str, Any]:
    notice = _notice(session, me, notice_id)
    bed = hospital_service.get_bed(session, notice.bed_id) if notice.bed_id else None
    ctx = {
        "kiosk": me.kiosk,
        "patient": me.patient,
        "idle_seconds": get_settings().kiosk_idle_seconds,
        "notice": notice,
        "ready": stay_service.readiness(session, notice),
        "blockers": stay_service.blockers(session, notice),
        "bed": bed,
        "ward": hospital_service.get_ward(session, bed.ward_id) if bed else None,
        "insurance_types": INSURANCE_TYPES,
        "phone_url": f"{get_settings().base_url}/phone/notices/{notice.id}",
    }
    session.commit()
    return ctx


@router.get("/stays/{notice_id}")
def stay_page(request: Request, session: DbSession, me: KioskPatient, notice_id: IdPath) -> Response:
    return render(request, "kiosk/stay.html", _ctx(session, me, notice_id))


@router.post("/stays/{notice_id}/insurance")
def insurance(
    request: Request,
    session: DbSession,
    me: KioskPatient,
    notice_id: IdPath,
    insurance_type: Annotated[str, Form()] = "",
) -> Response:
    _notice(session, me, notice_id)
    try:
        stay_service.choose_insurance(session, me.actor, notice_id, insurance_type, None)
    except DomainError as exc:
        session.rollback()
        return form_error(request, "kiosk/stay.html", _ctx(session, me, notice_id), exc)
    return RedirectResponse(f"/kiosk/stays/{notice_id}", status_code=303)


@router.post("/stays/{notice_id}/admit")
def admit(request: Request, session: DbSession, me: KioskPatient, notice_id: IdPath) -> Response:
    _notice(session, me, notice_id)
    try:
        stay_service.admit(session, me.actor, notice_id)
    except DomainError as exc:
        session.rollback()
        return form_error(request, "kiosk/stay.html", _ctx(session, me, notice_id), exc)
    return RedirectResponse(f"/kiosk/stays/{notice_id}/wristband", status_code=303)


@router.get("/stays/{notice_id}/wristband")
def wristband_page(request: Request, session: DbSession, me: KioskPatient, notice_id: IdPath) -> Response:
    ctx = _ctx(session, me, notice_id)
    ctx["band"] = wristbands.wristband_for(session, ctx["notice"])
    return render(request, "kiosk/wristband.html", ctx)


@router.get("/stays/{notice_id}/wristband.zpl")
def wristband_zpl(session: DbSession, me: KioskPatient, notice_id: IdPath) -> Response:
    """What the kiosk agent sends to the wristband printer."""
    band = wristbands.downloaded(session, me.actor, _notice(session, me, notice_id), "zpl")
    return Response(wristband_doc.wristband_zpl(band), media_type="text/plain; charset=utf-8")


@router.get("/stays/{notice_id}/wristband.png")
def wristband_png(session: DbSession, me: KioskPatient, notice_id: IdPath) -> Response:
    band = wristbands.downloaded(session, me.actor, _notice(session, me, notice_id), "png")
    return Response(wristband_doc.wristband_preview_png(band), media_type="image/png")
