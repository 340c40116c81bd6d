"""Finance desk reports: the day's exports (CSV, XLSX) and the month view with its chart."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from bedside.core.clock import local_today
from bedside.core.errors import InvalidInput
from bedside.core.i18n import N_
from bedside.reconciliation import reports, service
from bedside.staff.roles import Role
from bedside.web import security
from bedside.web.console.routes import page
from bedside.web.deps import DbSession, StaffContext, staff_with

router = APIRouter(prefix="/console", include_in_schema=False, dependencies=[Depends(security.guard_request)])
Cashier = Annotated[StaffContext, staff_with(Role.CASHIER)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/reconciliation/days/{bill_date}/export.{fmt}")
def export(session: DbSession, me: Cashier, bill_date: str, fmt: str) -> Response:
    day = service.get_day(session, service.parse_date(bill_date))
    items = service.discrepancies(session, day.id)
    name = f"reconciliation_{day.bill_date:%Y%m%d}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "csv":
        return Response(reports.to_csv(day, items), media_type="text/csv; charset=utf-8", headers=headers)
    if fmt == "xlsx":
        return Response(reports.to_xlsx(day, items), media_type=XLSX, headers=headers)
    raise InvalidInput(N_("Export as csv or xlsx."), code="invalid_format")


@router.get("/reconciliation/months/{month}")
def month(request: Request, session: DbSession, me: Cashier, month: str) -> Response:
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        raise InvalidInput(N_("Enter the month as YYYY-MM."), code="invalid_month") from None
    rows = reports.month_totals(service.month(session, first))
    return page(
        request,
        me,
        "console/reconciliation/month.html",
        {"first": first, "rows": rows, "today": local_today()},
    )
