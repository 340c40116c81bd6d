"""Kiosk pages of reports: the signed-in patient's reports, read on screen (and printed by
the laser printer through the kiosk agent from the PDF's URL)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from bedside.core.errors import NotFound
from bedside.core.i18n import N_
from bedside.reports import service as reports_service
from bedside.settings import get_settings
from bedside.web import security
from bedside.web.deps import DbSession, IdPath, KioskPatient
from bedside.web.rendering import render

router = APIRouter(prefix="/kiosk", include_in_schema=False, dependencies=[Depends(security.guard_request)])


def _base(me: KioskPatient) -> dict[str, object]:
    return {"kiosk": me.kiosk, "patient": me.patient, "idle_seconds": get_settings().kiosk_idle_seconds}


@router.get("/reports")
def reports(request: Request, session: DbSession, me: KioskPatient) -> Response:
    return render(
        request,
        "kiosk/reports.html",
        {
            **_base(me),
            "reports": reports_service.for_patient(session, me.patient.id),
            "exams": reports_service.scheduled_exams(session, me.patient.id),
        },
    )


@router.get("/reports/{report_id}")
def report(request: Request, session: DbSession, me: KioskPatient, report_id: IdPath) -> Response:
    row = reports_service.get_for(session, report_id, {me.patient.id})
    reports_service.mark_read(session, row)
    return render(request, "kiosk/report.html", {**_base(me), "report": row})


@router.get("/reports/{report_id}/report.pdf")
def report_pdf(session: DbSession, me: KioskPatient, report_id: IdPath) -> Response:
    row = reports_service.get_for(session, report_id, {me.patient.id})
    if row.pdf is None:
        raise NotFound(N_("Report not found."), code="report_not_found")
    return Response(row.pdf, media_type="application/pdf")
