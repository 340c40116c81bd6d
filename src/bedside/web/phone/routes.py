"""Phone pages: SMS login, the home card with the next step, patients, notices and inbox."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from bedside.accounts import service as accounts_service
from bedside.accounts.models import Relation
from bedside.accounts.sms import RemembersCodes, get_gateway
from bedside.admissions import service as admissions_service
from bedside.core.errors import DomainError
from bedside.hospital import service as hospital_service
from bedside.journeys import service as journeys_service
from bedside.kiosks import service as kiosks_service
from bedside.notifications import service as notifications_service
from bedside.patients import service as patients_service
from bedside.settings import get_settings
from bedside.web import cookies, security
from bedside.web.deps import PHONE_COOKIE, AccountUser, DbSession, IdPath, IdQuery
from bedside.web.forms import form_error
from bedside.web.phone import notifications as wechat_pages
from bedside.web.rendering import locale_of, render
from bedside.web.shared_routes import safe_next

router = APIRouter(prefix="/phone", include_in_schema=False, dependencies=[Depends(security.guard_request)])


def _demo_code(phone: str) -> str | None:
    gateway = get_gateway()
    if get_settings().demo and isinstance(gateway, RemembersCodes):
        return gateway.last_code(phone)
    return None


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:  # noqa: A002
    return render(request, "phone/login.html", {"next": safe_next(next, "/phone/"), "step": "phone"})


@router.post("/login/code")
def send_login_code(
    request: Request,
    session: DbSession,
    phone: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/phone/",
) -> Response:  # noqa: A002
    ctx: dict[str, str | None] = {"next": safe_next(next, "/phone/"), "phone": phone.strip(), "step": "phone"}
    try:
        accounts_service.send_code(session, phone, locale=locale_of(request))
    except DomainError as exc:
        return form_error(request, "phone/login.html", ctx, exc)
    ctx.update(step="code", demo_code=_demo_code(phone.strip()))
    return render(request, "phone/login.html", ctx)


@router.post("/login")
def login(
    request: Request,
    session: DbSession,
    phone: Annotated[str, Form()] = "",
    code: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/phone/",
) -> Response:  # noqa: A002
    ctx = {"next": safe_next(next, "/phone/"), "phone": phone.strip(), "step": "code"}
    try:
        _, token = accounts_service.login(session, phone, code)
    except DomainError as exc:
        return form_error(request, "phone/login.html", ctx, exc)
    security.renew_anon(request)
    response = RedirectResponse(ctx["next"], status_code=303)
    cookies.set_login(response, PHONE_COOKIE, token, get_settings().phone_session_days * 86400)
    return response


@router.post("/logout")
def logout(request: Request, session: DbSession, me: AccountUser) -> Response:
    accounts_service.logout(session, me.actor, request.cookies.get(PHONE_COOKIE))
    security.renew_anon(request)
    response = RedirectResponse("/phone/login", status_code=303)
    cookies.clear(response, PHONE_COOKIE)
    return response


@router.get("/")
def home(request: Request, session: DbSession, me: AccountUser, p: IdQuery = None) -> Response:
    if wechat_pages.should_authorize(request, session, me):
        return RedirectResponse("/phone/wechat/authorize", status_code=303)
    locale = locale_of(request)
    links = accounts_service.patients_of(session, me.account.id)
    ids = {patient.id for _, patient in links}
    current = next((pt for _, pt in links if pt.id == p), links[0][1] if links else None)
    # Read once and handed to the next-step rules, which would otherwise read them again.
    notices = admissions_service.for_patients(session, {current.id}) if current else []
    departments = {d.id: d for d in hospital_service.list_departments(session)}
    step = (
        journeys_service.for_patient(session, current.id, locale, notices=notices, departments=departments)
        if current
        else None
    )
    return render(
        request,
        "phone/home.html",
        {
            "me": me,
            "links": links,
            "current": current,
            "step": step,
            "notices": notices,
            "departments": departments,
            "patient_ids": ids,
            "unread": notifications_service.unread_count(session, me.account.id),
        },
    )


@router.get("/kiosk-code/{patient_id}")
def kiosk_code(request: Request, session: DbSession, me: AccountUser, patient_id: IdPath) -> Response:
    """A one-use QR code, valid for two minutes, that signs this patient in at a kiosk."""
    patient = accounts_service.require_patient(session, me.actor, patient_id)
    code, expires = kiosks_service.issue_phone_code(session, me.account.id, patient.id)
    return render(
        request, "phone/kiosk_code.html", {"me": me, "patient": patient, "code": code, "expires": expires}
    )


@router.get("/patients/new")
def new_patient(request: Request, me: AccountUser) -> Response:
    return render(request, "phone/patient_form.html", {"me": me, "relations": list(Relation), "form": {}})


@router.post("/patients")
def add_patient(
    request: Request,
    session: DbSession,
    me: AccountUser,
    relation: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    resident_id: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
    consent_code: Annotated[str, Form()] = "",
) -> Response:
    form = {"relation": relation, "name": name, "resident_id": resident_id, "phone": phone}
    ctx = {"me": me, "relations": list(Relation), "form": form}
    try:
        patient = accounts_service.add_patient(
            session,
            me.actor,
            relation=relation,
            name=name,
            resident_id=resident_id,
            phone=phone or None,
            consent_code=consent_code or None,
            locale=locale_of(request),
        )
    except accounts_service.ConsentRequired as exc:
        ctx["consent_needed"] = True
        ctx["demo_code"] = _demo_consent_code(session, resident_id)
        return form_error(request, "phone/patient_form.html", ctx, exc)
    except DomainError as exc:
        ctx["consent_needed"] = bool(consent_code)
        return form_error(request, "phone/patient_form.html", ctx, exc)
    return RedirectResponse(f"/phone/?p={patient.id}", status_code=303)


def _demo_consent_code(session: DbSession, resident_id: str) -> str | None:
    patient = patients_service.by_resident_id(session, resident_id.strip())
    return _demo_code(patient.phone) if patient and patient.phone else None


@router.get("/inbox")
def inbox(request: Request, session: DbSession, me: AccountUser) -> Response:
    messages = notifications_service.inbox(session, me.account.id, locale_of(request))
    return render(request, "phone/inbox.html", {"me": me, "messages": messages})


@router.post("/inbox/read")
def mark_read(session: DbSession, me: AccountUser) -> Response:
    notifications_service.mark_all_read(session, me.account.id)
    return RedirectResponse("/phone/inbox", status_code=303)
