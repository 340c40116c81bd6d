"""The public verification page printed as a QR code on every discharge document: given the
document's number and the check code printed on it, it says whether the hospital issued it and
whether a copy is the genuine one: signed by the hospital's certificate over the whole file, and
the very file issued under that number. The number alone shows nothing."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from starlette.responses import Response

from bedside.core import ratelimit
from bedside.core.errors import DomainError, InvalidInput
from bedside.core.i18n import N_
from bedside.discharge import documents as documents_service
from bedside.settings import get_settings
from bedside.web import security
from bedside.web.deps import DbSession
from bedside.web.forms import form_error
from bedside.web.rendering import render

router = APIRouter(prefix="/verify", include_in_schema=False, dependencies=[Depends(security.guard_request)])
MAX_PDF = 20 * 1024 * 1024
TEMPLATE = "shared/verify.html"


def _rule() -> ratelimit.Rule:
    return ratelimit.Rule(
        "verify_address",
        get_settings().rate_limit_verify_per_address,
        N_("Too many look-ups from this network. Please try again in %(minutes)s minutes."),
        "verify_limit",
    )


@router.get("")
def lookup_page(request: Request) -> Response:
    return render(request, TEMPLATE, {"doc": None, "number": "", "result": None})


@router.get("/{number}")
def verify_page(request: Request, number: str) -> Response:
    """Where the QR code lands: the number filled in, the check code asked for."""
    return render(request, TEMPLATE, {"doc": None, "number": number[:40], "result": None})


@router.post("")
def verify(
    request: Request,
    session: DbSession,
    number: Annotated[str, Form()] = "",
    code: Annotated[str, Form()] = "",
    file: UploadFile | None = None,
) -> Response:
    ctx: dict[str, Any] = {"doc": None, "number": number[:40], "result": None}
    try:
        # Every look-up counts, found or not: guessing codes costs the same as walking numbers.
        ratelimit.limiter().hit(_rule(), ratelimit.client_address())
        doc = documents_service.by_number_and_code(session, number, code)
        ctx["doc"] = doc
        if file is None or not file.filename:
            return render(request, TEMPLATE, ctx)
        data = file.file.read(MAX_PDF + 1)
        if not data.startswith(b"%PDF") or len(data) > MAX_PDF:
            raise InvalidInput(N_("Choose the PDF file of the document."), code="not_a_pdf", field="file")
    except DomainError as exc:
        return form_error(request, TEMPLATE, ctx, exc)
    verdict = documents_service.check_copy(doc, data)
    result = "genuine" if verdict.genuine else "altered"
    return render(request, TEMPLATE, {**ctx, "result": result, "verdict": verdict})
