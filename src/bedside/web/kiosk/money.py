"""Kiosk pages for money: the deposit and top-ups by QR code (WeChat Pay, Alipay), a scanned
payment code, a bank card on the PIN pad, or cash notes; then the wait and the receipt."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field
from sqlalchemy import select
from starlette.responses import Response

from bedside.admissions import service as admissions_service
from bedside.core.errors import DomainError, InvalidInput, NotFound
from bedside.core.i18n import N_
from bedside.core.money import format_yuan, parse_amount
from bedside.deposits import history as deposits_history
from bedside.deposits import service as deposits_service
from bedside.documents import receipts as documents
from bedside.hospital import service as hospital_service
from bedside.kiosks import card_terminal
from bedside.payments import cash
from bedside.payments import service as payments_service
from bedside.payments.models import CashNote, PaymentOrder
from bedside.payments.states import Purpose
from bedside.settings import get_settings
from bedside.web import deposit_warning, security
from bedside.web.deps import DbSession, IdPath, KioskPatient
from bedside.web.forms import form_error
from bedside.web.money_forms import amount_from_form
from bedside.web.receipts import receipt_for
from bedside.web.rendering import locale_of, render

router = APIRouter(prefix="/kiosk", include_in_schema=False, dependencies=[Depends(security.guard_request)])

TOPUP_CHOICES_FEN = (50000, 100000, 200000, 500000)
HISTORY_ROWS = 30
# method -> (channel, trade type)
METHODS = {
    "wechat_qr": ("wechat", "NATIVE"),
    "alipay_qr": ("alipay", "PRECREATE"),
    "card": ("unionpay", "POS"),
}


def _base(me: KioskPatient) -> dict[str, Any]:
    return {"kiosk": me.kiosk, "patient": me.patient, "idle_seconds": get_settings().kiosk_idle_seconds}


def _stay(session: DbSession, me: KioskPatient, notice_id: int) -> dict[str, Any]:
    notice = admissions_service.get_for_patients(session, notice_id, {me.patient.id})
    account = deposits_service.account_for_notice(session, me.patient.id, notice.id)
    session.commit()
    entries = deposits_service.history(session, account.id)
    return {
        **_base(me),
        "notice": notice,
        "account": account,
        "department": hospital_service.get_department(session, notice.department_id),
        "first": not any(e.kind == "deposit" for e in entries),
        "choices": TOPUP_CHOICES_FEN,
        "minimum_due_fen": deposit_warning.minimum_due_fen(session, notice, account),
        # The latest entries, each named; the itemized bill has every charge line.
        "history": deposits_history.describe(session, entries[:HISTORY_ROWS]),
    }


def _purpose(ctx: dict[str, Any]) -> str:
    return Purpose.DEPOSIT if ctx["first"] else Purpose.TOPUP


@router.get("/deposit/{notice_id}")
def deposit_page(request: Request, session: DbSession, me: KioskPatient, notice_id: IdPath) -> Response:
    ctx = _stay(session, me, notice_id)
    ctx["request_key"] = secrets.token_urlsafe(16)
    return render(request, "kiosk/deposit.html", ctx)


@router.post("/deposit/{notice_id}")
def choose(
    request: Request,
    session: DbSession,
    me: KioskPatient,
    notice_id: IdPath,
    amount: Annotated[str, Form()] = "",
    custom: Annotated[str, Form()] = "",
    method: Annotated[str, Form()] = "",
    request_key: Annotated[str, Form()] = "",
) -> Response:
    ctx = _stay(session, me, notice_id)
    ctx["request_key"] = request_key or secrets.token_urlsafe(16)
    try:
        if method == "cash":
            order = cash.start_cash(
                session,
                me.actor,
                patient_id=me.patient.id,
                notice_id=notice_id,
                purpose=_purpose(ctx),
                place=me.kiosk.code,
                idempotency_key=request_key,
            )
            return RedirectResponse(f"/kiosk/cash/{order.id}", status_code=303)
        fen = amount_from_form(amount, custom)
        if method == "code":
            return render(request, "kiosk/scan_code.html", {**ctx, "amount_fen": fen})
        if method not in METHODS:
            raise InvalidInput(N_("Choose how to pay."), code="invalid_method", field="method")
        channel, trade_type = METHODS[method]
        order = payments_service.start_payment(
            session,
            me.actor,
            patient_id=me.patient.id,
            notice_id=notice_id,
            purpose=_purpose(ctx),
            amount_fen=fen,
            channel=channel,
            trade_type=trade_type,
            place=me.kiosk.code,
            idempotency_key=request_key,
        )
    except DomainError as exc:
        return form_error(request, "kiosk/deposit.html", ctx, exc)
    return RedirectResponse(f"/kiosk/payments/{order.id}", status_code=303)


def _wallet_of(code: str) -> tuple[str, str]:
    # The payment code's own prefix says whose it is: WeChat 10-15, Alipay 25-30.
    if code[:2] in {"10", "11", "12", "13", "14", "15"}:
        return "wechat", "MICROPAY"
    return "alipay", "BARCODE"


wallet_of = _wallet_of  # the settlement's payment by code reads the code the same way


@router.post("/deposit/{notice_id}/code")
def pay_by_code(
    request: Request,
    session: DbSession,
    me: KioskPatient,
    notice_id: IdPath,
    amount_fen: Annotated[str, Form()] = "",
    auth_code: Annotated[str, Form()] = "",
    request_key: Annotated[str, Form()] = "",
) -> Response:
    ctx = _stay(session, me, notice_id)
    ctx["request_key"] = request_key or secrets.token_urlsafe(16)
    code = auth_code.strip()
    try:
        fen = amount_from_form(amount_fen, "")
    except InvalidInput as exc:
        # The scan page cannot be shown again without an amount: back to choosing one.
        return form_error(request, "kiosk/deposit.html", ctx, exc)
    ctx["amount_fen"] = fen
    try:
        channel, trade_type = _wallet_of(code)
        order = payments_service.start_payment(
            session,
            me.actor,
            patient_id=me.patient.id,
            notice_id=notice_id,
            purpose=_purpose(ctx),
            amount_fen=fen,
            channel=channel,
            trade_type=trade_type,
            place=me.kiosk.code,
            idempotency_key=request_key,
            auth_code=code,
        )
    except DomainError as exc:
        ctx["request_key"] = secrets.token_urlsafe(16)  # a declined code may be rescanned anew
        return form_error(request, "kiosk/scan_code.html", ctx, exc)
    return RedirectResponse(f"/kiosk/payments/{order.id}", status_code=303)


def _order(session: DbSession, me: KioskPatient, order_id: int) -> PaymentOrder:
    order = payments_service.get_order(session, order_id)
    if order.patient_id != me.patient.id:
        raise NotFound(N_("Payment not found."), code="payment_not_found")
    return order


def _order_ctx(session: DbSession, me: KioskPatient, order_id: int) -> dict[str, Any]:
    order = _order(session, me, order_id)
    return {**_base(me), "order": order, "account": deposits_service.get(session, order.account_id)}


@router.get("/payments/{order_id}")
def payment_page(request: Request, session: DbSession, me: KioskPatient, order_id: IdPath) -> Response:
    return render(request, "kiosk/payment.html", _order_ctx(session, me, order_id))


@router.get("/payments/{order_id}/status")
def payment_status(request: Request, session: DbSession, me: KioskPatient, order_id: IdPath) -> Response:
    _order(session, me, order_id)
    payments_service.refresh(session, order_id)
    return render(request, "kiosk/payment_status.html", _order_ctx(session, me, order_id))


def _cash_ctx(session: DbSession, me: KioskPatient, order_id: int) -> dict[str, Any]:
    ctx = _order_ctx(session, me, order_id)
    if ctx["order"].channel != "cash":
        raise NotFound(N_("Payment not found."), code="payment_not_found")
    ctx["notes"] = list(
        session.scalars(select(CashNote).where(CashNote.payment_order_id == order_id).order_by(CashNote.seq))
    )
    ctx["denominations"] = cash.NOTES_FEN
    ctx["limit_fen"] = cash.SESSION_LIMIT_FEN
    return ctx


@router.get("/cash/{order_id}")
def cash_page(request: Request, session: DbSession, me: KioskPatient, order_id: IdPath) -> Response:
    ctx = _cash_ctx(session, me, order_id)
    if ctx["order"].state != "paying":
        return RedirectResponse(f"/kiosk/payments/{order_id}", status_code=303)
    return render(request, "kiosk/cash.html", ctx)


@router.post("/cash/{order_id}/note")
def cash_note(
    request: Request,
    session: DbSession,
    me: KioskPatient,
    order_id: IdPath,
    seq: Annotated[int, Form(ge=1, le=10_000)],
    denomination_fen: Annotated[str, Form(max_length=20)],
) -> Response:
    """What the kiosk's cash acceptor reports for each stacked note (simulated on this page
    until the device agent reports it)."""
    _cash_ctx(session, me, order_id)
    try:
        fen = parse_amount(
            denomination_fen, unit="fen", min_fen=0, max_fen=10_000_000, field="denomination_fen"
        )
        cash.accept_note(session, me.actor, order_id, seq, fen)
    except DomainError as exc:
        session.rollback()
        return form_error(request, "kiosk/cash.html", _cash_ctx(session, me, order_id), exc)
    return RedirectResponse(f"/kiosk/cash/{order_id}", status_code=303)


@router.post("/cash/{order_id}/finish")
def cash_finish(session: DbSession, me: KioskPatient, order_id: IdPath) -> Response:
    _cash_ctx(session, me, order_id)
    cash.finish_cash(session, me.actor, order_id)
    return RedirectResponse(f"/kiosk/payments/{order_id}", status_code=303)


@router.get("/payments/{order_id}/receipt")
def receipt_page(request: Request, session: DbSession, me: KioskPatient, order_id: IdPath) -> Response:
    """What the receipt printer prints, shown on screen too. The kiosk agent fetches the
    ESC/POS bytes from receipt.escpos and sends them to the printer."""
    ctx = _order_ctx(session, me, order_id)
    ctx["receipt"] = receipt_for(session, ctx["order"], locale_of(request))
    return render(request, "kiosk/receipt.html", ctx)


@router.get("/payments/{order_id}/receipt.escpos")
def receipt_escpos(request: Request, session: DbSession, me: KioskPatient, order_id: IdPath) -> Response:
    order = _order(session, me, order_id)
    data = documents.receipt_escpos(receipt_for(session, order, locale_of(request)), locale_of(request))
    return Response(data, media_type="application/vnd.escpos")


class NoteIn(BaseModel):
    seq: int = Field(ge=1, le=10_000)
    denomination_fen: int = Field(ge=0, le=10_000_000)


class NoteOut(BaseModel):
    amount_fen: int
    amount: str


@router.post("/cash/{order_id}/notes")
def cash_note_json(body: NoteIn, session: DbSession, me: KioskPatient, order_id: IdPath) -> NoteOut:
    """What the page forwards from the kiosk agent's cash acceptor, note by note."""
    _cash_ctx(session, me, order_id)
    order = cash.accept_note(session, me.actor, order_id, body.seq, body.denomination_fen)
    return NoteOut(amount_fen=order.amount_fen, amount=format_yuan(order.amount_fen))


class CardResultIn(BaseModel):
    """What the kiosk agent's PIN pad answered (bedside.kiosk_agent.drivers.CardPayment)."""

    reference: str = Field(min_length=1, max_length=64)
    amount_fen: int = Field(ge=1, le=100_000_000)
    card_masked: str = Field(pattern=r"^[0-9*]{8,23}$")
    approval_code: str = Field(pattern=r"^[0-9A-Za-z]{1,12}$")
    trace_no: str = Field(pattern=r"^[0-9]{1,12}$")


class CardResultOut(BaseModel):
    state: str


@router.post("/payments/{order_id}/card")
def card_result(body: CardResultIn, session: DbSession, me: KioskPatient, order_id: IdPath) -> CardResultOut:
    """The page forwards the PIN pad's approval; Bedside then asks the acquirer (a repeated
    report changes nothing: the order is credited once)."""
    order = card_terminal.report_approval(
        session,
        me.actor,
        order_id,
        patient_id=me.patient.id,
        reference=body.reference,
        amount_fen=body.amount_fen,
        card_masked=body.card_masked,
        approval_code=body.approval_code,
        trace_no=body.trace_no,
    )
    return CardResultOut(state=order.state)
