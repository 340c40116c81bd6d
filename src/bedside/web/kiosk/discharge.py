"""Kiosk pages of discharge: settlement (split, deposit used, refund or what is left to pay,
signature on the screen) and the documents, in a handful of taps."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from bedside.admissions import service as admissions_service
from bedside.core.errors import DomainError, NotFound
from bedside.core.i18n import N_
from bedside.discharge import documents as documents_service
from bedside.discharge import service as discharge_service
from bedside.discharge.models import Settlement
from bedside.einvoice import service as einvoice_service
from bedside.settings import get_settings
from bedside.web import security
from bedside.web.deps import DbSession, IdPath, KioskPatient
from bedside.web.forms import form_error
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
        ctx["pre"] = discharge_service.pre_settle(session, notice_id)
        ctx["windows"] = discharge_service.window_reasons(session, notice, d)
    session.commit()
    return ctx


@router.get("/stays/{notice_id}/settle")
def settle_page(request: Request, session: DbSession, me: KioskPatient, notice_id: IdPath) -> Response:
    ctx = _ctx(session, me, notice_id)
    if ctx["discharge"] is not None and ctx["discharge"].state in ("settled", "discharged"):
        return RedirectResponse(f"/kiosk/stays/{notice_id}/settled", status_code=303)
    return render(request, "kiosk/settle.html", ctx)


@router.post("/stays/{notice_id}/settle")
def settle(
    request: Request,
    session: DbSession,
    me: KioskPatient,
    notice_id: IdPath,
    signature: Annotated[str, Form(max_length=300_000)] = "",
    request_key: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    admissions_service.get_for_patients(session, notice_id, {me.patient.id})
    try:
        discharge_service.settle(session, me.actor, notice_id, signature, request_key)
    except DomainError as exc:
        session.rollback()
        return form_error(request, "kiosk/settle.html", _ctx(session, me, notice_id), exc)
    return RedirectResponse(f"/kiosk/stays/{notice_id}/settled", status_code=303)


@router.get("/stays/{notice_id}/settled")
def settled(request: Request, session: DbSession, me: KioskPatient, notice_id: IdPath) -> Response:
    ctx = _ctx(session, me, notice_id)
    row = discharge_service.current_settlement(session, notice_id)
    if row is None:
        return RedirectResponse(f"/kiosk/stays/{notice_id}/settle", status_code=303)
    ctx["settlement"] = row
    ctx["documents"] = documents_service.documents(session, row)
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
