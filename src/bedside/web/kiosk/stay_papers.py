"""Kiosk pages of a stay's papers: the itemized bill (住院清单, seed 003: totals by category,
then the lines with quantity, unit price and amount, a page at a time) and the discharge
certificate (出院证明书), printed and stamped once the discharge is settled."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from bedside.admissions import service as admissions_service
from bedside.charges import itemized
from bedside.discharge import certificate
from bedside.discharge import service as discharge_service
from bedside.settings import get_settings
from bedside.web import security
from bedside.web.deps import DbSession, IdPath, KioskPatient
from bedside.web.rendering import render

router = APIRouter(prefix="/kiosk", include_in_schema=False, dependencies=[Depends(security.guard_request)])


def _ctx(session: DbSession, me: KioskPatient, notice_id: int) -> dict[str, Any]:
    notice = admissions_service.get_for_patients(session, notice_id, {me.patient.id})
    d = discharge_service.find(session, notice_id)
    return {
        "kiosk": me.kiosk,
        "patient": me.patient,
        "idle_seconds": get_settings().kiosk_idle_seconds,
        "notice": notice,
        "settled": d is not None and d.state in ("settled", "discharged"),
    }


def _page_number(text: str) -> int:
    """Anything but digits is the first page; a huge number is the last."""
    return min(int(text[:7]), itemized.MAX_PAGE) if text.isascii() and text.isdigit() else 1


@router.get("/stays/{notice_id}/bill")
def itemized_bill(
    request: Request,
    session: DbSession,
    me: KioskPatient,
    notice_id: IdPath,
    category: str = "",
    page: str = "1",
) -> Response:
    ctx = _ctx(session, me, notice_id)
    ctx["bill"] = itemized.page(session, notice_id, category[:30] or None, _page_number(page[:40]))
    return render(request, "kiosk/itemized_bill.html", ctx)


@router.get("/stays/{notice_id}/certificate")
def certificate_page(request: Request, session: DbSession, me: KioskPatient, notice_id: IdPath) -> Response:
    ctx = _ctx(session, me, notice_id)
    ctx["doc"] = certificate.issue(session, notice_id) if ctx["settled"] else None
    return render(request, "kiosk/certificate.html", ctx, status_code=200 if ctx["doc"] else 409)


@router.get(f"/stays/{{notice_id}}/{certificate.KIND}.pdf")
def certificate_pdf(session: DbSession, me: KioskPatient, notice_id: IdPath) -> Response:
    """The bytes, for a kiosk agent that cannot fetch them with a print ticket itself."""
    admissions_service.get_for_patients(session, notice_id, {me.patient.id})
    doc = certificate.issue(session, notice_id)
    return Response(
        doc.pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{doc.number}.pdf"', "Cache-Control": "no-store"},
    )
