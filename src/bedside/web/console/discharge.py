"""Console pages of discharge: the admitted stays with their bills and discharge state, and
each role's act — the doctor orders or revokes, the nurse hands over medication, clears the
ward and sees the patient leave, the insurance officer reviews, the cashier reverses."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from starlette.responses import Response

from bedside.admissions import service as admissions_service
from bedside.admissions.lists import search_clause
from bedside.admissions.models import AdmissionNotice
from bedside.charges import service as charges_service
from bedside.core.clock import local_today
from bedside.core.errors import DomainError, InvalidInput
from bedside.core.i18n import N_
from bedside.discharge import service as discharge_service
from bedside.discharge.models import Discharge
from bedside.hospital import service as hospital_service
from bedside.integrations import record as his_record
from bedside.patients import service as patients_service
from bedside.patients.models import Patient
from bedside.staff.roles import Role
from bedside.web import security
from bedside.web.console.routes import _chrome, page
from bedside.web.deps import DbSession, IdPath, InScope, StaffContext, StaffScope, staff_with
from bedside.web.forms import form_error

router = APIRouter(prefix="/console", include_in_schema=False, dependencies=[Depends(security.guard_request)])
PageQuery = Annotated[int, Query(alias="page", ge=1, le=10_000)]
StayStaff = Annotated[
    StaffContext,
    staff_with(Role.DOCTOR, Role.NURSE, Role.INSURANCE_OFFICER, Role.CASHIER, Role.ADMISSION_CENTER),
]


STAYS_PAGE = 50


@router.get("/stays")
def stays(
    request: Request,
    session: DbSession,
    me: StayStaff,
    scope: StaffScope,
    page_no: PageQuery = 1,
    search: Annotated[str, Query(alias="q", max_length=50)] = "",
) -> Response:
    """Admitted stays in the staff member's scope, a page at a time, each with its patient and
    discharge in the same read; `q` searches them (admissions/lists.py)."""
    q = request.query_params.get("state", "")
    stmt = (
        select(AdmissionNotice, Discharge, Patient)
        .join(Patient, Patient.id == AdmissionNotice.patient_id)
        .outerjoin(Discharge, Discharge.notice_id == AdmissionNotice.id)
        .where(AdmissionNotice.state == "admitted")
        .order_by(AdmissionNotice.admitted_at.desc(), AdmissionNotice.id.desc())
        .limit(STAYS_PAGE + 1)  # one more than a page tells whether there is a next one
        .offset((page_no - 1) * STAYS_PAGE)
    )
    for cond in (
        scope.clause(AdmissionNotice.ward_id, AdmissionNotice.department_id, AdmissionNotice.issued_by_id),
        search_clause(search),
    ):
        if cond is not None:
            stmt = stmt.where(cond)
    if q == "none":
        stmt = stmt.where(Discharge.id.is_(None))
    elif q:
        stmt = stmt.where(Discharge.state == q)
    found = session.execute(stmt).all()
    rows = [{"notice": n, "discharge": d, "patient": p} for n, d, p in found[:STAYS_PAGE]]
    ctx = {"rows": rows, "state": q, "q": search, "page_no": page_no, "has_next": len(found) > STAYS_PAGE}
    return page(request, me, "console/stays.html", ctx)


def _stay_ctx(session: DbSession, me: StaffContext, notice_id: int) -> dict[str, Any]:
    notice = admissions_service.get(session, notice_id)
    d = discharge_service.find(session, notice_id)
    ctx: dict[str, Any] = {
        "notice": notice,
        "patient": patients_service.read_for_staff(session, me.actor, notice.patient_id, "stay"),
        "department": hospital_service.get_department(session, notice.department_id),
        "discharge": d,
        "summary": charges_service.summary(session, notice_id),
        "settlement": discharge_service.current_settlement(session, notice_id),
        "flags": discharge_service.auto_review_ok(session, notice_id)
        if d and d.state == "ward_cleared"
        else [],
        "today": local_today().isoformat(),  # the hospital's calendar, as the service checks it
        # Where the HIS is the record of orders, clearance shows its report, not checkboxes.
        "his_guards": his_record.is_record("orders"),
        "his_status": his_record.stay_status(session, notice_id),
    }
    if d and d.state == "ready_to_settle":
        ctx["pre"] = discharge_service.pre_settle(session, notice_id)
    session.commit()
    return ctx


@router.get("/stays/{notice_id}", dependencies=[InScope])
def stay(request: Request, session: DbSession, me: StayStaff, notice_id: IdPath) -> Response:
    return page(request, me, "console/stay.html", _stay_ctx(session, me, notice_id))


@router.post("/stays/{notice_id}/discharge", dependencies=[InScope])
def act(
    request: Request,
    session: DbSession,
    me: StayStaff,
    notice_id: IdPath,
    action: Annotated[str, Form()] = "",
    planned_date: Annotated[str, Form()] = "",
    has_medication: Annotated[str, Form()] = "",
    no_pending_orders: Annotated[str, Form()] = "",
    charges_posted: Annotated[str, Form()] = "",
    override_reason: Annotated[str, Form(max_length=300)] = "",
    note: Annotated[str, Form(max_length=500)] = "",
    window_reason: Annotated[str, Form(max_length=60)] = "",
) -> Response:
    try:
        if action == "order":
            try:
                planned = date.fromisoformat(planned_date)
            except ValueError as exc:
                raise InvalidInput(
                    N_("The planned discharge date must be within the next 30 days."),
                    code="invalid_planned_date",
                ) from exc
            discharge_service.order(
                session, me.actor, notice_id, planned, has_medication=has_medication == "1"
            )
        elif action == "revoke":
            discharge_service.revoke(session, me.actor, notice_id, note or "revoked")
        elif action == "medication":
            discharge_service.hand_over_medication(session, me.actor, notice_id)
        elif action == "clear_ward":
            discharge_service.clear_ward(
                session,
                me.actor,
                notice_id,
                no_pending_orders=no_pending_orders == "1",
                charges_posted=charges_posted == "1",
                override_reason=override_reason or None,
            )
        elif action in ("approve", "return_to_ward"):
            discharge_service.review(session, me.actor, notice_id, action, note, window_reason or None)
        elif action == "reverse":
            discharge_service.reverse(session, me.actor, notice_id, note)
        elif action == "leave":
            discharge_service.leave(session, me.actor, notice_id)
        else:
            raise InvalidInput(N_("Unknown action."), code="invalid_action")
    except DomainError as exc:
        session.rollback()
        ctx = {**_stay_ctx(session, me, notice_id), **_chrome(request, me)}
        return form_error(request, "console/stay.html", ctx, exc)
    return RedirectResponse(f"/console/stays/{notice_id}", status_code=303)
