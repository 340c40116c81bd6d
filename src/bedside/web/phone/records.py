"""Phone pages of medical record copies: the list, a new request (stay, purpose, parts, copies,
pick-up or mail, the proxy's consent), the detail with its status timeline, paying the fee and
following the payment, cancelling before copying."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from bedside.accounts import service as accounts_service
from bedside.core.errors import DomainError, InvalidInput
from bedside.core.i18n import N_
from bedside.hospital import service as hospital_service
from bedside.payments import service as payments_service
from bedside.records import fees, proofs
from bedside.records import queries as records_queries
from bedside.records import service as records_service
from bedside.records.models import RecordCopyRequest
from bedside.web import security
from bedside.web.deps import AccountUser, DbSession, IdPath, IdQuery
from bedside.web.forms import form_error
from bedside.web.money_forms import phone_method
from bedside.web.records_forms import CopyFormData
from bedside.web.rendering import render

router = APIRouter(prefix="/phone", include_in_schema=False, dependencies=[Depends(security.guard_request)])


def _common(me: AccountUser) -> dict[str, Any]:
    return {"me": me, "rl": fees.LABELS, "fees": fees}


def _mine(session: DbSession, me: AccountUser, request_id: int) -> RecordCopyRequest:
    return records_queries.get_for_patients(
        session, request_id, accounts_service.patient_ids_of(session, me.account.id)
    )


@router.get("/records")
def records(request: Request, session: DbSession, me: AccountUser, p: IdQuery = None) -> Response:
    links = accounts_service.patients_of(session, me.account.id)
    rows = records_queries.for_patients(session, {pt.id for _, pt in links})
    names = {pt.id: pt.name for _, pt in links}
    ctx = {**_common(me), "rows": rows, "names": names, "links": links, "chosen": p if p in names else None}
    return render(request, "phone/records.html", ctx)


def _form_ctx(session: DbSession, me: AccountUser, patient_id: int | None) -> dict[str, Any]:
    links = accounts_service.patients_of(session, me.account.id)
    if not links:
        return {**_common(me), "links": [], "current": None}
    current_link, current = next(((lk, p) for lk, p in links if p.id == patient_id), links[0])
    stays = records_service.eligible_stays(session, current.id)
    departments = {n.department_id: hospital_service.get_department(session, n.department_id) for n in stays}
    return {
        **_common(me),
        "links": links,
        "current": current,
        "relation": current_link.relation,
        "may_request": current_link.relation in ("self", *records_service.AUTHORIZED_PROXIES),
        "stays": stays,
        "departments": departments,
        "form": {"parts": [], "copies": "1", "delivery": "pickup", "purpose": ""},
        "request_key": secrets.token_urlsafe(16),
    }


@router.get("/records/new")
def new_request(request: Request, session: DbSession, me: AccountUser, p: IdQuery = None) -> Response:
    return render(request, "phone/records_new.html", _form_ctx(session, me, p))


@router.post("/records")
def submit(
    request: Request,
    session: DbSession,
    me: AccountUser,
    patient_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
    form: CopyFormData,
) -> Response:
    accounts_service.require_patient(session, me.actor, patient_id)
    ctx = _form_ctx(session, me, patient_id)
    ctx["form"] = form.values()
    ctx["request_key"] = form.request_key or ctx["request_key"]
    try:
        req = records_service.submit(session, me.actor, patient_id, form.copy_in())
    except DomainError as exc:
        session.rollback()
        return form_error(request, "phone/records_new.html", ctx, exc)
    return RedirectResponse(f"/phone/records/{req.id}", status_code=303)


def _detail_ctx(session: DbSession, me: AccountUser, request_id: int) -> dict[str, Any]:
    req = _mine(session, me, request_id)
    patient = accounts_service.require_patient(session, me.actor, req.patient_id)
    return {
        **_common(me),
        "req": req,
        "patient": patient,
        "history": records_queries.history(session, req.id),
        "orders": records_queries.orders(session, req.id),
        "request_key": secrets.token_urlsafe(16),
        "proofs_needed": proofs.required(req),
        "proofs_given": proofs.given(session, req.id),
        "proof_labels": proofs.LABELS,
        "proofs_open": req.state in proofs.OPEN_STATES,
    }


@router.get("/records/{request_id}")
def detail(request: Request, session: DbSession, me: AccountUser, request_id: IdPath) -> Response:
    return render(request, "phone/records_detail.html", _detail_ctx(session, me, request_id))


@router.post("/records/{request_id}/pay")
def pay(
    request: Request,
    session: DbSession,
    me: AccountUser,
    request_id: IdPath,
    method: Annotated[str, Form(max_length=20)] = "",
    request_key: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    ctx = _detail_ctx(session, me, request_id)
    try:
        if method not in ("wechat", "alipay"):
            raise InvalidInput(N_("Choose how to pay."), code="invalid_method", field="method")
        how = phone_method(session, me.account.id, request.headers.get("user-agent", ""), method)
        order = records_service.start_payment(
            session,
            me.actor,
            request_id,
            channel=how.channel,
            trade_type=how.trade_type,
            place="phone",
            idempotency_key=request_key,
            payer=how.payer,
        )
    except DomainError as exc:
        session.rollback()
        return form_error(request, "phone/records_detail.html", ctx, exc)
    return RedirectResponse(f"/phone/records/{request_id}/payments/{order.id}", status_code=303)


def _payment_ctx(session: DbSession, me: AccountUser, request_id: int, order_id: int) -> dict[str, Any]:
    req = _mine(session, me, request_id)
    return {**_common(me), "req": req, "order": records_queries.order_of(session, req.id, order_id)}


@router.get("/records/{request_id}/payments/{order_id}")
def payment_page(
    request: Request, session: DbSession, me: AccountUser, request_id: IdPath, order_id: IdPath
) -> Response:
    return render(request, "phone/records_payment.html", _payment_ctx(session, me, request_id, order_id))


@router.get("/records/{request_id}/payments/{order_id}/status")
def payment_status(
    request: Request, session: DbSession, me: AccountUser, request_id: IdPath, order_id: IdPath
) -> Response:
    _payment_ctx(session, me, request_id, order_id)  # ownership first: nobody else's order is queried
    payments_service.refresh(session, order_id)
    session.expire_all()
    return render(
        request, "phone/records_payment_status.html", _payment_ctx(session, me, request_id, order_id)
    )


@router.post("/records/{request_id}/cancel")
def cancel(request: Request, session: DbSession, me: AccountUser, request_id: IdPath) -> Response:
    ctx = _detail_ctx(session, me, request_id)
    try:
        records_service.cancel(session, me.actor, request_id)
    except DomainError as exc:
        session.rollback()
        return form_error(request, "phone/records_detail.html", ctx, exc)
    return RedirectResponse(f"/phone/records/{request_id}", status_code=303)


@router.post("/records/{request_id}/proofs")
def upload_proof(
    request: Request,
    session: DbSession,
    me: AccountUser,
    request_id: IdPath,
    kind: Annotated[str, Form(max_length=20)] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """A photo of the ID card or of the signed authorization, for a mailed copy. The page
    never shows it back: only the record office sees proofs."""
    req = _mine(session, me, request_id)
    try:
        data = file.file.read(proofs.MAX_BYTES + 1) if file is not None else b""
        proofs.upload(session, me.actor, req, kind, data)
    except DomainError as exc:
        session.rollback()
        return form_error(request, "phone/records_detail.html", _detail_ctx(session, me, request_id), exc)
    return RedirectResponse(f"/phone/records/{request_id}", status_code=303)
