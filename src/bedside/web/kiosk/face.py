"""Kiosk pages of face sign-in: the consent screen, the capture screen (the camera is driven by
the page through the kiosk agent; the picture is posted here, matched and dropped), enrolment
after an ID-card sign-in, and withdrawal."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel, Field
from starlette.responses import Response

from bedside.core.errors import DomainError, InvalidInput
from bedside.core.i18n import N_
from bedside.kiosks import face
from bedside.kiosks import service as kiosks_service
from bedside.settings import get_settings
from bedside.web import cookies, security
from bedside.web.deps import KIOSK_PATIENT_COOKIE, DbSession, KioskDevice, KioskPatient
from bedside.web.forms import form_error
from bedside.web.rendering import render

router = APIRouter(prefix="/kiosk", include_in_schema=False, dependencies=[Depends(security.guard_request)])

# A JPEG from the kiosk camera is well under this; base64 adds a third.
MAX_IMAGE_B64 = face.MAX_IMAGE_BYTES * 4 // 3 + 4


def _image(data: str) -> bytes:
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(N_("The camera picture is missing or too large."), code="invalid_image") from None


@router.get("/face")
def consent_page(request: Request, device: KioskDevice) -> Response:
    if not face.available(device.kiosk):
        return RedirectResponse("/kiosk/", status_code=303)
    return render(
        request,
        "kiosk/face_consent.html",
        {"kiosk": device.kiosk, "mode": "login", "version": face.CONSENT_VERSION},
    )


@router.post("/face/start")
def start(request: Request, session: DbSession, device: KioskDevice) -> Response:
    """The patient tapped "I agree": the capture screen, with a few tries."""
    ctx = {"kiosk": device.kiosk, "mode": "login", "version": face.CONSENT_VERSION}
    try:
        attempt = face.start_attempt(session, device.kiosk)
    except DomainError as exc:
        return form_error(request, "kiosk/face_consent.html", ctx, exc)
    return render(
        request,
        "kiosk/face_capture.html",
        {**ctx, "attempt": attempt, "tries": face.MAX_TRIES, "agent": bool(get_settings().kiosk_agent_url)},
    )


class FaceLoginIn(BaseModel):
    attempt: str = Field(min_length=1, max_length=100)
    image_base64: str = Field(min_length=1, max_length=MAX_IMAGE_B64)
    elderly: bool = False


class Next(BaseModel):
    redirect: str


@router.post("/face/login")
def login(body: FaceLoginIn, request: Request, session: DbSession, device: KioskDevice) -> JSONResponse:
    _, token = face.login(
        session, device.kiosk, body.attempt, _image(body.image_base64), elderly=body.elderly
    )
    security.renew_anon(request)
    response = JSONResponse(Next(redirect="/kiosk/patient").model_dump())
    cookies.set_login(response, KIOSK_PATIENT_COOKIE, token, None)
    return response


@router.get("/face/enrol")
def enrol_consent(request: Request, me: KioskPatient) -> Response:
    return render(
        request,
        "kiosk/face_consent.html",
        {"kiosk": me.kiosk, "patient": me.patient, "mode": "enrol", "version": face.CONSENT_VERSION},
    )


@router.post("/face/enrol/agree")
def enrol_agree(
    request: Request,
    session: DbSession,
    me: KioskPatient,
    agree: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    ctx = {"kiosk": me.kiosk, "patient": me.patient, "mode": "enrol", "version": face.CONSENT_VERSION}
    kind, source = kiosks_service.login_method(session, me.auth)
    if agree != face.CONSENT_VERSION:
        exc: DomainError = InvalidInput(
            N_("Please read and agree to the consent first."), code="face_consent_required", field="agree"
        )
        return form_error(request, "kiosk/face_consent.html", ctx, exc)
    if not face.may_enrol(kind, source):
        return form_error(request, "kiosk/face_consent.html", ctx, face.FaceEnrolNotAllowed())
    return render(
        request,
        "kiosk/face_capture.html",
        {**ctx, "agreed": agree, "agent": bool(get_settings().kiosk_agent_url)},
    )


class EnrolIn(BaseModel):
    agreed_version: str = Field(min_length=1, max_length=40)
    image_base64: str = Field(min_length=1, max_length=MAX_IMAGE_B64)


@router.post("/face/enrol")
def enrol(body: EnrolIn, session: DbSession, me: KioskPatient) -> Next:
    kind, source = kiosks_service.login_method(session, me.auth)
    face.enrol(
        session,
        me.kiosk,
        me.patient.id,
        _image(body.image_base64),
        login_kind=kind,
        login_source=source,
        agreed_version=body.agreed_version,
    )
    return Next(redirect="/kiosk/patient?face=enrolled")


@router.post("/face/withdraw")
def withdraw(session: DbSession, me: KioskPatient) -> Response:
    face.withdraw(session, me.actor, me.patient.id, via="kiosk")
    return RedirectResponse("/kiosk/patient?face=withdrawn", status_code=303)
