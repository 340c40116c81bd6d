"""Kiosk pages of discharge: settlement (split, deposit used, refund or what is left to pay,
signature on the screen, and the kiosk's ways to pay what is owed in the same act) and the
documents, in a handful of taps."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from bedside.admissions import service as admissions_service
from bedside.core.errors import DomainError, InvalidInput, NotFound
from bedside.core.i18n import N_
from bedside.deposits import service as deposits_service
from bedside.discharge import certificate as discharge_certificate
from bedside.discharge import documents as documents_service
from bedside.discharge import service as discharge_service
from bedside.discharge import settlement, window
from bedside.discharge.models import Settlement
from bedside.einvoice import service as einvoice_service
from bedside.payments import service as payments_service
from bedside.settings import get_settings
from bedside.web import security
from bedside.web.deps import DbSession, IdPath, KioskPatient
from bedside.web.forms import form_error
from bedside.web.kiosk import money as kiosk_money
from bedside.web.rendering import render

router = APIRouter(prefix="/kiosk", include_in_schema=False, dependencies=[Depends(security.guard_request)])


def _ctx(session: DbSession, me: KioskPatient, notice_id: int) -> dict[str, Any]:
    notice = admissions_service.get_for_patients(session, notice_id, {me.patient.id})
    d = discharge_service.find(session, notice_id)
    ctx: dict[str, Any] = {
        "kiosk": me.kiosk,
        "patient": me.patient,
        "idle_seconds": get_settings().kiosk_idle_seconds,
        "notice": notice,
        "discharge": d,
        "request_key": secrets.token_urlsafe(16),
    }
    if d is not None and d.state == "ready_to_settle":
        ctx["pre"] = pre = discharge_service.pre_settle(session, notice_id)
        ctx["windows"] = window.reasons(session, notice, d, pre.supplementary_fen)
    session.commit()
    return ctx


@router.get("/stays/{notice_id}/settle")
def settle_page(request: Request, session: DbSession, me: KioskPatient, notice_id: IdPath) -> Response:
    ctx = _ctx(session, me, notice_id)
    if ctx["discharge"] is not None and ctx["discharge"].state in ("settled", "discharged"):
        return RedirectResponse(f"/kiosk/stays/{notice_id}/settled", status_code=303)
    return render(request, "kiosk/settle.html", ctx)


def _payer(method: str, auth_code: str, place: str) -> settlement.Payer:
    if method == "code":
        channel, trade_type = kiosk_money.wallet_of(auth_code.strip())
        return settlement.Payer(channel, trade_type, place, auth_code=auth_code.strip())
    if method not in kiosk_money.METHODS:
        raise InvalidInput(N_("Choose how to pay."), code="invalid_method", field="method")
    channel, trade_type = kiosk_money.METHODS[method]
    return settlement.Payer(channel, trade_type, place)


@router.post("/stays/{notice_id}/settle")
def settle(
    request: Request,
    session: DbSession,
    me: KioskPatient,
    notice_id: IdPath,
    signature: Annotated[str, Form(max_length=300_000)] = "",
    request_key: Annotated[str, Form(max_length=100)] = "",
    method: Annotated[str, Form(max_length=20)] = "",
    auth_code: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """The one act: signed, and — when money is owed — paid by QR code, a scanned payment
    code or the PIN pad; the credit settles the stay."""
    admissions_service.get_for_patients(session, notice_id, {me.patient.id})
    try:
        payer = _payer(method, auth_code, me.kiosk.code) if method else None
        done = settlement.settle_or_pay(session, me.actor, notice_id, signature, request_key, payer)
    except DomainError as exc:
        session.rollback()
        return form_error(request, "kiosk/settle.html", _ctx(session, me, notice_id), exc)
    if isinstance(done, Settlement):
        return RedirectResponse(f"/kiosk/stays/{notice_id}/settled", status_code=303)
    return RedirectResponse(f"/kiosk/stays/{notice_id}/settle/payments/{done.id}", status_code=303)


def _paying(
    session: DbSession, me: KioskPatient, notice_id: int, order_id: int, *, ask: bool = False
) -> dict[str, Any]:
    notice = admissions_service.get_for_patients(session, notice_id, {me.patient.id})
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
        "kiosk": me.kiosk,
        "patient": me.patient,
        "idle_seconds": get_settings().kiosk_idle_seconds,
        "notice": notice,
        "order": order,
        "account": deposits_service.get(session, order.account_id),
        "settled": discharge_service.current_settlement(session, notice_id) is not None,
        "intent": settlement.intent_for(session, order_id),
    }


@router.get("/stays/{notice_id}/settle/payments/{order_id}")
def settle_payment(
    request: Request, session: DbSession, me: KioskPatient, notice_id: IdPath, order_id: IdPath
) -> Response:
    ctx = _paying(session, me, notice_id, order_id, ask=True)
    if ctx["settled"]:
        return RedirectResponse(f"/kiosk/stays/{notice_id}/settled", status_code=303)
    return render(request, "kiosk/settle_payment.html", ctx)


@router.get("/stays/{notice_id}/settle/payments/{order_id}/status")
def settle_payment_status(
    request: Request, session: DbSession, me: KioskPatient, notice_id: IdPath, order_id: IdPath
) -> Response:
    ctx = _paying(session, me, notice_id, order_id)
    if ctx["settled"]:
        return Response(headers={"HX-Redirect": f"/kiosk/stays/{notice_id}/settled"})
    return render(request, "kiosk/settle_payment_status.html", ctx)


@router.get("/stays/{notice_id}/settled")
def settled(request: Request, session: DbSession, me: KioskPatient, notice_id: IdPath) -> Response:
    ctx = _ctx(session, me, notice_id)
    row = discharge_service.current_settlement(session, notice_id)
    if row is None:
        return RedirectResponse(f"/kiosk/stays/{notice_id}/settle", status_code=303)
    ctx["settlement"] = row
    ctx["documents"] = documents_service.documents(session, row)
    ctx["certificate"] = discharge_certificate.issue(session, notice_id)  # printed and stamped too
    ctx["bills"] = einvoice_service.bills_for_notice(session, notice_id)
    return render(request, "kiosk/settled.html", ctx)


@router.get("/settlements/{settlement_id}/{kind}.pdf")
def document(session: DbSession, me: KioskPatient, settlement_id: IdPath, kind: str) -> Response:
    """What the kiosk agent sends to the laser printer (and the stamper) for this patient."""
    row = session.get(Settlement, settlement_id)
    if row is None or kind not in documents_service.KINDS:
        raise NotFound(N_("No document has this number."), code="document_not_found")
    admissions_service.get_for_patients(session, row.notice_id, {me.patient.id})
    doc = documents_service.document(session, row, kind)
    return Response(doc.pdf, media_type="application/pdf")
