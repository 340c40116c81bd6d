"""The finance desk: reconciliation days (statements, cash counts, discrepancies worked to
closure) beside the to-refund list; exports and the month view are in reconciliation_reports."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from bedside.core.clock import local_today
from bedside.core.errors import DomainError, InvalidInput
from bedside.core.i18n import N_
from bedside.core.money import parse_amount
from bedside.payments import refunds as payments_refunds
from bedside.reconciliation import engine, fetch, service, workflow
from bedside.reconciliation.states import CAUSES, LABELS, DiscrepancyState
from bedside.staff.roles import Role
from bedside.web import security
from bedside.web.console.routes import _chrome, page
from bedside.web.deps import DbSession, IdPath, StaffContext, staff_with
from bedside.web.forms import form_error

router = APIRouter(prefix="/console", include_in_schema=False, dependencies=[Depends(security.guard_request)])
Cashier = Annotated[StaffContext, staff_with(Role.CASHIER)]
DAY_TEMPLATE = "console/reconciliation/day.html"
ACTIONS = ("query", "credit", "write_off", "approve", "reject", "carry_over", "note")


def _day_url(bill_date: date) -> str:
    return f"/console/reconciliation/days/{bill_date.isoformat()}"


@router.get("/reconciliation")
def desk(request: Request, session: DbSession, me: Cashier) -> Response:
    ctx = {
        "days": service.recent_days(session),
        "waiting": payments_refunds.refunds_waiting(session),
        "yesterday": local_today().fromordinal(local_today().toordinal() - 1),
    }
    return page(request, me, "console/reconciliation/desk.html", ctx)


@router.post("/reconciliation/open")
def open_day(
    session: DbSession, me: Cashier, bill_date: Annotated[str, Form(max_length=20)] = ""
) -> Response:
    day = service.parse_date(bill_date)
    if day > local_today():
        raise InvalidInput(
            N_("A day can be reconciled once it has begun."), code="invalid_date", field="date"
        )
    service.open_day(session, me.actor, day)
    return RedirectResponse(_day_url(day), status_code=303)


def _ctx(session: DbSession, bill_date: date) -> dict[str, Any]:
    day = service.get_day(session, bill_date)
    items = service.discrepancies(session, day.id)
    return {
        "day": day,
        "imports": service.imports_of(session, day.id),
        "counts": service.cash_counts(session, day.id),
        "items": items,
        "causes": {k.value: v for k, v in CAUSES.items()},
        "open_count": sum(
            1 for d in items if d.state in (DiscrepancyState.OPEN, DiscrepancyState.AWAITING_APPROVAL)
        ),
        "labels": LABELS,
        "day_url": _day_url(bill_date),
    }


@router.get("/reconciliation/days/{bill_date}")
def day_page(request: Request, session: DbSession, me: Cashier, bill_date: str) -> Response:
    return page(request, me, DAY_TEMPLATE, _ctx(session, service.parse_date(bill_date)))


def _done(
    request: Request, session: DbSession, me: StaffContext, bill_date: date, exc: DomainError
) -> Response:
    session.rollback()
    return form_error(request, DAY_TEMPLATE, {**_ctx(session, bill_date), **_chrome(request, me)}, exc)


@router.post("/reconciliation/days/{bill_date}/fetch")
def fetch_statements(request: Request, session: DbSession, me: Cashier, bill_date: str) -> Response:
    day = service.parse_date(bill_date)
    service.get_day(session, day)
    try:
        for channel in service.CHANNELS:
            session.commit()  # no transaction (nor SQLite's write lock) open across the download
            got = fetch.download(channel, day)
            service.import_statement(session, me.actor, day, channel, got.name, got.data, got.sha1)
    except DomainError as exc:
        return _done(request, session, me, day, exc)
    return RedirectResponse(_day_url(day), status_code=303)


@router.post("/reconciliation/days/{bill_date}/import")
def upload(
    request: Request,
    session: DbSession,
    me: Cashier,
    bill_date: str,
    channel: Annotated[str, Form(max_length=20)] = "",
    sha1: Annotated[str, Form(max_length=64)] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    day = service.parse_date(bill_date)
    service.get_day(session, day)
    try:
        if file is None or channel not in service.CHANNELS:
            raise InvalidInput(N_("Choose the channel and the statement file."), code="statement_required")
        data = file.file.read(service.MAX_FILE_BYTES + 1)
        service.import_statement(
            session, me.actor, day, channel, file.filename or channel, data, sha1 or None
        )
    except DomainError as exc:
        return _done(request, session, me, day, exc)
    return RedirectResponse(_day_url(day), status_code=303)


@router.post("/reconciliation/days/{bill_date}/cash")
def cash_count(
    request: Request,
    session: DbSession,
    me: Cashier,
    bill_date: str,
    kiosk: Annotated[str, Form(max_length=40)] = "",
    counted: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    day = service.parse_date(bill_date)
    service.get_day(session, day)
    try:
        service.record_cash_count(
            session, me.actor, day, kiosk, parse_amount(counted, min_fen=0, field="counted")
        )
    except DomainError as exc:
        return _done(request, session, me, day, exc)
    return RedirectResponse(_day_url(day), status_code=303)


@router.post("/reconciliation/days/{bill_date}/run")
def run(request: Request, session: DbSession, me: Cashier, bill_date: str) -> Response:
    day = service.parse_date(bill_date)
    service.get_day(session, day)
    try:
        engine.run(session, me.actor, day)
    except DomainError as exc:
        return _done(request, session, me, day, exc)
    return RedirectResponse(_day_url(day), status_code=303)


@router.post("/reconciliation/days/{bill_date}/close")
def close(request: Request, session: DbSession, me: Cashier, bill_date: str) -> Response:
    day = service.parse_date(bill_date)
    service.get_day(session, day)
    try:
        service.close_day(session, me.actor, day)
    except DomainError as exc:
        return _done(request, session, me, day, exc)
    return RedirectResponse(_day_url(day), status_code=303)


@router.post("/reconciliation/discrepancies/{discrepancy_id}/act")
def act(
    request: Request,
    session: DbSession,
    me: Cashier,
    discrepancy_id: IdPath,
    action: Annotated[str, Form(max_length=20)] = "",
    note: Annotated[str, Form(max_length=500)] = "",
    assignee: Annotated[str, Form(max_length=100)] = "",
    approver: Annotated[str, Form(max_length=50)] = "",
    approver_password: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    item = workflow.get(session, discrepancy_id)
    day = service.day_of(session, item)
    try:
        if action == "query":
            workflow.query_channel(session, me.actor, discrepancy_id)
        elif action == "credit":
            workflow.credit(session, me.actor, discrepancy_id, note)
        elif action == "write_off":
            workflow.request_write_off(session, me.actor, discrepancy_id, note)
        elif action in ("approve", "reject"):
            workflow.decide_write_off(
                session, me.actor, discrepancy_id, action == "approve", approver, approver_password, note
            )
        elif action == "carry_over":
            workflow.carry_over(session, me.actor, discrepancy_id, note)
        elif action == "note":
            workflow.annotate(session, me.actor, discrepancy_id, note, assignee or None)
        else:
            raise InvalidInput(N_("Choose an action."), code="invalid_action", field="action")
    except DomainError as exc:
        return _done(request, session, me, day, exc)
    return RedirectResponse(f"{_day_url(day)}#d{discrepancy_id}", status_code=303)
