"""Console pages of discharge medication for the ward: the stay's orders (the doctor orders or
amends, the nurse confirms or returns, counselling is recorded), the ward's board and the
scan page where the nurse receives a bag."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy import select
from starlette.responses import Response

from bedside.admissions import service as admissions_service
from bedside.core.db import utcnow
from bedside.core.errors import DomainError, InvalidInput
from bedside.core.i18n import N_
from bedside.hospital.models import Ward
from bedside.medication import delivery
from bedside.medication import figures as ward_figures
from bedside.medication import service as medication
from bedside.medication.formulary import DRUGS, FREQUENCIES, STATE_LABELS
from bedside.medication.schemas import DrugIn
from bedside.medication.states import STEPS
from bedside.patients import service as patients_service
from bedside.staff.roles import Role
from bedside.web import security
from bedside.web.console.routes import _chrome, page
from bedside.web.deps import DbSession, IdPath, IdQuery, InScope, StaffContext, staff_with
from bedside.web.forms import FormFields, form_error

router = APIRouter(prefix="/console", include_in_schema=False, dependencies=[Depends(security.guard_request)])
MedStaff = Annotated[StaffContext, staff_with(Role.DOCTOR, Role.NURSE, Role.PHARMACIST)]
Nurse = Annotated[StaffContext, staff_with(Role.NURSE)]
DaysQuery = Annotated[int, Query(ge=1, le=366)]
ROWS = 5  # drug rows on the order form
FIELDS = ("drug_code", "quantity", "dose", "frequency", "days", "instructions")


def drugs_from(form: dict[str, str]) -> list[DrugIn]:
    """The filled rows of the order form; a row is filled when it names a drug."""
    out = []
    for i in range(ROWS):
        row = {f: form.get(f"{f}_{i}", "").strip() for f in FIELDS}
        if not row["drug_code"]:
            continue
        try:
            out.append(DrugIn.model_validate({k: v for k, v in row.items() if v}))
        except ValidationError as exc:
            field = str(exc.errors()[0]["loc"][0])
            raise InvalidInput(
                N_("Check the drug's quantity, dose, frequency and days."), code="invalid_drug", field=field
            ) from exc
    return out


def _wards(session: DbSession) -> list[Ward]:
    return list(session.scalars(select(Ward).order_by(Ward.code)))


def _stay_ctx(session: DbSession, me: StaffContext, notice_id: int) -> dict[str, Any]:
    notice = admissions_service.get(session, notice_id)
    orders = medication.for_stay(session, notice_id)
    ctx = {
        "notice": notice,
        "patient": patients_service.read_for_staff(session, me.actor, notice.patient_id, "medication"),
        "orders": [(o, medication.items(session, o.id), medication.history(session, o.id)) for o in orders],
        "drugs": DRUGS,
        "frequencies": FREQUENCIES,
        "state_labels": STATE_LABELS,
        "rows": range(ROWS),
        "steps": STEPS,
    }
    session.commit()
    return ctx


@router.get("/medication/stays/{notice_id}", dependencies=[InScope])
def stay(request: Request, session: DbSession, me: MedStaff, notice_id: IdPath) -> Response:
    return page(request, me, "console/medication/stay.html", _stay_ctx(session, me, notice_id))


def _back(
    request: Request, session: DbSession, me: StaffContext, notice_id: int, exc: DomainError
) -> Response:
    session.rollback()
    ctx = {**_stay_ctx(session, me, notice_id), **_chrome(request, me)}
    return form_error(request, "console/medication/stay.html", ctx, exc)


@router.post("/medication/stays/{notice_id}/order", dependencies=[InScope])
def order(
    request: Request, session: DbSession, me: MedStaff, notice_id: IdPath, form: FormFields
) -> Response:
    try:
        medication.order(session, me.actor, notice_id, drugs_from(form))
        session.commit()
    except DomainError as exc:
        return _back(request, session, me, notice_id, exc)
    return RedirectResponse(f"/console/medication/stays/{notice_id}", status_code=303)


@router.post("/medication/orders/{order_id}")
def act(request: Request, session: DbSession, me: MedStaff, order_id: IdPath, form: FormFields) -> Response:
    """The ward's steps on an order: confirm, return, amend, cancel, counsel."""
    row = medication.get(session, order_id)
    notice_id = row.notice_id
    action = form.get("action", "")
    try:
        if action == "amend":
            medication.amend(session, me.actor, order_id, drugs_from(form))
        elif action in ("confirm", "return", "cancel", "counsel"):
            medication.act(session, me.actor, order_id, action, form.get("note", "")[:500])
        else:
            raise InvalidInput(N_("Unknown action."), code="invalid_action")
    except DomainError as exc:
        return _back(request, session, me, notice_id, exc)
    return RedirectResponse(f"/console/medication/stays/{notice_id}", status_code=303)


def _board_ctx(session: DbSession, me: StaffContext, ward_id: int | None) -> dict[str, Any]:
    ward_id = ward_id or me.user.ward_id
    return {
        "rows": delivery.ward_board(session, ward_id),
        "wards": _wards(session),
        "ward_id": ward_id,
        "steps": STEPS,
        "state_labels": STATE_LABELS,
    }


@router.get("/medication")
def board(request: Request, session: DbSession, me: MedStaff, ward_id: IdQuery = None) -> Response:
    """The ward's orders still in progress, and the scan form for arriving bags."""
    return page(request, me, "console/medication/ward.html", _board_ctx(session, me, ward_id))


@router.post("/medication/receive")
def receive(request: Request, session: DbSession, me: Nurse, form: FormFields) -> Response:
    """A scanner types the bag's code into the form (or the phone camera reads it)."""
    raw_ward = form.get("ward_id", "")
    ward_id = int(raw_ward) if raw_ward.isdigit() and len(raw_ward) < 10 else None
    try:
        got = delivery.receive(
            session, me.actor, form.get("bag_code", "")[:40], ward_id, form.get("inpatient_no", "")[:40]
        )
    except DomainError as exc:
        session.rollback()
        ctx = {
            **_board_ctx(session, me, ward_id),
            **_chrome(request, me),
            "bag_code": form.get("bag_code", "")[:40],
        }
        return form_error(request, "console/medication/ward.html", ctx, exc)
    return RedirectResponse(f"/console/medication?ward_id={ward_id}&received={got.id}", status_code=303)


Figures = Annotated[StaffContext, staff_with(Role.MANAGER, Role.ADMIN)]


@router.get("/medication/figures")
def figures(request: Request, session: DbSession, me: Figures, days: DaysQuery = 30) -> Response:
    """The dashboard's ward-service figures over the last `days` days."""
    end = utcnow()
    found = ward_figures.figures(session, end - timedelta(days=days), end)
    return page(request, me, "console/medication/figures.html", {"f": found, "days": days})
