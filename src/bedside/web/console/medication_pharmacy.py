"""The pharmacist's console of discharge medication: the day's orders by ward and planned
discharge date, accepting an order (its drugs are charged), a substitute for a drug out of
stock or a return to the doctor, packing with the bag label, and the delivery run per ward."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from bedside.core.clock import local_today
from bedside.core.db import utcnow
from bedside.core.errors import DomainError, InvalidInput
from bedside.core.i18n import N_
from bedside.medication import delivery
from bedside.medication import service as medication
from bedside.medication.formulary import DRUGS, FREQUENCIES, STATE_LABELS
from bedside.settings import get_settings
from bedside.staff.roles import Role
from bedside.web import security
from bedside.web.console.routes import _chrome, page
from bedside.web.deps import DbSession, IdPath, StaffContext, staff_with
from bedside.web.forms import FormFields, form_error

router = APIRouter(prefix="/console", include_in_schema=False, dependencies=[Depends(security.guard_request)])
Pharmacist = Annotated[StaffContext, staff_with(Role.PHARMACIST)]


def _day(raw: str) -> date:
    try:
        return date.fromisoformat(raw) if raw else local_today()
    except ValueError:
        return local_today()


def _ctx(session: DbSession, day: date) -> dict[str, Any]:
    rows = delivery.pharmacy_queue(session, day)
    by_ward: dict[str, list[tuple[delivery.Row, list[Any]]]] = {}
    for r in rows:
        by_ward.setdefault(r.ward.name if r.ward else "—", []).append(
            (r, medication.items(session, r.order.id))
        )
    return {
        "by_ward": by_ward,
        "day": day.isoformat(),
        "formulary": DRUGS,
        "frequencies": FREQUENCIES,
        "state_labels": STATE_LABELS,
    }


@router.get("/medication/pharmacy")
def queue(request: Request, session: DbSession, me: Pharmacist) -> Response:
    return page(
        request,
        me,
        "console/medication/pharmacy.html",
        _ctx(session, _day(request.query_params.get("day", ""))),
    )


@router.post("/medication/pharmacy/{order_id}")
def act(request: Request, session: DbSession, me: Pharmacist, order_id: IdPath, form: FormFields) -> Response:
    action = form.get("action", "")
    try:
        if action in ("accept", "pharmacy_return"):
            medication.act(session, me.actor, order_id, action, form.get("note", "")[:300])
        elif action == "pack":
            delivery.pack(session, me.actor, order_id)
        elif action == "substitute":
            raw = form.get("item_id", "")
            if not raw.isdigit() or len(raw) > 9:
                raise InvalidInput(N_("No such drug on this order."), code="medication_item_not_found")
            medication.substitute(
                session,
                me.actor,
                order_id,
                int(raw),
                form.get("drug_code", "")[:40],
                form.get("note", "")[:300],
            )
        else:
            raise InvalidInput(N_("Unknown action."), code="invalid_action")
    except DomainError as exc:
        session.rollback()
        ctx = {**_ctx(session, local_today()), **_chrome(request, me)}
        return form_error(request, "console/medication/pharmacy.html", ctx, exc)
    return RedirectResponse("/console/medication/pharmacy", status_code=303)


@router.post("/medication/runs")
def dispatch(request: Request, session: DbSession, me: Pharmacist, form: FormFields) -> Response:
    raw = form.get("ward_id", "")
    try:
        if not raw.isdigit() or len(raw) > 9:
            raise InvalidInput(N_("Unknown ward."), code="ward_not_found", field="ward_id")
        run = delivery.dispatch(session, me.actor, int(raw))
    except DomainError as exc:
        session.rollback()
        ctx = {**_ctx(session, local_today()), **_chrome(request, me)}
        return form_error(request, "console/medication/pharmacy.html", ctx, exc)
    return RedirectResponse(f"/console/medication/pharmacy?run={run.id}", status_code=303)


@router.get("/medication/pharmacy/{order_id}/label.pdf")
def bag_label(session: DbSession, me: Pharmacist, order_id: IdPath) -> Response:
    """The bag label and packing list of a packed order."""
    row = delivery.row_of(session, order_id)
    if not row.order.bag_code:
        raise InvalidInput(N_("Pack the order first: the label carries the bag's code."), code="not_packed")
    from bedside.medication import label  # the PDF library loads with the first label, not at start-up

    pdf = label.bag_pdf(get_settings().hospital_name, row, medication.items(session, order_id), utcnow())
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="bag-{row.order.bag_code}.pdf"'},
    )
