"""Small helpers for HTML form routes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.responses import Response

from bedside.core.errors import DomainError
from bedside.web.rendering import locale_of, render


def form_error(request: Request, template: str, context: dict[str, Any], exc: DomainError) -> Response:
    """Re-renders the form with the error next to it; the status stays a 4xx."""
    ctx = dict(context)
    ctx.update(error=exc.localized(locale_of(request)), error_code=exc.code, error_field=exc.field)
    response = render(request, template, ctx, status_code=exc.status)
    response.headers.update(exc.headers())
    return response


async def _form_fields(request: Request) -> dict[str, str]:
    # Read here, on the event loop, so that the route itself can be a plain function run in the
    # thread pool: its database work must never block the loop.
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}


FormFields = Annotated[dict[str, str], Depends(_form_fields)]
