"""Small helpers for HTML form routes."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.responses import Response

from bedside.core.errors import DomainError
from bedside.web.rendering import locale_of, render


def form_error(request: Request, template: str, context: dict[str, Any], exc: DomainError) -> Response:
    """Re-renders the form with the error next to it; the status stays a 4xx."""
    ctx = dict(context)
    ctx.update(error=exc.localized(locale_of(request)), error_code=exc.code, error_field=exc.field)
    return render(request, template, ctx, status_code=exc.status)
