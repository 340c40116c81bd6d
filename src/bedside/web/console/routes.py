"""Console pages: login, overview, admission notices, patients, wards, kiosks, staff, audit."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.responses import Response

from bedside.admissions import service as admissions_service
from bedside.admissions.models import AdmissionNotice
from bedside.admissions.schemas import NoticeIn
from bedside.admissions.states import AdmissionKind, Priority
from bedside.core import audit
from bedside.core.clock import local_today
from bedside.core.errors import DomainError, InvalidInput
from bedside.core.i18n import N_
from bedside.hospital import service as hospital_service
from bedside.kiosks import service as kiosks_service
from bedside.kiosks import telemetry as kiosk_telemetry
from bedside.patients import service as patients_service
from bedside.settings import get_settings
from bedside.staff import service as staff_service
from bedside.staff.roles import PATIENT_DATA_ROLES, Role
from bedside.web import cookies, security
from bedside.web.console.nav import for_roles
from bedside.web.deps import (
    STAFF_COOKIE,
    DbSession,
    Flag,
    IdPath,
    IdQuery,
    InScope,
    SearchText,
    Staff,
    StaffContext,
    StaffScope,
    staff_with,
)
from bedside.web.forms import form_error
from bedside.web.rendering import render
from bedside.web.shared_routes import safe_next

router = APIRouter(prefix="/console", include_in_schema=False, dependencies=[Depends(security.guard_request)])

Doctor = Annotated[StaffContext, staff_with(Role.DOCTOR)]
Admin = Annotated[StaffContext, staff_with(Role.ADMIN)]
KioskAdmin = Annotated[StaffContext, staff_with(Role.ADMIN, Role.OPS_ENGINEER)]
PatientStaff = Annotated[StaffContext, staff_with(*PATIENT_DATA_ROLES)]
NoticeStaff = Annotated[StaffContext, staff_with(Role.DOCTOR, Role.ADMISSION_CENTER, Role.ADMIN, Role.NURSE)]


def _chrome(request: Request, me: StaffContext) -> dict[str, Any]:
    return {"me": me, "nav": for_roles(me.actor.roles), "path": request.url.path}


def page(
    request: Request, me: StaffContext, name: str, ctx: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    return render(request, name, {**_chrome(request, me), **(ctx or {})}, status_code=status_code)


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:  # noqa: A002
    return render(request, "console/login.html", {"next": safe_next(next, "/console/")})


@router.post("/login")
def login(
    request: Request,
    session: DbSession,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/console/",
) -> Response:  # noqa: A002
    ctx = {"next": safe_next(next, "/console/"), "username": username}
    try:
        _, token = staff_service.login(session, username, password)
    except DomainError as exc:
        return form_error(request, "console/login.html", ctx, exc)
    security.renew_anon(request)
    response = RedirectResponse(ctx["next"], status_code=303)
    cookies.set_login(response, STAFF_COOKIE, token, get_settings().staff_session_hours * 3600)
    return response


@router.post("/logout")
def logout(request: Request, session: DbSession, me: Staff) -> Response:
    staff_service.logout(session, me.actor, request.cookies.get(STAFF_COOKIE))
    security.renew_anon(request)
    response = RedirectResponse("/console/login", status_code=303)
    cookies.clear(response, STAFF_COOKIE)
    return response


@router.get("/")
def overview(request: Request, session: DbSession, me: Staff) -> Response:
    return page(
        request,
        me,
        "console/overview.html",
        {
            "hospital": hospital_service.get_hospital(session),
            "totals": hospital_service.bed_totals(session),
            "departments": hospital_service.list_departments(session),
        },
    )


# --- admission notices -------------------------------------------------------------------


def _notice_form_ctx(session: DbSession, form: dict[str, Any], patient: Any = None) -> dict[str, Any]:
    return {
        "form": form,
        "patient": patient,
        "kinds": list(AdmissionKind),
        "priorities": list(Priority),
        "departments": hospital_service.list_departments(session),
        "today": local_today().isoformat(),
    }


@router.get("/notices")
def notices(
    request: Request, session: DbSession, me: NoticeStaff, scope: StaffScope, q: SearchText = ""
) -> Response:
    rows = admissions_service.recent_for_staff(
        session,
        me.actor,
        q=q,
        where=scope.clause(
            AdmissionNotice.ward_id, AdmissionNotice.department_id, AdmissionNotice.issued_by_id
        ),
    )
    patients = {p.id: p for p in (patients_service.get(session, n.patient_id) for n in rows)}
    return page(
        request,
        me,
        "console/notices.html",
        {
            "notices": rows,
            "patients": patients,
            "departments": {d.id: d for d in hospital_service.list_departments(session)},
            "q": q,
        },
    )


@router.get("/notices/new")
def new_notice(request: Request, session: DbSession, me: Doctor, patient_id: IdQuery = None) -> Response:
    patient = (
        patients_service.read_for_staff(session, me.actor, patient_id, "admission_notice")
        if patient_id
        else None
    )
    form = {
        "department_id": me.user.department_id,
        "expected_date": (local_today() + timedelta(days=1)).isoformat(),
    }  # noqa: DTZ011
    return page(request, me, "console/notice_form.html", _notice_form_ctx(session, form, patient))


@router.post("/notices")
def create_notice(
    request: Request,
    session: DbSession,
    me: Doctor,
    patient_id: Annotated[str, Form()] = "",
    department_id: Annotated[str, Form()] = "",
    diagnosis: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "elective",
    priority: Annotated[str, Form()] = "routine",
    expected_date: Annotated[str, Form()] = "",
    order_package: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    green_channel: Annotated[str, Form()] = "",
) -> Response:
    form = {
        "green_channel": green_channel == "1",
        "patient_id": patient_id,
        "department_id": department_id,
        "diagnosis": diagnosis,
        "kind": kind,
        "priority": priority,
        "expected_date": expected_date,
        "order_package": order_package,
        "note": note,
    }
    patient = None
    try:
        cmd = NoticeIn.model_validate({**form, "order_package": order_package or None, "note": note or None})
        patient = patients_service.get(session, cmd.patient_id)
        notice = admissions_service.issue(session, me.actor, cmd)
    except ValidationError as exc:
        field = str(exc.errors()[0]["loc"][0]) if exc.errors() else None
        err = InvalidInput(
            N_("Some of the information entered is not valid: %(fields)s"),
            code="validation_error",
            params={"fields": field or ""},
            field=field,
        )
        return form_error(
            request,
            "console/notice_form.html",
            {**_notice_form_ctx(session, form, patient), **_chrome(request, me)},
            err,
        )
    except DomainError as exc:
        return form_error(
            request,
            "console/notice_form.html",
            {**_notice_form_ctx(session, form, patient), **_chrome(request, me)},
            exc,
        )
    return RedirectResponse(f"/console/notices?issued={notice.id}", status_code=303)


@router.post("/notices/{notice_id}/cancel", dependencies=[InScope])
def cancel_notice(
    session: DbSession, me: NoticeStaff, notice_id: IdPath, reason: Annotated[str, Form()] = ""
) -> Response:
    admissions_service.cancel(session, me.actor, notice_id, reason)
    return RedirectResponse("/console/notices", status_code=303)


# --- patients ----------------------------------------------------------------------------


@router.get("/patients")
def patients(request: Request, session: DbSession, me: PatientStaff, q: str = "", pick: Flag = 0) -> Response:
    found = patients_service.search_for_staff(session, me.actor, q) if q else []
    template = (
        "console/patient_results.html" if request.headers.get("hx-request") else "console/patients.html"
    )
    return page(request, me, template, {"q": q, "found": found, "pick": bool(pick)})


@router.get("/patients/new")
def new_patient(request: Request, me: PatientStaff) -> Response:
    return page(request, me, "console/patient_form.html", {"form": {}})


@router.post("/patients")
def create_patient(
    request: Request,
    session: DbSession,
    me: PatientStaff,
    name: Annotated[str, Form()] = "",
    resident_id: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
    visit_card: Annotated[str, Form()] = "",
    insurance_card: Annotated[str, Form()] = "",
) -> Response:
    form = {
        "name": name,
        "resident_id": resident_id,
        "phone": phone,
        "visit_card": visit_card,
        "insurance_card": insurance_card,
    }
    cards = {
        k: v.strip() for k, v in (("visit_card", visit_card), ("insurance_card", insurance_card)) if v.strip()
    }
    try:
        patient = patients_service.register(
            session, me.actor, name=name, resident_id=resident_id, phone=phone or None, cards=cards
        )
    except DomainError as exc:
        return form_error(request, "console/patient_form.html", {"form": form, **_chrome(request, me)}, exc)
    return RedirectResponse(f"/console/patients/{patient.id}", status_code=303)


@router.get("/patients/{patient_id}")
def patient_detail(
    request: Request, session: DbSession, me: PatientStaff, patient_id: IdPath, reveal: Flag = 0
) -> Response:
    patient = patients_service.read_for_staff(session, me.actor, patient_id, "reveal" if reveal else "view")
    return page(
        request,
        me,
        "console/patient.html",
        {
            "patient": patient,
            "reveal": bool(reveal),
            "cards": patients_service.credentials(session, patient.id),
            "notices": admissions_service.for_patients(session, {patient.id}),
            "departments": {d.id: d for d in hospital_service.list_departments(session)},
        },
    )


# --- wards, kiosks, staff, audit ---------------------------------------------------------


@router.get("/wards")
def wards(
    request: Request,
    session: DbSession,
    me: Annotated[
        StaffContext, staff_with(Role.ADMISSION_CENTER, Role.NURSE, Role.ADMIN, Role.MANAGER, Role.DOCTOR)
    ],
) -> Response:
    return page(
        request,
        me,
        "console/wards.html",
        {
            "wards": hospital_service.ward_summaries(session),
            "totals": hospital_service.bed_totals(session),
            "can_set_wards": me.actor.has_role(Role.ADMIN, Role.MANAGER, Role.NURSE),
        },
    )


@router.get("/kiosks")
def kiosks(request: Request, session: DbSession, me: KioskAdmin) -> Response:
    return page(
        request,
        me,
        "console/kiosks.html",
        {
            "kiosks": kiosks_service.list_kiosks(session),
            "modules": kiosks_service.MODULES,
            "form": {},
            "status": kiosk_telemetry.latest(session),
            "overall": kiosk_telemetry.overall,
        },
    )


@router.post("/kiosks")
def register_kiosk(
    request: Request,
    session: DbSession,
    me: Admin,
    code: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    location: Annotated[str, Form()] = "",
    model: Annotated[str, Form()] = "",
    serial: Annotated[str, Form()] = "",
    modules: Annotated[list[str] | None, Form()] = None,
) -> Response:
    form = {
        "code": code,
        "name": name,
        "location": location,
        "model": model,
        "serial": serial,
        "modules": modules or [],
    }
    ctx = {
        "kiosks": kiosks_service.list_kiosks(session),
        "modules": kiosks_service.MODULES,
        "form": form,
        "status": kiosk_telemetry.latest(session),
        "overall": kiosk_telemetry.overall,
        **_chrome(request, me),
    }
    try:
        kiosk, key = kiosks_service.register(
            session,
            me.actor,
            code=code,
            name=name,
            location=location,
            model=model,
            serial=serial,
            modules=modules or [],
        )
    except DomainError as exc:
        return form_error(request, "console/kiosks.html", ctx, exc)
    ctx.update(kiosks=kiosks_service.list_kiosks(session), new_kiosk=kiosk, new_key=key, form={})
    return render(request, "console/kiosks.html", ctx, status_code=201)


@router.get("/staff")
def staff_list(request: Request, session: DbSession, me: Admin) -> Response:
    return page(
        request,
        me,
        "console/staff.html",
        {
            "users": staff_service.list_users(session),
            "roles": list(Role),
            "form": {},
            "departments": hospital_service.list_departments(session),
            "wards": hospital_service.list_wards(session),
        },
    )


@router.post("/staff")
def create_staff(
    request: Request,
    session: DbSession,
    me: Admin,
    username: Annotated[str, Form()] = "",
    full_name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    roles: Annotated[list[str] | None, Form()] = None,
    department_id: Annotated[str, Form()] = "",
    ward_id: Annotated[str, Form()] = "",
) -> Response:
    form = {
        "username": username,
        "full_name": full_name,
        "roles": roles or [],
        "department_id": department_id,
        "ward_id": ward_id,
    }
    try:
        staff_service.create_user(
            session,
            me.actor,
            username=username,
            full_name=full_name,
            password=password,
            roles=roles or [],
            department_id=int(department_id) if department_id.isdigit() else None,
            ward_id=int(ward_id) if ward_id.isdigit() else None,
        )
    except DomainError as exc:
        return form_error(
            request,
            "console/staff.html",
            {
                "users": staff_service.list_users(session),
                "roles": list(Role),
                "form": form,
                "departments": hospital_service.list_departments(session),
                "wards": hospital_service.list_wards(session),
                **_chrome(request, me),
            },
            exc,
        )
    return RedirectResponse("/console/staff", status_code=303)


@router.post("/staff/{user_id}/unlock")
def unlock_staff(session: DbSession, me: Admin, user_id: IdPath) -> Response:
    staff_service.unlock(session, me.actor, user_id)
    return RedirectResponse("/console/staff", status_code=303)


# An action code is at most 80 characters; a longer filter is refused rather than sent to the
# database as a LIKE pattern (SQLite rejects one over 50,000 bytes as an operational error).
ActionFilter = Annotated[str, Query(max_length=80)]


@router.get("/audit")
def audit_log(
    request: Request, session: DbSession, me: Admin, action: ActionFilter = "", patient_id: IdQuery = None
) -> Response:
    rows = audit.recent(session, action=action, patient_id=patient_id)
    return page(request, me, "console/audit.html", {"rows": rows, "action": action, "patient_id": patient_id})
