"""Record office console: the queue of record copy requests by state, one request with the
requester's identity and consent, and the office's steps (verify and copy, reject with a
reason, ready for pick-up, picked up, mailed with carrier and tracking number)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from bedside.admissions import service as admissions_service
from bedside.core.errors import DomainError
from bedside.hospital import service as hospital_service
from bedside.patients import service as patients_service
from bedside.records import fees, proofs
from bedside.records import queries as records_queries
from bedside.records import service as records_service
from bedside.records.states import CopyState
from bedside.staff.roles import Role
from bedside.web import security
from bedside.web.console.routes import _chrome, page
from bedside.web.deps import DbSession, IdPath, StaffContext, staff_with
from bedside.web.forms import form_error

router = APIRouter(prefix="/console", include_in_schema=False, dependencies=[Depends(security.guard_request)])
Office = Annotated[StaffContext, staff_with(Role.RECORDS_OFFICE, Role.ADMIN)]


@router.get("/records")
def queue(request: Request, session: DbSession, me: Office, state: str = "") -> Response:
    chosen = state if state in {s.value for s in CopyState} else ""
    rows = records_queries.queue(session, me.actor, chosen)
    # A list of names is not a read of anyone's record; opening a request is (and is audited).
    names = {r.patient_id: patients_service.get(session, r.patient_id).name for r in rows}
    ctx = {"rows": rows, "names": names, "state": chosen, "states": list(CopyState), "rl": fees.LABELS}
    return page(request, me, "console/records.html", ctx)


def _detail_ctx(session: DbSession, me: StaffContext, request_id: int) -> dict[str, Any]:
    req = records_queries.read_for_staff(session, me.actor, request_id)
    notice = admissions_service.get(session, req.notice_id)
    return {
        "req": req,
        "patient": patients_service.get(session, req.patient_id),
        "notice": notice,
        "department": hospital_service.get_department(session, notice.department_id),
        "history": records_queries.history(session, req.id),
        "orders": records_queries.orders(session, req.id),
        "rl": fees.LABELS,
        "fees": fees,
        "form": {},
        "proofs_needed": proofs.required(req),
        "proofs_given": proofs.given(session, req.id),
        "proof_labels": proofs.LABELS,
    }


@router.get("/records/{request_id}")
def detail(request: Request, session: DbSession, me: Office, request_id: IdPath) -> Response:
    return page(request, me, "console/records_detail.html", _detail_ctx(session, me, request_id))


@router.post("/records/{request_id}/act")
def act(
    request: Request,
    session: DbSession,
    me: Office,
    request_id: IdPath,
    action: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=400)] = "",
    carrier: Annotated[str, Form(max_length=20)] = "",
    tracking_no: Annotated[str, Form(max_length=60)] = "",
) -> Response:
    try:
        records_service.act(
            session, me.actor, request_id, action, reason=reason, carrier=carrier, tracking_no=tracking_no
        )
    except DomainError as exc:
        session.rollback()
        ctx = {**_detail_ctx(session, me, request_id), **_chrome(request, me)}
        ctx["form"] = {"reason": reason, "carrier": carrier, "tracking_no": tracking_no}
        return form_error(request, "console/records_detail.html", ctx, exc)
    return RedirectResponse(f"/console/records/{request_id}", status_code=303)


@router.get("/records/{request_id}/proofs/{proof_id}")
def proof(session: DbSession, me: Office, request_id: IdPath, proof_id: IdPath) -> Response:
    """A proof's photo, for the office's eyes: not cached, not sniffed, not a download link."""
    row = proofs.for_office(session, me.actor, request_id, proof_id)
    return Response(
        row.data,
        media_type=row.content_type,
        headers={
            "Cache-Control": "no-store, private",
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": f'inline; filename="proof-{row.id}"',
        },
    )
