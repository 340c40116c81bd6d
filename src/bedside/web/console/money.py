"""Cashier console: the to-refund list with the rule behind each item, decisions, and
refunding a stay's surplus to the original routes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from bedside.core.errors import DomainError, InvalidInput
from bedside.core.i18n import N_
from bedside.core.money import parse_amount
from bedside.deposits import service as deposits_service
from bedside.patients import service as patients_service
from bedside.payments import refunds as payments_refunds
from bedside.payments import service as payments_service
from bedside.staff.roles import Role
from bedside.web import security
from bedside.web.console.routes import page
from bedside.web.deps import DbSession, IdPath, StaffContext, staff_with
from bedside.web.forms import form_error

router = APIRouter(prefix="/console", include_in_schema=False, dependencies=[Depends(security.guard_request)])
Cashier = Annotated[StaffContext, staff_with(Role.CASHIER)]


@router.get("/refunds")
def refunds(request: Request, session: DbSession, me: Cashier) -> Response:
    return page(request, me, "console/refunds.html", {"waiting": payments_refunds.refunds_waiting(session)})


@router.post("/refunds/{refund_id}/decide")
def decide(
    session: DbSession,
    me: Cashier,
    refund_id: IdPath,
    decision: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    if decision not in ("approve", "reject"):
        raise InvalidInput(N_("Choose approve or reject."), code="invalid_decision")
    payments_refunds.decide_refund(session, me.actor, refund_id, decision == "approve", note)
    return RedirectResponse("/console/refunds", status_code=303)


def _account_ctx(session: DbSession, me: StaffContext, account_id: int) -> dict[str, Any]:
    acct = deposits_service.get(session, account_id)
    return {
        "account": acct,
        "patient": patients_service.read_for_staff(session, me.actor, acct.patient_id, "deposit account"),
        "entries": deposits_service.history(session, acct.id),
        "orders": payments_service.orders_for_account(session, acct.id),
        "refunds": payments_refunds.refunds_for_account(session, acct.id),
        "form": {},
    }


@router.get("/deposits")
def accounts(request: Request, session: DbSession, me: Cashier) -> Response:
    rows = deposits_service.recent_accounts(session)
    # A list of names is not a read of anyone's record; opening an account is (and is audited).
    patients = {a.patient_id: patients_service.get(session, a.patient_id) for a in rows}
    return page(request, me, "console/deposit_accounts.html", {"accounts": rows, "patients": patients})


@router.get("/deposits/{account_id}")
def account(request: Request, session: DbSession, me: Cashier, account_id: IdPath) -> Response:
    return page(request, me, "console/deposit_account.html", _account_ctx(session, me, account_id))


@router.get("/deposits/{account_id}/refunds")
def account_refunds(request: Request, session: DbSession, me: Cashier, account_id: IdPath) -> Response:
    return page(request, me, "console/deposit_refunds.html", _account_ctx(session, me, account_id))


@router.post("/deposits/{account_id}/refund")
def refund_surplus(
    request: Request,
    session: DbSession,
    me: Cashier,
    account_id: IdPath,
    amount: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    ctx = {**_account_ctx(session, me, account_id), "form": {"amount": amount, "reason": reason}}
    try:
        fen = parse_amount(amount)
        payments_refunds.refund_to_origin(session, me.actor, account_id, fen, reason)
    except DomainError as exc:
        session.rollback()
        from bedside.web.console.routes import _chrome

        return form_error(request, "console/deposit_account.html", {**ctx, **_chrome(request, me)}, exc)
    return RedirectResponse(f"/console/deposits/{account_id}", status_code=303)
