"""The landing page and the language switch."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from bedside.core.i18n import LOCALES
from bedside.web import security
from bedside.web.rendering import LANG_COOKIE, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(security.guard_request)])


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths: no scheme, no host, no protocol-relative '//'."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


@router.get("/")
def landing(request: Request) -> Response:
    return render(request, "shared/landing.html")


@router.get("/lang/{locale}")
def switch_language(locale: str, next: str | None = None) -> Response:  # noqa: A002
    response = RedirectResponse(safe_next(next), status_code=303)
    if locale in LOCALES:
        response.set_cookie(LANG_COOKIE, locale, max_age=60 * 60 * 24 * 365, samesite="lax")
    return response
