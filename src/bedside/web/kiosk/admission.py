"""Kiosk pages of the admission stay: what remains to do, each step the phone has (the bed
request, details and insurance in one form filled from the resident ID card, the health
questions), admission itself, and the wristband (ZPL for the wristband printer, with an
on-screen preview). Each step leads to the next one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from bedside.admissions import intake
from bedside.admissions import service as admissions_service
from bedside.admissions import stay as stay_service
from bedside.admissions.models import AdmissionNotice
from bedside.admissions.states import NoticeState
from bedside.core.clock import local_today
from bedside.core.errors import DomainError, InvalidInput
from bedside.core.i18n import N_
from bedside.documents import wristband as wristband_doc
from bedside.hospital import service as hospital_service
from bedside.settings import get_settings
from bedside.web import security, wristbands
from bedside.web.deps import DbSession, IdPath, KioskPatient
from bedside.web.forms import FormFields, form_error
from bedside.web.rendering import render

router = APIRouter(prefix="/kiosk", include_in_schema=False, dependencies=[Depends(security.guard_request)])
INSURANCE_TYPES = intake.INSURANCE_TYPES


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


def _next_step(ctx: dict[str, Any]) -> str | None:
    """The patient's next form at this kiosk, or None when the stay page itself is next."""
    notice, ready = ctx["notice"], ctx["ready"]
    if ctx["blockers"] or notice.state not in stay_service.EDITABLE:
        return None
    if not (ready.details and ready.insurance):
        return f"/kiosk/stays/{notice.id}/details"
    if not ready.assessments:
        return f"/kiosk/stays/{notice.id}/assessment"
    if not ready.deposit:
        return f"/kiosk/deposit/{notice.id}"
    return None


@router.get("/stays/{notice_id}")
def stay_page(
    request: Request, session: DbSession, me: KioskPatient, notice_id: IdPath, overview: str = ""
) -> Response:
    ctx = _ctx(session, me, notice_id)
    step = _next_step(ctx)
    if step and not overview and not step.startswith("/kiosk/deposit"):
        return RedirectResponse(step, status_code=303)  # nothing to choose here: start the form
    ctx["next_url"] = step
    return render(request, "kiosk/stay.html", ctx)


def _details_ctx(
    session: DbSession, me: KioskPatient, notice_id: int, form: dict[str, str]
) -> dict[str, Any]:
    ctx = _ctx(session, me, notice_id)
    notice = ctx["notice"]
    saved = stay_service.details(session, notice.id)
    base = {k: str(getattr(saved, k) or "") for k in stay_service.DetailsIn.model_fields} if saved else {}
    ctx.update(
        form={
            "earliest_date": max(notice.expected_date, local_today()).isoformat(),
            "room_preference": "any",
            "insurance_type": notice.insurance_type or "",
            **base,
            **form,
        },
        ask_bed=notice.state == NoticeState.ISSUED,
        rooms=stay_service.ROOM_PREFERENCES,
        relations=stay_service.RELATIONS,
        marital=stay_service.MARITAL,
    )
    return ctx


@router.get("/stays/{notice_id}/details")
def details_page(request: Request, session: DbSession, me: KioskPatient, notice_id: IdPath) -> Response:
    return render(request, "kiosk/admission_details.html", _details_ctx(session, me, notice_id, {}))


@router.post("/stays/{notice_id}/details")
def save_details(
    request: Request, session: DbSession, me: KioskPatient, notice_id: IdPath, form: FormFields
) -> Response:
    ctx = _details_ctx(session, me, notice_id, form)
    try:
        card = form.get("card_resident_id", "").strip().upper()
        if card and card != (me.patient.resident_id or "").upper():
            raise InvalidInput(
                N_("The ID card on the reader is not the signed-in patient's."),
                code="id_card_not_patient",
            )
        intake.save_intake(session, me.actor, notice_id, form)
    except DomainError as exc:
        session.rollback()
        return form_error(request, "kiosk/admission_details.html", ctx, exc)
    return _onwards(session, me, notice_id)


def _onwards(session: DbSession, me: KioskPatient, notice_id: int) -> Response:
    step = _next_step(_ctx(session, me, notice_id))
    return RedirectResponse(step or f"/kiosk/stays/{notice_id}?overview=1", status_code=303)


def _assessment_ctx(
    session: DbSession, me: KioskPatient, notice_id: int, form: dict[str, str]
) -> dict[str, Any]:
    ctx = _ctx(session, me, notice_id)
    ctx.update(questionnaires=intake.questions(me.patient), form=form)
    return ctx


@router.get("/stays/{notice_id}/assessment")
def assessment_page(request: Request, session: DbSession, me: KioskPatient, notice_id: IdPath) -> Response:
    return render(request, "kiosk/assessment.html", _assessment_ctx(session, me, notice_id, {}))


@router.post("/stays/{notice_id}/assessment")
def save_assessment(
    request: Request, session: DbSession, me: KioskPatient, notice_id: IdPath, form: FormFields
) -> Response:
    ctx = _assessment_ctx(session, me, notice_id, form)
    try:
        intake.save_answers(
            session, me.actor, notice_id, me.patient, form, none_apply=form.get("none_apply") == "1"
        )
    except DomainError as exc:
        session.rollback()
        return form_error(request, "kiosk/assessment.html", ctx, exc)
    return _onwards(session, me, notice_id)


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
    return _onwards(session, me, notice_id)


@router.post("/stays/{notice_id}/admit")
def admit(request: Request, session: DbSession, me: KioskPatient, notice_id: IdPath) -> Response:
    """Also where the first deposit's "continue" leads: a stay not ready yet shows what is left."""
    notice = _notice(session, me, notice_id)
    if notice.state not in (NoticeState.REGISTERED, NoticeState.ADMITTED):
        session.commit()
        return RedirectResponse(f"/kiosk/stays/{notice_id}?overview=1", status_code=303)
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
    ctx["printer"] = wristbands.printer_state(session, me.kiosk)
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
