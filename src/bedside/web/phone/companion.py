"""The patient's companion-care bills on the phone: confirm a bill or dispute a day, pay a
confirmed bill (the payment pages of the deposit serve it), the receipt; and the bedside QR
card's link, which opens the care bill of the stay in that bed."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from starlette.responses import Response

from bedside.accounts import service as accounts_service
from bedside.admissions import service as admissions_service
from bedside.admissions.models import AdmissionNotice
from bedside.companion import bills
from bedside.core.errors import DomainError, NotFound
from bedside.core.i18n import N_
from bedside.web import security
from bedside.web.deps import MAX_ID, AccountUser, DbSession, IdPath
from bedside.web.forms import form_error
from bedside.web.money_forms import phone_method
from bedside.web.rendering import render

router = APIRouter(prefix="/phone", include_in_schema=False, dependencies=[Depends(security.guard_request)])
# The bill or day goes in the form, so the path names only the stay the account must act for;
# it is read after that check, so a stranger learns nothing from how a bad id is refused.
FormId = Annotated[str, Form(max_length=12)]


def _id(raw: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_ID:
        raise NotFound(N_("No such care bill."), code="care_bill_not_found")
    return int(raw)


def _notice(session: DbSession, me: AccountUser, notice_id: int) -> AdmissionNotice:
    ids = accounts_service.patient_ids_of(session, me.account.id)
    notice = admissions_service.get_for_patients(session, notice_id, ids)
    accounts_service.require_patient(session, me.actor, notice.patient_id)
    return notice


def _ctx(session: DbSession, me: AccountUser, notice: AdmissionNotice) -> dict[str, Any]:
    rows = bills.for_stay(session, notice.id)
    for b, _, _ in rows:
        if b.payment_order_id and b.state == "confirmed":
            bills.book(session, b.payment_order_id)  # the payment's event may not have run yet
    session.commit()
    return {
        "me": me,
        "notice": notice,
        "bills": bills.for_stay(session, notice.id),
        "request_key": secrets.token_urlsafe(16),
    }


@router.get("/stays/{notice_id}/care")
def care(request: Request, session: DbSession, me: AccountUser, notice_id: IdPath) -> Response:
    return render(request, "phone/companion/bills.html", _ctx(session, me, _notice(session, me, notice_id)))


def _back(
    request: Request, session: DbSession, me: AccountUser, notice: AdmissionNotice, exc: DomainError
) -> Response:
    session.rollback()
    return form_error(request, "phone/companion/bills.html", _ctx(session, me, notice), exc)


@router.post("/stays/{notice_id}/care/confirm")
def confirm(
    request: Request, session: DbSession, me: AccountUser, notice_id: IdPath, bill_id: FormId = ""
) -> Response:
    notice = _notice(session, me, notice_id)
    try:
        bills.confirm(session, me.actor, notice, _id(bill_id))
    except DomainError as exc:
        return _back(request, session, me, notice, exc)
    return RedirectResponse(f"/phone/stays/{notice_id}/care", status_code=303)


@router.post("/stays/{notice_id}/care/dispute")
def dispute(
    request: Request,
    session: DbSession,
    me: AccountUser,
    notice_id: IdPath,
    day_id: FormId = "",
    reason: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    notice = _notice(session, me, notice_id)
    try:
        bills.dispute(session, me.actor, notice, _id(day_id), reason)
    except DomainError as exc:
        return _back(request, session, me, notice, exc)
    return RedirectResponse(f"/phone/stays/{notice_id}/care", status_code=303)


@router.post("/stays/{notice_id}/care/pay")
def pay(
    request: Request,
    session: DbSession,
    me: AccountUser,
    notice_id: IdPath,
    bill_id: FormId = "",
    request_key: Annotated[str, Form(max_length=100)] = "",
    method: Annotated[str, Form(max_length=20)] = "wechat",
) -> Response:
    notice = _notice(session, me, notice_id)
    try:
        how = phone_method(session, me.account.id, request.headers.get("user-agent", ""), method)
        order = bills.start_payment(
            session,
            me.actor,
            notice,
            _id(bill_id),
            channel=how.channel,
            trade_type=how.trade_type,
            payer=how.payer,
            idempotency_key=request_key,
            place="phone",
        )
    except DomainError as exc:
        return _back(request, session, me, notice, exc)
    return RedirectResponse(f"/phone/payments/{order.id}", status_code=303)


@router.get("/care/beds/{bed_id}")
def bed_card(session: DbSession, me: AccountUser, bed_id: IdPath) -> Response:
    """The bedside QR card: the care bill of the stay now in this bed, if it is one of the
    account's patients; anyone else learns nothing about the bed."""
    ids = accounts_service.patient_ids_of(session, me.account.id)
    notice_id = session.scalar(
        select(AdmissionNotice.id).where(
            AdmissionNotice.bed_id == bed_id,
            AdmissionNotice.state == "admitted",
            AdmissionNotice.patient_id.in_(ids or {0}),
        )
    )
    if notice_id is None:
        raise NotFound(N_("This bed's care bill is not one of your patients'."), code="care_bed_not_yours")
    return RedirectResponse(f"/phone/stays/{notice_id}/care", status_code=303)
