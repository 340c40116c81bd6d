"""Console pages of the staffed discharge window: the queue of stays self-service cannot
settle, each with its reasons, and the window clerk settling one for the patient — the
patient signs on the window's pad and, when money is owed, pays by showing a payment code to
the window's scanner; the same settlement as on the phone and the kiosk, the clerk recorded."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from starlette.responses import Response

from bedside.admissions import service as admissions_service
from bedside.core.errors import DomainError
from bedside.discharge import settlement, window
from bedside.discharge.lifecycle import find
from bedside.discharge.models import Settlement, SettlementIntent
from bedside.patients import service as patients_service
from bedside.payments import service as payments_service
from bedside.staff.roles import Role
from bedside.web import security
from bedside.web.console.routes import _chrome, page
from bedside.web.deps import DbSession, IdPath, StaffContext, staff_with
from bedside.web.forms import form_error
from bedside.web.kiosk.money import wallet_of

router = APIRouter(prefix="/console", include_in_schema=False, dependencies=[Depends(security.guard_request)])
# The discharge settlement window is staffed by the cashiers (住院结算处).
WindowClerk = Annotated[StaffContext, staff_with(Role.CASHIER)]


@router.get("/discharge-window")
def queue(request: Request, session: DbSession, me: WindowClerk) -> Response:
    rows = [
        {"row": r, "patient": patients_service.get(session, r.notice.patient_id)}
        for r in window.queue(session)
    ]
    session.commit()
    return page(request, me, "console/discharge_window.html", {"rows": rows})


def _case(session: DbSession, me: WindowClerk, notice_id: int) -> dict[str, Any]:
    notice = admissions_service.get(session, notice_id)
    d = find(session, notice_id)
    ctx: dict[str, Any] = {
        "notice": notice,
        "patient": patients_service.get(session, notice.patient_id),
        "discharge": d,
        "cases": window.open_cases(session, notice_id),
        "request_key": secrets.token_urlsafe(16),
        "settlement": settlement.current_settlement(session, notice_id),
        "waiting": None,
    }
    if d is not None and d.state == "ready_to_settle":
        ctx["pre"] = pre = settlement.pre_settle(session, notice_id)
        ctx["reasons"] = window.reasons(session, notice, d, pre.supplementary_fen)
        intent = session.scalar(
            select(SettlementIntent)
            .where(SettlementIntent.notice_id == notice_id, SettlementIntent.state == "waiting")
            .order_by(SettlementIntent.id.desc())
        )
        if intent is not None:
            ctx["waiting"] = payments_service.get_order(session, intent.payment_order_id)
    elif d is not None:
        ctx["reasons"] = window.reasons(session, notice, d)
    session.commit()
    return ctx


@router.get("/discharge-window/{notice_id}")
def case(request: Request, session: DbSession, me: WindowClerk, notice_id: IdPath) -> Response:
    return page(request, me, "console/discharge_window_case.html", _case(session, me, notice_id))


@router.post("/discharge-window/{notice_id}/settle")
def settle(
    request: Request,
    session: DbSession,
    me: WindowClerk,
    notice_id: IdPath,
    signature: Annotated[str, Form(max_length=300_000)] = "",
    request_key: Annotated[str, Form(max_length=100)] = "",
    auth_code: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    code = auth_code.strip()
    try:
        payer = None
        if code:
            channel, trade_type = wallet_of(code)
            payer = settlement.Payer(channel, trade_type, "window", auth_code=code)
        done = settlement.settle_or_pay(
            session, me.actor, notice_id, signature, request_key, payer, at_window=True
        )
    except DomainError as exc:
        session.rollback()
        ctx = {**_chrome(request, me), **_case(session, me, notice_id)}
        return form_error(request, "console/discharge_window_case.html", ctx, exc)
    if not isinstance(done, Settlement):
        payments_service.refresh(session, done.id)
        settlement.finish(session, done.id)
    return RedirectResponse(f"/console/discharge-window/{notice_id}", status_code=303)
