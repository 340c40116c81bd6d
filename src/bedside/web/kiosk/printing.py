"""Print tickets: the kiosk page asks for a ticket for a document it shows, hands the ticket's
URL to the kiosk agent, and the agent fetches the bytes from here itself (GET
/kiosk/print/{ticket}), so documents no longer pass through the page."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.responses import Response

from bedside.admissions import service as admissions_service
from bedside.admissions.models import AdmissionNotice
from bedside.core.errors import DomainError, NotFound
from bedside.core.i18n import N_
from bedside.discharge import certificate as discharge_certificate
from bedside.discharge import documents as documents_service
from bedside.discharge.models import Settlement
from bedside.documents import receipts as receipt_docs
from bedside.documents import wristband as wristband_doc
from bedside.kiosks import print_tickets
from bedside.kiosks import service as kiosks_service
from bedside.kiosks.models import Kiosk
from bedside.payments import service as payments_service
from bedside.payments.models import PaymentOrder
from bedside.reports import service as reports_service
from bedside.reports.models import Report
from bedside.web import security
from bedside.web.deps import DbSession, KioskPatient
from bedside.web.receipts import receipt_for
from bedside.web.rendering import locale_of
from bedside.web.wristbands import wristband_for

router = APIRouter(prefix="/kiosk", include_in_schema=False, dependencies=[Depends(security.guard_request)])


class DocumentNotFound(NotFound):
    code = "document_not_found"
    message = N_("No document has this number.")


def _receipt_owned(session: Session, patient_id: int, m: re.Match[str]) -> PaymentOrder:
    order = payments_service.get_order(session, int(m[1]))
    if order.patient_id != patient_id:
        raise DocumentNotFound()
    return order


def _receipt(session: Session, patient_id: int, m: re.Match[str], locale: str) -> tuple[bytes, str]:
    order = _receipt_owned(session, patient_id, m)
    return receipt_docs.receipt_escpos(receipt_for(session, order, locale), locale), "application/vnd.escpos"


def _settlement_owned(session: Session, patient_id: int, m: re.Match[str]) -> Settlement:
    row = session.get(Settlement, int(m[1]))
    if row is None or m[2] not in documents_service.KINDS:
        raise DocumentNotFound()
    admissions_service.get_for_patients(session, row.notice_id, {patient_id})
    return row


def _settlement(session: Session, patient_id: int, m: re.Match[str], locale: str) -> tuple[bytes, str]:
    row = _settlement_owned(session, patient_id, m)
    return documents_service.document(session, row, m[2]).pdf, "application/pdf"


def _wristband_owned(session: Session, patient_id: int, m: re.Match[str]) -> AdmissionNotice:
    return admissions_service.get_for_patients(session, int(m[1]), {patient_id})


def _wristband(session: Session, patient_id: int, m: re.Match[str], locale: str) -> tuple[bytes, str]:
    notice = _wristband_owned(session, patient_id, m)
    zpl = wristband_doc.wristband_zpl(wristband_for(session, notice))
    return zpl.encode(), "text/plain; charset=utf-8"


def _report_owned(session: Session, patient_id: int, m: re.Match[str]) -> Report:
    row = reports_service.get_for(session, int(m[1]), {patient_id})
    if row.pdf is None:
        raise DocumentNotFound()
    return row


def _report(session: Session, patient_id: int, m: re.Match[str], locale: str) -> tuple[bytes, str]:
    return _report_owned(session, patient_id, m).pdf or b"", "application/pdf"


def _certificate_owned(session: Session, patient_id: int, m: re.Match[str]) -> AdmissionNotice:
    notice = admissions_service.get_for_patients(session, int(m[1]), {patient_id})
    discharge_certificate.issue(session, notice.id)  # settled, or no ticket
    return notice


def _certificate(session: Session, patient_id: int, m: re.Match[str], locale: str) -> tuple[bytes, str]:
    notice = _certificate_owned(session, patient_id, m)
    return discharge_certificate.issue(session, notice.id).pdf, "application/pdf"


Owner = Callable[[Session, int, re.Match[str]], object]
Resolver = Callable[[Session, int, re.Match[str], str], tuple[bytes, str]]
_ID = r"([1-9][0-9]{0,8})"
# The documents a kiosk prints, by the path the page shows them under. The owner check runs
# when a ticket is asked for (so another patient's document gets no ticket at all) and again,
# inside the resolver, when the ticket is redeemed.
DOCUMENTS: tuple[tuple[re.Pattern[str], Owner, Resolver], ...] = (
    (re.compile(rf"^/kiosk/payments/{_ID}/receipt\.escpos$"), _receipt_owned, _receipt),
    (re.compile(rf"^/kiosk/settlements/{_ID}/([a-z_]{{1,30}})\.pdf$"), _settlement_owned, _settlement),
    (re.compile(rf"^/kiosk/stays/{_ID}/wristband\.zpl$"), _wristband_owned, _wristband),
    (re.compile(rf"^/kiosk/reports/{_ID}/report\.pdf$"), _report_owned, _report),
    (re.compile(rf"^/kiosk/stays/{_ID}/discharge_cert\.pdf$"), _certificate_owned, _certificate),
)


def _resolver(document: str) -> tuple[re.Match[str], Owner, Resolver] | None:
    for pattern, owner, resolve in DOCUMENTS:
        found = pattern.match(document)
        if found:
            return found, owner, resolve
    return None


class TicketIn(BaseModel):
    url: str = Field(min_length=1, max_length=300)


class TicketOut(BaseModel):
    ticket_url: str
    expires_in: int


@router.post("/print-tickets")
def new_ticket(body: TicketIn, request: Request, session: DbSession, me: KioskPatient) -> TicketOut:
    """A ticket for one of this page's documents, for the kiosk agent to fetch it with."""
    found = _resolver(body.url)
    if found is None:
        raise DocumentNotFound()
    match, owned, _ = found
    try:
        owned(session, me.patient.id, match)
    except DomainError:
        raise DocumentNotFound() from None
    ticket = print_tickets.issue(me.kiosk, me.patient.id, body.url, locale_of(request))
    return TicketOut(ticket_url=f"/kiosk/print/{ticket}", expires_in=int(print_tickets.TTL.total_seconds()))


@router.get("/print/{ticket}")
def print_document(ticket: str, request: Request, session: DbSession) -> Response:
    """What the kiosk agent fetches with a ticket. A kiosk key, if sent, must be the ticket's
    kiosk's; the ticket alone is enough otherwise (short-lived, one use, bound to the kiosk)."""
    kiosk: Kiosk | None = None
    key = request.headers.get("x-kiosk-key")
    if key:
        try:
            kiosk = kiosks_service.authenticate(session, key)
        except DomainError:
            raise print_tickets.PrintTicketInvalid() from None
    claims = print_tickets.redeem(session, ticket, kiosk=kiosk)
    found = _resolver(claims.document)
    if found is None:
        raise DocumentNotFound()
    match, _, resolve = found
    data, media_type = resolve(session, claims.patient_id, match, claims.locale)
    return Response(data, media_type=media_type, headers={"Cache-Control": "no-store"})
