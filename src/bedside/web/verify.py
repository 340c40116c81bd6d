"""The public verification page printed as a QR code on every discharge document: it says
whether a document with this number was issued and whether a copy is the genuine one: signed by
the hospital's certificate over the whole file, and the very file issued under that number."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, UploadFile
from starlette.responses import Response

from bedside.core.errors import DomainError, InvalidInput
from bedside.core.i18n import N_
from bedside.discharge import documents as documents_service
from bedside.web import security
from bedside.web.deps import DbSession
from bedside.web.forms import form_error
from bedside.web.rendering import render

router = APIRouter(prefix="/verify", include_in_schema=False, dependencies=[Depends(security.guard_request)])
MAX_PDF = 20 * 1024 * 1024


@router.get("/{number}")
def verify_page(request: Request, session: DbSession, number: str) -> Response:
    doc = documents_service.by_number(session, number)
    return render(request, "shared/verify.html", {"doc": doc, "result": None})


@router.post("/{number}")
def verify_copy(
    request: Request, session: DbSession, number: str, file: UploadFile | None = None
) -> Response:
    doc = documents_service.by_number(session, number)
    try:
        data = file.file.read(MAX_PDF + 1) if file is not None else b""
        if not data.startswith(b"%PDF") or len(data) > MAX_PDF:
            raise InvalidInput(N_("Choose the PDF file of the document."), code="not_a_pdf", field="file")
    except DomainError as exc:
        return form_error(request, "shared/verify.html", {"doc": doc, "result": None}, exc)
    verdict = documents_service.check_copy(session, number, data)
    result = "genuine" if verdict.genuine else "altered"
    return render(request, "shared/verify.html", {"doc": doc, "result": result, "verdict": verdict})
