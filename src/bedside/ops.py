"""Operations endpoints: health and Prometheus metrics."""

from __future__ import annotations

import hmac
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy import text
from starlette.responses import Response

from bedside import __version__
from bedside.core.db import get_database
from bedside.core.errors import DomainError, Forbidden, NotAuthenticated
from bedside.settings import get_settings
from bedside.staff.roles import Role
from bedside.web.deps import DbSession, signed_in_staff
from bedside.web.problems import problem_responses
from bedside.web.rendering import locale_of

router = APIRouter(tags=["ops"])


class Health(BaseModel):
    status: Literal["ok", "error"]
    database: Literal["ok", "unreachable"]
    version: str | None = None


@router.get(
    "/healthz",
    response_model=Health,
    responses={503: {"model": Health, "description": "The database cannot be reached"}},
)
def healthz() -> Response:
    try:
        # A read: on SQLite it must not queue behind a writer for the lock it does not need.
        with get_database().session(read_only=True) as session:
            session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - health reports the failure instead of raising
        return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok", "version": __version__})


def _bearer_ok(request: Request, token: str) -> bool:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if not token or scheme.lower() != "bearer":
        return False
    # Constant time, so the token cannot be guessed a character at a time.
    return hmac.compare_digest(given.strip().encode(), token.encode())


def _refusal(request: Request, session: DbSession) -> Response | None:
    """Outside demo mode the metrics name every route and its traffic: a scraper with the
    token, or a signed-in admin, only."""
    settings = get_settings()
    if settings.demo or _bearer_ok(request, settings.metrics_token):
        return None
    me = signed_in_staff(request, session)
    if me is not None and me.actor.has_role(Role.ADMIN):
        return None
    error: DomainError = Forbidden() if me is not None else NotAuthenticated()
    headers = None if me is not None else {"WWW-Authenticate": 'Bearer realm="metrics"'}
    return JSONResponse(
        error.problem(locale_of(request)),
        status_code=error.status,
        media_type="application/problem+json",
        headers=headers,
    )


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    responses={
        200: {"content": {CONTENT_TYPE_LATEST.split(";")[0]: {"schema": {"type": "string"}}}},
        **problem_responses(401, 403, 503),
    },
)
def metrics(request: Request, session: DbSession) -> Response:
    refusal = _refusal(request, session)
    if refusal is not None:
        return refusal
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
