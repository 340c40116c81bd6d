"""Console pages of the satisfaction survey: results by ward and month (managers, admins) and
the questionnaires' editor (admins; each save is a new version)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from starlette.responses import Response

from bedside.core.clock import local_today
from bedside.core.errors import DomainError, NotFound
from bedside.hospital.models import Ward
from bedside.staff.roles import Role
from bedside.surveys import rules
from bedside.surveys import service as surveys
from bedside.surveys.definitions import pretty
from bedside.web import security
from bedside.web.console.routes import _chrome, page
from bedside.web.deps import DbSession, IdQuery, StaffContext, staff_with
from bedside.web.forms import form_error

router = APIRouter(prefix="/console", include_in_schema=False, dependencies=[Depends(security.guard_request)])
Readers = Annotated[StaffContext, staff_with(Role.MANAGER, Role.ADMIN)]
Admin = Annotated[StaffContext, staff_with(Role.ADMIN)]


@router.get("/surveys")
def results(request: Request, session: DbSession, me: Readers, ward: IdQuery = None) -> Response:
    month = (request.query_params.get("month") or rules.month_of(local_today()))[:20]
    wards = list(session.scalars(select(Ward).order_by(Ward.code)))
    ctx = {"month": month, "ward_id": ward, "wards": wards}
    try:
        data = surveys.results(session, month, ward)
    except DomainError as exc:
        session.rollback()
        return form_error(
            request, "console/survey_results.html", {**ctx, **_chrome(request, me), "data": None}, exc
        )
    session.commit()  # results() may have written the default questionnaire
    return page(request, me, "console/survey_results.html", {**ctx, "data": data})


@router.get("/surveys/questionnaires")
def questionnaires(request: Request, session: DbSession, me: Admin) -> Response:
    surveys.ensure_defaults(session)
    session.commit()
    return page(request, me, "console/survey_questionnaires.html", {"rows": surveys.latest_all(session)})


def _editor_ctx(session: DbSession, code: str, text: str | None = None) -> dict[str, object]:
    surveys.ensure_defaults(session)
    session.commit()
    row = surveys.current(session, code[:40])
    if row is None:
        raise NotFound()
    return {"row": row, "text": text if text is not None else pretty(surveys.definition_of(row))}


@router.get("/surveys/questionnaires/{code}")
def questionnaire(request: Request, session: DbSession, me: Admin, code: str) -> Response:
    return page(request, me, "console/survey_questionnaire.html", _editor_ctx(session, code))


@router.post("/surveys/questionnaires/{code}")
def save_questionnaire(
    request: Request,
    session: DbSession,
    me: Admin,
    code: str,
    definition: Annotated[str, Form(max_length=40000)] = "",
) -> Response:
    _editor_ctx(session, code)  # an unknown questionnaire is a 404, not a validation error
    try:
        surveys.save_version(session, me.actor, code[:40], definition)
    except DomainError as exc:
        session.rollback()
        return form_error(
            request,
            "console/survey_questionnaire.html",
            {**_editor_ctx(session, code, definition), **_chrome(request, me)},
            exc,
        )
    return RedirectResponse(f"/console/surveys/questionnaires/{code[:40]}?saved=1", status_code=303)
