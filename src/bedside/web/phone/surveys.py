"""Phone pages after discharge: the list of surveys, follow-ups and appointments; answering the
satisfaction survey (once per stay) and a follow-up questionnaire."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from bedside.accounts import service as accounts_service
from bedside.core.clock import local_today
from bedside.core.errors import DomainError, InvalidInput
from bedside.core.i18n import N_
from bedside.surveys import followup
from bedside.surveys import service as surveys
from bedside.web import security
from bedside.web.deps import AccountUser, DbSession, IdPath
from bedside.web.forms import FormFields, form_error
from bedside.web.rendering import locale_of, render

router = APIRouter(prefix="/phone", include_in_schema=False, dependencies=[Depends(security.guard_request)])
MAX_FIELD = 2000


def _checked(fields: dict[str, str]) -> dict[str, str]:
    if len(fields) > 60 or any(len(v) > MAX_FIELD or len(k) > 40 for k, v in fields.items()):
        raise InvalidInput(N_("Some of the information entered is not valid."), code="invalid_answers")
    return fields


@router.get("/surveys")
def overview(request: Request, session: DbSession, me: AccountUser) -> Response:
    ids = accounts_service.patient_ids_of(session, me.account.id)
    names = {pt.id: pt.name for _, pt in accounts_service.patients_of(session, me.account.id)}
    today = local_today()
    return render(
        request,
        "phone/surveys.html",
        {
            "me": me,
            "names": names,
            "invitations": surveys.for_patients(session, ids),
            "follow_ups": [f for f in followup.for_patients(session, ids) if f.due_on <= today],
            "appointments": followup.appointments_for_patients(session, ids),
            "today": today,
            "is_open": surveys.is_open,
        },
    )


def _survey_ctx(session: DbSession, me: AccountUser, invitation_id: int) -> dict[str, Any]:
    ids = accounts_service.patient_ids_of(session, me.account.id)
    row = surveys.invitation_for(session, invitation_id, ids)
    questionnaire = surveys.get_questionnaire(session, row.questionnaire_id)
    return {
        "me": me,
        "invitation": row,
        "definition": surveys.definition_of(questionnaire),
        "open": surveys.is_open(row, local_today()),
        "form": {},
        "action": f"/phone/surveys/{row.id}",
    }


@router.get("/surveys/{invitation_id}")
def survey(request: Request, session: DbSession, me: AccountUser, invitation_id: IdPath) -> Response:
    return render(request, "phone/survey.html", _survey_ctx(session, me, invitation_id))


@router.post("/surveys/{invitation_id}")
def answer_survey(
    request: Request, session: DbSession, me: AccountUser, invitation_id: IdPath, fields: FormFields
) -> Response:
    _survey_ctx(session, me, invitation_id)  # not theirs: 404 before anything else
    try:
        surveys.answer(session, me.actor, invitation_id, _checked(fields), locale_of(request))
    except DomainError as exc:
        session.rollback()
        ctx = {**_survey_ctx(session, me, invitation_id), "form": fields}
        return form_error(request, "phone/survey.html", ctx, exc)
    return RedirectResponse(f"/phone/surveys/{invitation_id}?thanks=1", status_code=303)


def _follow_up_ctx(session: DbSession, me: AccountUser, follow_up_id: int) -> dict[str, Any]:
    ids = accounts_service.patient_ids_of(session, me.account.id)
    row = followup.follow_up_for(session, follow_up_id, ids)
    return {
        "me": me,
        "follow_up": row,
        "definition": surveys.definition_of(surveys.get_questionnaire(session, row.questionnaire_id)),
        "form": {},
        "action": f"/phone/followups/{row.id}",
    }


@router.get("/followups/{follow_up_id}")
def follow_up(request: Request, session: DbSession, me: AccountUser, follow_up_id: IdPath) -> Response:
    return render(request, "phone/followup.html", _follow_up_ctx(session, me, follow_up_id))


@router.post("/followups/{follow_up_id}")
def answer_follow_up(
    request: Request, session: DbSession, me: AccountUser, follow_up_id: IdPath, fields: FormFields
) -> Response:
    _follow_up_ctx(session, me, follow_up_id)
    try:
        followup.answer(session, me.actor, follow_up_id, _checked(fields), locale_of(request))
    except DomainError as exc:
        session.rollback()
        ctx = {**_follow_up_ctx(session, me, follow_up_id), "form": fields}
        return form_error(request, "phone/followup.html", ctx, exc)
    return RedirectResponse(f"/phone/followups/{follow_up_id}?thanks=1", status_code=303)
