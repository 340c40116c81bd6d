"""Phone pages of discharge: the bill (by category, by day, line by line, with the deposit),
and settlement in at most three screens after the push — the settlement screen (split,
deposit used, refund or what is left to pay, signature and, when money is owed, the wallet
that pays it), the wallet's wait when paying, and the done screen with the documents."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from bedside.accounts import service as accounts_service
from bedside.admissions import service as admissions_service
from bedside.admissions.models import AdmissionNotice
from bedside.charges import service as charges_service
from bedside.companion import bills as care_bills
from bedside.core.errors import DomainError, NotFound
from bedside.core.i18n import N_
from bedside.deposits import service as deposits_service
from bedside.discharge import documents as documents_service
from bedside.discharge import service as discharge_service
from bedside.discharge import settlement, window
from bedside.discharge.models import Settlement
from bedside.einvoice import service as einvoice_service
from bedside.payments import refunds as payments_refunds
from bedside.payments import service as payments_service
from bedside.web import security
from bedside.web.deps import AccountUser, DbSession, IdPath
from bedside.web.forms import form_error
from bedside.web.money_forms import phone_method
from bedside.web.rendering import render

router = APIRouter(prefix="/phone", include_in_schema=False, dependencies=[Depends(security.guard_request)])


def _notice(session: DbSession, me: AccountUser, notice_id: int) -> AdmissionNotice:
    ids = accounts_service.patient_ids_of(session, me.account.id)
    notice = admissions_service.get_for_patients(session, notice_id, ids)
    accounts_service.require_patient(session, me.actor, notice.patient_id)
    return notice


@router.get("/stays/{notice_id}/bill")
def bill(request: Request, session: DbSession, me: AccountUser, notice_id: IdPath) -> Response:
    notice = _notice(session, me, notice_id)
    account = deposits_service.account_for_notice(session, notice.patient_id, notice.id)
    session.commit()
    view = request.query_params.get("view", "category")
    return render(
        request,
        "phone/bill.html",
        {
            "me": me,
            "notice": notice,
            "summary": charges_service.summary(session, notice.id),
            # The totals views are aggregated in SQL; only the line-by-line view reads the lines.
            "lines": charges_service.lines(session, notice.id) if view == "lines" else [],
            "account": account,
            "view": view,
        },
    )


def _settle_ctx(session: DbSession, me: AccountUser, notice_id: int) -> dict[str, Any]:
    notice = _notice(session, me, notice_id)
    d = discharge_service.find(session, notice_id)
    ctx: dict[str, Any] = {
        "me": me,
        "notice": notice,
        "discharge": d,
        "request_key": secrets.token_urlsafe(16),
    }
    if d is not None and d.state == "ready_to_settle":
        ctx["pre"] = pre = discharge_service.pre_settle(session, notice_id)
        ctx["windows"] = window.reasons(session, notice, d, pre.supplementary_fen)
    ctx["bills"] = einvoice_service.bills_for_notice(session, notice_id)  # reversed ones, too
    ctx["care_unpaid_fen"] = care_bills.unpaid_fen(session, notice_id)  # shown, blocks only if configured
    session.commit()
    return ctx


@router.get("/stays/{notice_id}/settle")
def settle_page(request: Request, session: DbSession, me: AccountUser, notice_id: IdPath) -> Response:
    ctx = _settle_ctx(session, me, notice_id)
    if ctx["discharge"] is not None and ctx["discharge"].state in ("settled", "discharged"):
        return RedirectResponse(f"/phone/stays/{notice_id}/settled", status_code=303)
    return render(request, "phone/settle.html", ctx)


@router.post("/stays/{notice_id}/settle")
def settle(
    request: Request,
    session: DbSession,
    me: AccountUser,
    notice_id: IdPath,
    signature: Annotated[str, Form(max_length=300_000)] = "",
    request_key: Annotated[str, Form(max_length=100)] = "",
    method: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """The one act: signed, and — when money is owed — paid with the chosen wallet; the
    credit settles the stay."""
    _notice(session, me, notice_id)
    try:
        payer = None
        if method:
            how = phone_method(session, me.account.id, request.headers.get("user-agent", ""), method)
            payer = settlement.Payer(how.channel, how.trade_type, "phone", payer=how.payer)
        done = settlement.settle_or_pay(session, me.actor, notice_id, signature, request_key, payer)
    except DomainError as exc:
        session.rollback()
        return form_error(request, "phone/settle.html", _settle_ctx(session, me, notice_id), exc)
    if isinstance(done, Settlement):
        return RedirectResponse(f"/phone/stays/{notice_id}/settled", status_code=303)
    return RedirectResponse(f"/phone/stays/{notice_id}/settle/payments/{done.id}", status_code=303)


def _paying(
    session: DbSession, me: AccountUser, notice_id: int, order_id: int, *, ask: bool = False
) -> dict[str, Any]:
    notice = _notice(session, me, notice_id)
    intent = settlement.intent_for(session, order_id)
    if intent is None or intent.notice_id != notice.id:
        raise NotFound(N_("Payment not found."), code="payment_not_found")
    if ask and payments_service.get_order(session, order_id).state == "paying":
        # A whole page is loaded on arriving and on coming back from the wallet: ask the
        # channel at once, so a payment just made settles the stay without another screen.
        payments_service.check_order(session, order_id)
    order = payments_service.refresh(session, order_id)
    if order.state in settlement.PAID:
        settlement.finish(session, order_id)
    session.commit()
    return {
        "me": me,
        "notice": notice,
        "order": order,
        "settled": discharge_service.current_settlement(session, notice_id) is not None,
        "intent": settlement.intent_for(session, order_id),
    }


@router.get("/stays/{notice_id}/settle/payments/{order_id}")
def settle_payment(
    request: Request, session: DbSession, me: AccountUser, notice_id: IdPath, order_id: IdPath
) -> Response:
    """Between the act and its settlement: the wallet opens; once paid, the stay is settled."""
    ctx = _paying(session, me, notice_id, order_id, ask=True)
    if ctx["settled"]:
        return RedirectResponse(f"/phone/stays/{notice_id}/settled", status_code=303)
    return render(request, "phone/settle_payment.html", ctx)


@router.get("/stays/{notice_id}/settle/payments/{order_id}/status")
def settle_payment_status(
    request: Request, session: DbSession, me: AccountUser, notice_id: IdPath, order_id: IdPath
) -> Response:
    ctx = _paying(session, me, notice_id, order_id)
    if ctx["settled"]:
        return Response(headers={"HX-Redirect": f"/phone/stays/{notice_id}/settled"})
    return render(request, "phone/settle_payment_status.html", ctx)


@router.post("/stays/{notice_id}/dispute")
def dispute(
    request: Request,
    session: DbSession,
    me: AccountUser,
    notice_id: IdPath,
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """The patient questions a charge: the stay goes to the settlement window with the note."""
    _notice(session, me, notice_id)
    try:
        window.dispute(session, me.actor, notice_id, note)
    except DomainError as exc:
        session.rollback()
        return form_error(request, "phone/settle.html", _settle_ctx(session, me, notice_id), exc)
    return RedirectResponse(f"/phone/stays/{notice_id}/settle", status_code=303)


@router.get("/stays/{notice_id}/settled")
def settled(request: Request, session: DbSession, me: AccountUser, notice_id: IdPath) -> Response:
    notice = _notice(session, me, notice_id)
    row = discharge_service.current_settlement(session, notice_id)
    if row is None:
        return RedirectResponse(f"/phone/stays/{notice_id}/settle", status_code=303)
    refunds = payments_refunds.refunds_for_account(
        session, deposits_service.account_for_notice(session, notice.patient_id, notice.id).id
    )
    bill = einvoice_service.ensure_issued(session, row)  # once, if the outbox has not yet
    ready = bill is not None and einvoice_service.issued_bill(bill) is not None
    bills = einvoice_service.bills_for_notice(session, notice_id)
    session.commit()
    return render(
        request,
        "phone/settled.html",
        {
            "me": me,
            "notice": notice,
            "settlement": row,
            "refunds": refunds,
            "einvoice_ready": ready,
            "bills": bills,
        },
    )


@router.get("/settlements/{settlement_id}/{kind}.pdf")
def document(
    request: Request, session: DbSession, me: AccountUser, settlement_id: IdPath, kind: str
) -> Response:
    row = session.get(Settlement, settlement_id)
    if row is None or kind not in documents_service.KINDS:
        raise NotFound(N_("No document has this number."), code="document_not_found")
    _notice(session, me, row.notice_id)  # only the patient's own (and their proxies')
    doc = documents_service.document(session, row, kind)
    return Response(
        doc.pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{kind}-{doc.number}.pdf"'},
    )
