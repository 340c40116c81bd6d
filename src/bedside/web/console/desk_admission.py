"""Console pages where staff do the admission on the patient's behalf (the admission desk, or
the ward for a patient without a phone): the same steps as the phone and the kiosk, through
the same services, audited as entered by the staff member for the patient; and the nurse's
part of the risk assessment."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import or_, select
from starlette.responses import Response

from bedside.admissions import intake
from bedside.admissions import service as admissions_service
from bedside.admissions import stay as stay_service
from bedside.admissions.models import AdmissionNotice
from bedside.admissions.states import NoticeState
from bedside.core.clock import local_today
from bedside.core.errors import DomainError, InvalidInput
from bedside.core.i18n import N_
from bedside.deposits import service as deposits_service
from bedside.hospital import service as hospital_service
from bedside.patients import service as patients_service
from bedside.patients.models import Patient
from bedside.payments import service as payments_service
from bedside.payments.models import PaymentOrder
from bedside.payments.states import Purpose
from bedside.staff.roles import Role
from bedside.web import security
from bedside.web.console.routes import page
from bedside.web.deps import DbSession, IdPath, InScope, StaffContext, StaffScope, staff_with
from bedside.web.forms import FormFields, form_error
from bedside.web.money_forms import amount_from_form

router = APIRouter(prefix="/console", include_in_schema=False, dependencies=[Depends(security.guard_request)])
DeskStaff = Annotated[StaffContext, staff_with(Role.ADMISSION_CENTER, Role.NURSE)]
WardNurse = Annotated[StaffContext, staff_with(Role.NURSE)]
# What a desk takes a deposit with: the desk's POS terminal, or a QR code the family scans.
DESK_METHODS = {
    "card": ("unionpay", "POS"),
    "wechat_qr": ("wechat", "NATIVE"),
    "alipay_qr": ("alipay", "PRECREATE"),
}
OPEN = (NoticeState.ISSUED, NoticeState.BED_REQUESTED, NoticeState.BED_ASSIGNED, NoticeState.REGISTERED)


@router.get("/desk")
def desk(request: Request, session: DbSession, me: DeskStaff, scope: StaffScope, q: str = "") -> Response:
    """Open admissions to do for a patient at the desk, found by name or resident ID."""
    stmt = (
        select(AdmissionNotice, Patient)
        .join(Patient, Patient.id == AdmissionNotice.patient_id)
        .where(AdmissionNotice.state.in_([s.value for s in OPEN]))
    )
    text = q.strip()[:50]
    if text:
        stmt = stmt.where(or_(Patient.name.contains(text), Patient.resident_id == text.upper()))
    in_scope = scope.clause(AdmissionNotice.ward_id, AdmissionNotice.department_id)
    if in_scope is not None:
        stmt = stmt.where(in_scope)
    rows = session.execute(stmt.order_by(AdmissionNotice.expected_date, AdmissionNotice.id).limit(100)).all()
    session.commit()
    return page(request, me, "console/desk.html", {"rows": rows, "q": text})


def _order(session: DbSession, notice: AdmissionNotice, order_id: str | None) -> PaymentOrder | None:
    """The desk's payment for this stay named in the page address; any other is not shown."""
    if not (order_id and order_id.isdigit() and len(order_id) < 10):
        return None
    order = session.get(PaymentOrder, int(order_id))
    account = deposits_service.account_for_notice(session, notice.patient_id, notice.id)
    if order is None or order.account_id != account.id:
        return None
    return payments_service.refresh(session, order.id)


def _ctx(request: Request, session: DbSession, notice_id: int, form: dict[str, str]) -> dict[str, Any]:
    notice = admissions_service.get(session, notice_id)
    order = _order(session, notice, request.query_params.get("order"))  # first: it may credit the deposit
    patient = patients_service.get(session, notice.patient_id)
    saved = stay_service.details(session, notice.id)
    base = {k: str(getattr(saved, k) or "") for k in stay_service.DetailsIn.model_fields} if saved else {}
    done = stay_service.assessments(session, notice.id)
    answers = {f"{code}.{k}": str(v) for code, r in done.items() for k, v in r.answers.items()}
    ctx = {
        "notice": notice,
        "patient": patient,
        "department": hospital_service.get_department(session, notice.department_id),
        "ready": stay_service.readiness(session, notice),
        "blockers": stay_service.blockers(session, notice),
        "form": {
            "earliest_date": max(notice.expected_date, local_today()).isoformat(),
            "room_preference": "any",
            "insurance_type": notice.insurance_type or "",
            "insurance_no": notice.insurance_no or "",
            **base,
            **answers,
            **form,
        },
        "ask_bed": notice.state == NoticeState.ISSUED,
        "rooms": stay_service.ROOM_PREFERENCES,
        "relations": stay_service.RELATIONS,
        "marital": stay_service.MARITAL,
        "insurance_types": intake.INSURANCE_TYPES,
        "questionnaires": intake.questions(patient),
        "methods": DESK_METHODS,
        "order": order,
        "request_key": secrets.token_urlsafe(16),
        "saved": request.query_params.get("saved"),
    }
    session.commit()
    return ctx


