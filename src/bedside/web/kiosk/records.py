"""Kiosk pages of medical record copies for the signed-in patient (the kiosk session is the
patient themself): request, pay the fee by WeChat Pay or Alipay QR code, follow the status."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from bedside.core.errors import DomainError, InvalidInput
from bedside.core.i18n import N_
from bedside.hospital import service as hospital_service
from bedside.payments import service as payments_service
from bedside.records import fees
from bedside.records import queries as records_queries
from bedside.records import service as records_service
from bedside.records.models import RecordCopyRequest
from bedside.settings import get_settings
from bedside.web import security
from bedside.web.deps import DbSession, IdPath, KioskPatient
from bedside.web.forms import form_error
from bedside.web.records_forms import CopyFormData
from bedside.web.rendering import render

router = APIRouter(prefix="/kiosk", include_in_schema=False, dependencies=[Depends(security.guard_request)])

KIOSK_METHODS = {"wechat_qr": ("wechat", "NATIVE"), "alipay_qr": ("alipay", "PRECREATE")}


def _base(me: KioskPatient) -> dict[str, Any]:
    return {
        "kiosk": me.kiosk,
        "patient": me.patient,
        "idle_seconds": get_settings().kiosk_idle_seconds,
        "rl": fees.LABELS,
        "fees": fees,
    }


def _mine(session: DbSession, me: KioskPatient, request_id: int) -> RecordCopyRequest:
    return records_queries.get_for_patients(session, request_id, {me.patient.id})


@router.get("/records")
def records(request: Request, session: DbSession, me: KioskPatient) -> Response:
    rows = records_queries.for_patients(session, {me.patient.id})
    return render(request, "kiosk/records.html", {**_base(me), "rows": rows})


def _form_ctx(session: DbSession, me: KioskPatient) -> dict[str, Any]:
    stays = records_service.eligible_stays(session, me.patient.id)
    return {
        **_base(me),
        "stays": stays,
        "departments": {
            n.department_id: hospital_service.get_department(session, n.department_id) for n in stays
        },
        "form": {"parts": [], "copies": "1", "delivery": "pickup", "purpose": ""},
        "request_key": secrets.token_urlsafe(16),
    }


@router.get("/records/new")
def new_request(request: Request, session: DbSession, me: KioskPatient) -> Response:
    return render(request, "kiosk/records_new.html", _form_ctx(session, me))


@router.post("/records")
def submit(request: Request, session: DbSession, me: KioskPatient, form: CopyFormData) -> Response:
    ctx = _form_ctx(session, me)
    ctx["form"] = form.values()
    ctx["request_key"] = form.request_key or ctx["request_key"]
    try:
        req = records_service.submit(session, me.actor, me.patient.id, form.copy_in())
    except DomainError as exc:
        session.rollback()
        return form_error(request, "kiosk/records_new.html", ctx, exc)
    return RedirectResponse(f"/kiosk/records/{req.id}", status_code=303)


def _detail_ctx(session: DbSession, me: KioskPatient, request_id: int) -> dict[str, Any]:
    req = _mine(session, me, request_id)
    return {
        **_base(me),
        "req": req,
        "history": records_queries.history(session, req.id),
        "request_key": secrets.token_urlsafe(16),
    }


@router.get("/records/{request_id}")
def detail(request: Request, session: DbSession, me: KioskPatient, request_id: IdPath) -> Response:
    return render(request, "kiosk/records_detail.html", _detail_ctx(session, me, request_id))


@router.post("/records/{request_id}/pay")
def pay(
    request: Request,
    session: DbSession,
    me: KioskPatient,
    request_id: IdPath,
    method: Annotated[str, Form(max_length=20)] = "",
    request_key: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    ctx = _detail_ctx(session, me, request_id)
    try:
        if method not in KIOSK_METHODS:
            raise InvalidInput(N_("Choose how to pay."), code="invalid_method", field="method")
        channel, trade_type = KIOSK_METHODS[method]
        order = records_service.start_payment(
            session,
            me.actor,
            request_id,
            channel=channel,
            trade_type=trade_type,
            place=me.kiosk.code,
            idempotency_key=request_key,
        )
    except DomainError as exc:
        session.rollback()
        return form_error(request, "kiosk/records_detail.html", ctx, exc)
    return RedirectResponse(f"/kiosk/records/{request_id}/payments/{order.id}", status_code=303)


def _payment_ctx(session: DbSession, me: KioskPatient, request_id: int, order_id: int) -> dict[str, Any]:
    req = _mine(session, me, request_id)
    return {**_base(me), "req": req, "order": records_queries.order_of(session, req.id, order_id)}


@router.get("/records/{request_id}/payments/{order_id}")
def payment_page(
    request: Request, session: DbSession, me: KioskPatient, request_id: IdPath, order_id: IdPath
) -> Response:
    return render(request, "kiosk/records_payment.html", _payment_ctx(session, me, request_id, order_id))


@router.get("/records/{request_id}/payments/{order_id}/status")
def payment_status(
    request: Request, session: DbSession, me: KioskPatient, request_id: IdPath, order_id: IdPath
) -> Response:
    _payment_ctx(session, me, request_id, order_id)
    payments_service.refresh(session, order_id)
    session.expire_all()
    return render(
        request, "kiosk/records_payment_status.html", _payment_ctx(session, me, request_id, order_id)
    )


@router.post("/records/{request_id}/cancel")
def cancel(request: Request, session: DbSession, me: KioskPatient, request_id: IdPath) -> Response:
    ctx = _detail_ctx(session, me, request_id)
    try:
        records_service.cancel(session, me.actor, request_id)
    except DomainError as exc:
        session.rollback()
        return form_error(request, "kiosk/records_detail.html", ctx, exc)
    return RedirectResponse(f"/kiosk/records/{request_id}", status_code=303)
