"""Kiosk pages: device activation, patient sign-in by card or number, the patient's next step."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel
from starlette.responses import Response

from bedside.admissions import service as admissions_service
from bedside.core.errors import DomainError
from bedside.hospital import service as hospital_service
from bedside.journeys import service as journeys_service
from bedside.kiosks import card_reads, face, signin
from bedside.kiosks import service as kiosks_service
from bedside.patients.models import CredentialKind
from bedside.settings import get_settings
from bedside.web import cookies, security
from bedside.web.deps import KIOSK_COOKIE, KIOSK_PATIENT_COOKIE, DbSession, KioskDevice, KioskPatient
from bedside.web.forms import form_error
from bedside.web.rendering import locale_of, render

router = APIRouter(prefix="/kiosk", include_in_schema=False, dependencies=[Depends(security.guard_request)])

LOGIN_KINDS = [k.value for k in kiosks_service.LOGIN_KINDS] + [kiosks_service.PHONE_QR]


@router.get("/activate")
def activate_page(request: Request, key: str | None = None) -> Response:
    # Prefilling from the link is a demo convenience; elsewhere the installer types the key.
    return render(request, "kiosk/activate.html", {"key": key if get_settings().demo else ""})


@router.post("/activate")
def activate(request: Request, session: DbSession, key: Annotated[str, Form()] = "") -> Response:
    try:
        kiosks_service.authenticate(session, key.strip())
    except DomainError as exc:
        return form_error(request, "kiosk/activate.html", {"key": ""}, exc)
    response = RedirectResponse("/kiosk/", status_code=303)
    cookies.set_login(response, KIOSK_COOKIE, key.strip(), 10 * 365 * 86400)
    return response


@router.get("/")
def home(request: Request, device: KioskDevice) -> Response:
    return render(request, "kiosk/home.html", {"kiosk": device.kiosk, "face": face.available(device.kiosk)})


@router.get("/login")
def login_page(request: Request, device: KioskDevice, kind: str = "resident_id") -> Response:
    if kind not in LOGIN_KINDS:
        kind = CredentialKind.RESIDENT_ID
    return render(request, "kiosk/login.html", {"kiosk": device.kiosk, "kind": kind, "kinds": LOGIN_KINDS})


@router.post("/login")
def login(
    request: Request,
    session: DbSession,
    device: KioskDevice,
    kind: Annotated[str, Form(max_length=20)] = "",
    value: Annotated[str, Form(max_length=200)] = "",
    id_last6: Annotated[str, Form(max_length=6)] = "",
    source: Annotated[str, Form(max_length=20)] = "keypad",
    read: Annotated[str, Form(max_length=card_reads.MAX_READ)] = "",
    sms_code: Annotated[str, Form(max_length=6)] = "",
    elderly: Annotated[str, Form(max_length=1)] = "",
) -> Response:
    ctx: dict[str, object] = {
        "kiosk": device.kiosk,
        "kind": kind if kind in LOGIN_KINDS else "resident_id",
        "kinds": LOGIN_KINDS,
    }
    try:
        _, token = signin.patient_login(
            session,
            device.kiosk,
            kind,
            value,
            id_last6,
            source=source,
            read=read or None,
            sms_code=sms_code,
            elderly=elderly == "1",
            locale=locale_of(request),
        )
    except signin.SmsCodeSent as sent:
        # The number stays on the page, which now asks for the code texted to the patient.
        ctx.update(code_step=True, value=value, code_sent=sent.localized(locale_of(request)))
        return render(request, "kiosk/login.html", ctx)
    except DomainError as exc:
        if sms_code:
            ctx.update(code_step=True, value=value)
        return form_error(request, "kiosk/login.html", ctx, exc)
    security.renew_anon(request)
    response = RedirectResponse("/kiosk/patient", status_code=303)
    cookies.set_login(response, KIOSK_PATIENT_COOKIE, token, None)
    return response


@router.get("/patient")
def patient_home(request: Request, session: DbSession, me: KioskPatient) -> Response:
    locale = locale_of(request)
    notices = admissions_service.for_patients(session, {me.patient.id})
    # Read once and handed to the next-step engine, which would otherwise read them again.
    departments = {d.id: d for d in hospital_service.list_departments(session)}
    kind, source = kiosks_service.login_method(session, me.auth)
    enrolled = face.enrolment_for(session, me.patient.id) is not None
    step = journeys_service.for_patient(
        session, me.patient.id, locale, notices=notices, departments=departments
    )
    return render(
        request,
        "kiosk/patient.html",
        {
            "kiosk": me.kiosk,
            "patient": me.patient,
            "step": step,
            "notices": notices,
            "departments": departments,
            "idle_seconds": get_settings().kiosk_idle_seconds,
            "face_enrolled": enrolled,
            "face_offer": not enrolled and face.available(me.kiosk) and face.may_enrol(kind, source),
            "face_notice": request.query_params.get("face"),
        },
    )


class ElderlyIn(BaseModel):
    on: bool


class ElderlyOut(BaseModel):
    idle_seconds: int


@router.post("/elderly")
def elderly_mode(body: ElderlyIn, session: DbSession, me: KioskPatient) -> ElderlyOut:
    """The page turned elderly mode on or off: the server's idle limit follows the page's."""
    kiosks_service.set_elderly(session, me.auth, body.on)
    return ElderlyOut(idle_seconds=kiosks_service.idle_seconds(body.on))


@router.post("/logout")
def logout(
    request: Request, session: DbSession, device: KioskDevice, reason: Annotated[str, Form()] = "button"
) -> Response:
    kiosks_service.patient_logout(
        session,
        device.kiosk,
        request.cookies.get(KIOSK_PATIENT_COOKIE),
        "idle" if reason == "idle" else "button",
    )
    security.renew_anon(request)
    response = RedirectResponse("/kiosk/", status_code=303)
    cookies.clear(response, KIOSK_PATIENT_COOKIE)
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response
