"""Console pages of the insurance review: the officer's queue, a stay's lines with filters (HIS
class, category, rule, state) and the flags' reasons in words, the officer's act on a line
(self-pay, return to the ward, accept, reinstate) and the approval; the ward's answer to a
returned line. Nurses and doctors see the stays of their own ward or department."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from bedside.admissions import service as admissions_service
from bedside.admissions.models import AdmissionNotice
from bedside.charges.models import Category
from bedside.core.errors import DomainError
from bedside.core.i18n import N_
from bedside.discharge import service as discharge_service
from bedside.insurance import review as review_service
from bedside.insurance import review_rules
from bedside.insurance.review_states import LineState, ReviewState
from bedside.patients import service as patients_service
from bedside.staff import scope
from bedside.staff.roles import Role
from bedside.web import security
from bedside.web.console.routes import _chrome, page
from bedside.web.deps import DbSession, IdPath, InScope, StaffContext, staff_with
from bedside.web.forms import form_error

router = APIRouter(prefix="/console", include_in_schema=False, dependencies=[Depends(security.guard_request)])
ReviewStaff = Annotated[StaffContext, staff_with(Role.INSURANCE_OFFICER, Role.NURSE, Role.DOCTOR)]
Officer = Annotated[StaffContext, staff_with(Role.INSURANCE_OFFICER)]

LINE_STATES = {
    LineState.OPEN: N_("To review"),
    LineState.SELF_PAY: N_("Self-pay"),
    LineState.RETURNED: N_("Returned to the ward"),
    LineState.ANSWERED: N_("Ward answered"),
    LineState.ACCEPTED: N_("Accepted"),
}
REVIEW_STATES = {
    ReviewState.IN_REVIEW: N_("In review"),
    ReviewState.WITH_WARD: N_("Waiting for the ward"),
    ReviewState.APPROVED: N_("Approved"),
}
CLASSES = ("A", "B", "C")


def _pick(value: str, allowed: Any) -> str:
    """A filter value the page knows, or none: a made-up one filters nothing."""
    return value if value in allowed else ""


@router.get("/insurance-review")
def queue(request: Request, session: DbSession, me: ReviewStaff) -> Response:
    officer = me.actor.has_role(Role.INSURANCE_OFFICER)
    found = scope.of(session, me.user)
    rows = [
        {"review": r, "notice": n, "patient": patients_service.get(session, n.patient_id)}
        for r, n in review_service.pending(session, with_ward=not officer)
        if officer or found.allows(n.ward_id, n.department_id, n.issued_by_id)
    ]
    session.commit()
    return page(
        request, me, "console/insurance_review_queue.html", {"rows": rows, "review_states": REVIEW_STATES}
    )


def _ctx(request: Request, session: DbSession, me: StaffContext, notice_id: int) -> dict[str, Any]:
    notice = admissions_service.get(session, notice_id)
    review = review_service.find(session, notice_id)
    q = request.query_params
    filters = {
        "cls": _pick(q.get("cls", ""), CLASSES),
        "category": _pick(q.get("category", ""), {c.value for c in Category}),
        "flag": _pick(q.get("flag", ""), {*review_rules.REASONS, "any"}),
        "state": _pick(q.get("state", ""), {s.value for s in LineState}),
    }
    ctx: dict[str, Any] = {
        "notice": notice,
        "patient": patients_service.read_for_staff(session, me.actor, notice.patient_id, "insurance_review"),
        "discharge": discharge_service.find(session, notice_id),
        "review": review,
        "lines": review_service.lines(session, review, **filters) if review else [],
        "filters": filters,
        "reasons": review_rules.REASONS,
        "line_states": LINE_STATES,
        "review_states": REVIEW_STATES,
        "classes": CLASSES,
        "categories": [c.value for c in Category],
    }
    session.commit()
    return ctx


@router.get("/insurance-review/{notice_id}", dependencies=[InScope])
def stay(request: Request, session: DbSession, me: ReviewStaff, notice_id: IdPath) -> Response:
    return page(request, me, "console/insurance_review.html", _ctx(request, session, me, notice_id))


def _back(notice_id: int, request: Request) -> str:
    # Back to the same filtered view the act was made from.
    keep = {k: v for k, v in request.query_params.items() if k in ("cls", "category", "flag", "state")}
    query = "&".join(f"{k}={v}" for k, v in keep.items() if v.isascii() and v.replace("_", "").isalnum())
    return f"/console/insurance-review/{notice_id}" + (f"?{query}" if query else "")


@router.post("/insurance-review/{notice_id}/lines/{line_id}", dependencies=[InScope])
def act(
    request: Request,
    session: DbSession,
    me: ReviewStaff,
    notice_id: IdPath,
    line_id: IdPath,
    action: Annotated[str, Form(max_length=30)] = "",
    reason: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    try:
        notice: AdmissionNotice = admissions_service.get(session, notice_id)
        review_service.act(session, me.actor, notice, line_id, action, reason)
        session.commit()
    except DomainError as exc:
        session.rollback()
        ctx = {**_ctx(request, session, me, notice_id), **_chrome(request, me)}
        return form_error(request, "console/insurance_review.html", ctx, exc)
    return RedirectResponse(_back(notice_id, request), status_code=303)


@router.post("/insurance-review/{notice_id}/approve", dependencies=[InScope])
def approve(
    request: Request,
    session: DbSession,
    me: Officer,
    notice_id: IdPath,
    note: Annotated[str, Form(max_length=500)] = "",
    window_reason: Annotated[str, Form(max_length=60)] = "",
) -> Response:
    try:
        discharge_service.review(session, me.actor, notice_id, "approve", note, window_reason or None)
    except DomainError as exc:
        session.rollback()
        ctx = {**_ctx(request, session, me, notice_id), **_chrome(request, me)}
        return form_error(request, "console/insurance_review.html", ctx, exc)
    return RedirectResponse(f"/console/stays/{notice_id}", status_code=303)
