"""Phone pages of reports: the list for the patient chosen, one report, its PDF."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from bedside.accounts import service as accounts_service
from bedside.core.errors import NotFound
from bedside.core.i18n import N_
from bedside.reports import service as reports_service
from bedside.web import security
from bedside.web.deps import AccountUser, DbSession, IdPath
from bedside.web.rendering import render

router = APIRouter(prefix="/phone", include_in_schema=False, dependencies=[Depends(security.guard_request)])


@router.get("/patients/{patient_id}/reports")
def reports(request: Request, session: DbSession, me: AccountUser, patient_id: IdPath) -> Response:
    patient = accounts_service.require_patient(session, me.actor, patient_id)
    rows = reports_service.for_patient(session, patient.id)
    exams = reports_service.scheduled_exams(session, patient.id)
    return render(
        request, "phone/reports.html", {"me": me, "patient": patient, "reports": rows, "exams": exams}
    )


@router.get("/reports/{report_id}")
def report(request: Request, session: DbSession, me: AccountUser, report_id: IdPath) -> Response:
    row = reports_service.get_for(session, report_id, accounts_service.patient_ids_of(session, me.account.id))
    reports_service.mark_read(session, row)
    return render(request, "phone/report.html", {"me": me, "report": row})


@router.get("/reports/{report_id}/report.pdf")
def report_pdf(session: DbSession, me: AccountUser, report_id: IdPath) -> Response:
    row = reports_service.get_for(session, report_id, accounts_service.patient_ids_of(session, me.account.id))
    if row.pdf is None:
        raise NotFound(N_("Report not found."), code="report_not_found")
    return Response(row.pdf, media_type="application/pdf")
