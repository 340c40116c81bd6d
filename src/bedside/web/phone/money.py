"""Phone pages for money: the stay's deposit balance and history, paying the first deposit or
a top-up, and following the payment until the channel confirms it."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from bedside.accounts import service as accounts_service
from bedside.admissions import service as admissions_service
from bedside.core.errors import DomainError
from bedside.deposits import history as deposits_history
from bedside.deposits import service as deposits_service
from bedside.documents import receipts as documents
from bedside.hospital import service as hospital_service
from bedside.payments import service as payments_service
from bedside.payments.states import Purpose
from bedside.web import deposit_warning, security
from bedside.web.deps import AccountUser, DbSession, IdPath
from bedside.web.forms import form_error
from bedside.web.money_forms import amount_from_form, phone_method
from bedside.web.receipts import receipt_for
from bedside.web.rendering import locale_of, render

router = APIRouter(prefix="/phone", include_in_schema=False, dependencies=[Depends(security.guard_request)])

TOPUP_CHOICES_FEN = (50000, 100000, 200000, 500000)


def _stay(session: DbSession, me: AccountUser, notice_id: int) -> dict[str, Any]:
    ids = accounts_service.patient_ids_of(session, me.account.id)
    notice = admissions_service.get_for_patients(session, notice_id, ids)
    patient = accounts_service.require_patient(session, me.actor, notice.patient_id)
    account = deposits_service.account_for_notice(session, patient.id, notice.id)
    session.commit()
    department = hospital_service.get_department(session, notice.department_id)
    has_paid = any(e.kind == "deposit" for e in deposits_service.history(session, account.id))
    return {
        "notice": notice,
        "patient": patient,
        "account": account,
        "department": department,
        "entries": deposits_service.history(session, account.id),
        "history": deposits_history.describe(session, deposits_service.history(session, account.id)),
        "first": not has_paid,
        "choices": TOPUP_CHOICES_FEN,
        "minimum_due_fen": deposit_warning.minimum_due_fen(session, notice, account),
        "me": me,
    }


@router.get("/deposit/{notice_id}")
def deposit_page(request: Request, session: DbSession, me: AccountUser, notice_id: IdPath) -> Response:
    ctx = _stay(session, me, notice_id)
    ctx["request_key"] = secrets.token_urlsafe(16)
    return render(request, "phone/deposit.html", ctx)


@router.post("/deposit/{notice_id}")
def pay_deposit(
    request: Request,
    session: DbSession,
    me: AccountUser,
    notice_id: IdPath,
    amount: Annotated[str, Form()] = "",
    custom: Annotated[str, Form()] = "",
    request_key: Annotated[str, Form()] = "",
    method: Annotated[str, Form()] = "wechat",
) -> Response:
    ctx = _stay(session, me, notice_id)
    ctx["request_key"] = request_key or secrets.token_urlsafe(16)
    try:
        fen = amount_from_form(amount, custom)
        how = phone_method(session, me.account.id, request.headers.get("user-agent", ""), method)
        order = payments_service.start_payment(
            session,
            me.actor,
            patient_id=ctx["patient"].id,
            notice_id=notice_id,
            purpose=Purpose.DEPOSIT if ctx["first"] else Purpose.TOPUP,
            amount_fen=fen,
            channel=how.channel,
            trade_type=how.trade_type,
            place="phone",
            idempotency_key=request_key,
            payer=how.payer,
        )
    except DomainError as exc:
        return form_error(request, "phone/deposit.html", ctx, exc)
    return RedirectResponse(f"/phone/payments/{order.id}", status_code=303)


def _order_ctx(session: DbSession, me: AccountUser, order_id: int) -> dict[str, Any]:
    order = payments_service.get_order(session, order_id)
    accounts_service.require_patient(session, me.actor, order.patient_id)
    account = deposits_service.get(session, order.account_id)
    return {"order": order, "account": account, "me": me}


@router.get("/payments/{order_id}")
def payment_page(request: Request, session: DbSession, me: AccountUser, order_id: IdPath) -> Response:
    return render(request, "phone/payment.html", _order_ctx(session, me, order_id))


@router.get("/payments/{order_id}/status")
def payment_status(request: Request, session: DbSession, me: AccountUser, order_id: IdPath) -> Response:
    _order_ctx(session, me, order_id)  # ownership first: nobody else's order is queried
    payments_service.refresh(session, order_id)
    return render(request, "phone/payment_status.html", _order_ctx(session, me, order_id))


@router.get("/payments/{order_id}/receipt.pdf")
def receipt_pdf(request: Request, session: DbSession, me: AccountUser, order_id: IdPath) -> Response:
    order = _order_ctx(session, me, order_id)["order"]
    pdf = documents.receipt_pdf(receipt_for(session, order, locale_of(request)), locale_of(request))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="receipt-{order.out_trade_no}.pdf"'},
    )
