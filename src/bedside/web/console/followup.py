"""Console pages of follow-up: recent discharges and each stay's follow-ups and appointments
(nurses, doctors, who also change and cancel appointments), the nurses' flags of worrying
answers, and the plans (admins and managers edit them)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from bedside.admissions import service as admissions_service
from bedside.core.db import utcnow
from bedside.core.errors import DomainError
from bedside.hospital import service as hospital_service
from bedside.patients import service as patients_service
from bedside.settings import get_settings
from bedside.staff.roles import Role
from bedside.surveys import followup
from bedside.surveys import plans as plans_service
from bedside.surveys import service as surveys
from bedside.web import security
from bedside.web.console.routes import _chrome, page
from bedside.web.deps import DbSession, Flag, IdPath, InScope, StaffContext, staff_with
from bedside.web.forms import form_error

router = APIRouter(prefix="/console", include_in_schema=False, dependencies=[Depends(security.guard_request)])
WardStaff = Annotated[StaffContext, staff_with(Role.NURSE, Role.DOCTOR)]
Nurse = Annotated[StaffContext, staff_with(Role.NURSE)]
PlanEditor = Annotated[StaffContext, staff_with(Role.ADMIN, Role.MANAGER)]
Short = Annotated[str, Form(max_length=40)]


def _definitions(session: DbSession, rows: list[Any]) -> dict[int, Any]:
    return {
        r.questionnaire_id: surveys.definition_of(surveys.get_questionnaire(session, r.questionnaire_id))
        for r in rows
    }


@router.get("/followup")
def discharged(request: Request, session: DbSession, me: WardStaff) -> Response:
    rows = followup.recent_discharges(session, me.user)
    patients = {r.notice.patient_id: patients_service.get(session, r.notice.patient_id) for r in rows}
    return page(request, me, "console/followup.html", {"rows": rows, "patients": patients})


def _stay_ctx(session: DbSession, me: StaffContext, notice_id: int) -> dict[str, Any]:
    notice = admissions_service.get(session, notice_id)
    rows = followup.for_notice(session, notice_id)
    return {
        "notice": notice,
        "patient": patients_service.read_for_staff(session, me.actor, notice.patient_id, "follow_up"),
        "department": hospital_service.get_department(session, notice.department_id),
        "follow_ups": rows,
        "definitions": _definitions(session, rows),
        "appointments": followup.appointments_for_notice(session, notice_id),
        "form": {},
        "now": utcnow(),
        "tz": get_settings().tz,
        "editing": None,
        "edit_form": {},
    }


@router.get("/followup/stays/{notice_id}", dependencies=[InScope])
def stay(request: Request, session: DbSession, me: WardStaff, notice_id: IdPath) -> Response:
    return page(request, me, "console/followup_stay.html", _stay_ctx(session, me, notice_id))


@router.post("/followup/stays/{notice_id}/appointments", dependencies=[InScope])
def add_appointment(
    request: Request,
    session: DbSession,
    me: WardStaff,
    notice_id: IdPath,
    day: Short = "",
    time: Short = "",
    place: Annotated[str, Form(max_length=400)] = "",
    note: Annotated[str, Form(max_length=600)] = "",
) -> Response:
    try:
        followup.add_appointment(session, me.actor, notice_id, followup.AppointmentIn(day, time, place, note))
    except DomainError as exc:
        session.rollback()
        ctx = {**_stay_ctx(session, me, notice_id), **_chrome(request, me)}
        ctx["form"] = {"day": day, "time": time, "place": place, "note": note}
        return form_error(request, "console/followup_stay.html", ctx, exc)
    return RedirectResponse(f"/console/followup/stays/{notice_id}?booked=1", status_code=303)


def _appointment_form(
    day: str, time: str, place: str, note: str
) -> tuple[followup.AppointmentIn, dict[str, str]]:
    return followup.AppointmentIn(day, time, place, note), {
        "day": day,
        "time": time,
        "place": place,
        "note": note,
    }


@router.post("/followup/stays/{notice_id}/appointments/{appointment_id}", dependencies=[InScope])
def change_appointment(
    request: Request,
    session: DbSession,
    me: WardStaff,
    notice_id: IdPath,
    appointment_id: IdPath,
    day: Short = "",
    time: Short = "",
    place: Annotated[str, Form(max_length=400)] = "",
    note: Annotated[str, Form(max_length=600)] = "",
) -> Response:
    data, form = _appointment_form(day, time, place, note)
    try:
        followup.change_appointment(session, me.actor, notice_id, appointment_id, data)
    except DomainError as exc:
        session.rollback()
        if exc.status == 404:
            raise
        ctx = {**_stay_ctx(session, me, notice_id), **_chrome(request, me)}
        ctx["editing"], ctx["edit_form"] = appointment_id, form
        return form_error(request, "console/followup_stay.html", ctx, exc)
    return RedirectResponse(f"/console/followup/stays/{notice_id}?changed=1", status_code=303)


@router.post("/followup/stays/{notice_id}/appointments/{appointment_id}/cancel", dependencies=[InScope])
def cancel_appointment(
    request: Request, session: DbSession, me: WardStaff, notice_id: IdPath, appointment_id: IdPath
) -> Response:
    try:
        followup.cancel_appointment(session, me.actor, notice_id, appointment_id)
    except DomainError as exc:
        session.rollback()
        if exc.status == 404:
            raise
        ctx = {**_stay_ctx(session, me, notice_id), **_chrome(request, me)}
        return form_error(request, "console/followup_stay.html", ctx, exc)
    return RedirectResponse(f"/console/followup/stays/{notice_id}?cancelled=1", status_code=303)


@router.get("/flags")
def flags(request: Request, session: DbSession, me: Nurse, done: Flag = 0) -> Response:
    rows = followup.flags_for(session, me.user, acknowledged=bool(done))
    patients = {r.patient_id: patients_service.get(session, r.patient_id) for r in rows}
    notices = {r.notice_id: admissions_service.get(session, r.notice_id) for r in rows}
    return page(
        request,
        me,
        "console/followup_flags.html",
        {
            "rows": rows,
            "patients": patients,
            "notices": notices,
            "definitions": _definitions(session, rows),
            "done": done,
        },
    )


@router.post("/flags/{follow_up_id}/ack")
def acknowledge(session: DbSession, me: Nurse, follow_up_id: IdPath) -> Response:
    followup.acknowledge(session, me.actor, me.user, follow_up_id)
    return RedirectResponse("/console/flags", status_code=303)


def _plans_ctx(session: DbSession) -> dict[str, Any]:
    rows = plans_service.all_plans(session)
    session.commit()
    return {
        "plans": rows,
        "items": {p.id: plans_service.active_items(p) for p in rows},
        "departments": {d.id: d for d in hospital_service.list_departments(session)},
        "questionnaires": [q for q in surveys.latest_all(session) if q.kind == "follow_up"],
        "limits": plans_service,
        "form": {},
    }


def _plans_error(
    request: Request, session: DbSession, me: StaffContext, exc: DomainError, **form: Any
) -> Response:
    session.rollback()
    ctx = {**_plans_ctx(session), **_chrome(request, me)}
    ctx["form"] = form
    return form_error(request, "console/followup_plans.html", ctx, exc)


def _department_id(value: str) -> int | None:
    value = value.strip()
    return int(value) if value.isdigit() and len(value) <= 9 else None


@router.get("/followup/plans")
def plans(request: Request, session: DbSession, me: PlanEditor) -> Response:
    return page(request, me, "console/followup_plans.html", _plans_ctx(session))


@router.post("/followup/plans")
def create_plan(
    request: Request,
    session: DbSession,
    me: PlanEditor,
    department_id: Short = "",
    name: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    try:
        plan = plans_service.create_plan(session, me.actor, _department_id(department_id), name)
    except DomainError as exc:
        return _plans_error(request, session, me, exc, department_id=department_id, name=name)
    return RedirectResponse(f"/console/followup/plans?saved={plan.id}#plan-{plan.id}", status_code=303)


@router.post("/followup/plans/{plan_id}/items")
def add_plan_item(
    request: Request,
    session: DbSession,
    me: PlanEditor,
    plan_id: IdPath,
    day_offset: Short = "",
    questionnaire_code: Short = "",
    remind_after_days: Short = "",
) -> Response:
    try:
        plans_service.add_item(
            session,
            me.actor,
            plan_id,
            day_offset=day_offset,
            questionnaire_code=questionnaire_code,
            remind_after_days=remind_after_days,
        )
    except DomainError as exc:
        if exc.status == 404:
            raise
        return _plans_error(
            request,
            session,
            me,
            exc,
            plan_id=plan_id,
            day_offset=day_offset,
            questionnaire_code=questionnaire_code,
            remind_after_days=remind_after_days,
        )
    return RedirectResponse(f"/console/followup/plans?saved={plan_id}#plan-{plan_id}", status_code=303)


@router.post("/followup/plans/{plan_id}/items/{item_id}/remove")
def remove_plan_item(session: DbSession, me: PlanEditor, plan_id: IdPath, item_id: IdPath) -> Response:
    plans_service.remove_item(session, me.actor, plan_id, item_id)
    return RedirectResponse(f"/console/followup/plans?saved={plan_id}#plan-{plan_id}", status_code=303)