def _page(
    request: Request, me: StaffContext, ctx: dict[str, Any], exc: DomainError | None = None
) -> Response:
    if exc is None:
        return page(request, me, "console/desk_stay.html", ctx)
    return form_error(request, "console/desk_stay.html", {**ctx, **_chrome_of(request, me)}, exc)


def _chrome_of(request: Request, me: StaffContext) -> dict[str, Any]:
    from bedside.web.console.routes import _chrome

    return _chrome(request, me)


@router.get("/desk/stays/{notice_id}", dependencies=[InScope])
def desk_stay(request: Request, session: DbSession, me: DeskStaff, notice_id: IdPath) -> Response:
    return _page(request, me, _ctx(request, session, notice_id, {}))


def _back(notice_id: int, saved: str, order: int | None = None) -> Response:
    extra = f"&order={order}" if order else ""
    return RedirectResponse(f"/console/desk/stays/{notice_id}?saved={saved}{extra}", status_code=303)


@router.post("/desk/stays/{notice_id}/details", dependencies=[InScope])
def desk_details(
    request: Request, session: DbSession, me: DeskStaff, notice_id: IdPath, form: FormFields
) -> Response:
    ctx = _ctx(request, session, notice_id, form)
    try:
        intake.save_intake(session, me.actor, notice_id, form)
    except DomainError as exc:
        session.rollback()
        return _page(request, me, ctx, exc)
    return _back(notice_id, "details")


@router.post("/desk/stays/{notice_id}/assessment", dependencies=[InScope])
def desk_assessment(
    request: Request, session: DbSession, me: DeskStaff, notice_id: IdPath, form: FormFields
) -> Response:
    ctx = _ctx(request, session, notice_id, form)
    try:
        intake.save_answers(session, me.actor, notice_id, ctx["patient"], form)
    except DomainError as exc:
        session.rollback()
        return _page(request, me, ctx, exc)
    return _back(notice_id, "assessment")


@router.post("/desk/stays/{notice_id}/deposit", dependencies=[InScope])
def desk_deposit(
    request: Request,
    session: DbSession,
    me: DeskStaff,
    notice_id: IdPath,
    amount: Annotated[str, Form(max_length=20)] = "",
    method: Annotated[str, Form(max_length=20)] = "",
    request_key: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    ctx = _ctx(request, session, notice_id, {"amount": amount})
    notice = ctx["notice"]
    try:
        if method not in DESK_METHODS:
            raise InvalidInput(N_("Choose how to pay."), code="invalid_method", field="method")
        channel, trade_type = DESK_METHODS[method]
        account = deposits_service.account_for_notice(session, notice.patient_id, notice.id)
        first = not any(e.kind == "deposit" for e in deposits_service.history(session, account.id))
        order = payments_service.start_payment(
            session,
            me.actor,
            patient_id=notice.patient_id,
            notice_id=notice.id,
            purpose=Purpose.DEPOSIT if first else Purpose.TOPUP,
            amount_fen=amount_from_form("", amount),
            channel=channel,
            trade_type=trade_type,
            place="desk",
            idempotency_key=request_key,
        )
    except DomainError as exc:
        session.rollback()
        return _page(request, me, ctx, exc)
    intake.entered_for_patient(session, me.actor, notice, "deposit")
    session.commit()
    return _back(notice_id, "deposit", order.id)


@router.post("/desk/stays/{notice_id}/admit", dependencies=[InScope])
def desk_admit(request: Request, session: DbSession, me: DeskStaff, notice_id: IdPath) -> Response:
    try:
        stay_service.admit(session, me.actor, notice_id)
    except DomainError as exc:
        session.rollback()
        return _page(request, me, _ctx(request, session, notice_id, {}), exc)
    return _back(notice_id, "admitted")


def _nurse_ctx(request: Request, session: DbSession, notice_id: int, form: dict[str, str]) -> dict[str, Any]:
    notice = admissions_service.get(session, notice_id)
    patient = patients_service.get(session, notice.patient_id)
    done = stay_service.assessments(session, notice.id)
    answers = {f"{code}.{k}": str(v) for code, r in done.items() for k, v in r.answers.items()}
    ctx = {
        "notice": notice,
        "patient": patient,
        "records": done,
        "questionnaires": intake.questions(patient, "all"),
        "form": {**answers, **form},
        "saved": request.query_params.get("saved"),
    }
    session.commit()
    return ctx


@router.get("/stays/{notice_id}/assessment", dependencies=[InScope])
def nurse_assessment(request: Request, session: DbSession, me: WardNurse, notice_id: IdPath) -> Response:
    return page(request, me, "console/nurse_assessment.html", _nurse_ctx(request, session, notice_id, {}))


@router.post("/stays/{notice_id}/assessment", dependencies=[InScope])
def save_nurse_assessment(
    request: Request, session: DbSession, me: WardNurse, notice_id: IdPath, form: FormFields
) -> Response:
    ctx = _nurse_ctx(request, session, notice_id, form)
    try:
        intake.save_answers(session, me.actor, notice_id, ctx["patient"], form, part="all")
    except DomainError as exc:
        session.rollback()
        return form_error(request, "console/nurse_assessment.html", {**ctx, **_chrome_of(request, me)}, exc)
    return RedirectResponse(f"/console/stays/{notice_id}/assessment?saved=1", status_code=303)
