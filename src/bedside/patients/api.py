"""JSON API for a signed-in patient account: its patients, their notices and next steps."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from bedside.accounts import service as accounts_service
from bedside.admissions import service as admissions_service
from bedside.admissions.schemas import NoticeOut
from bedside.core.i18n import gettext
from bedside.core.pii import mask_resident_id
from bedside.journeys import service as journeys_service
from bedside.patients.schemas import MyPatientOut, NextStepOut
from bedside.web import security
from bedside.web.deps import AccountUser, DbSession, IdPath
from bedside.web.problems import API_ERRORS, problem_responses
from bedside.web.rendering import locale_of

router = APIRouter(
    prefix="/api/v1/me",
    tags=["me"],
    dependencies=[Depends(security.guard_request)],
    responses=problem_responses(*API_ERRORS),
)


@router.get("/patients")
def my_patients(session: DbSession, me: AccountUser) -> list[MyPatientOut]:
    return [
        MyPatientOut(
            id=p.id,
            name=p.name,
            gender=p.gender,
            birth_date=p.birth_date,
            relation=link.relation,
            resident_id_masked=mask_resident_id(p.resident_id),
        )
        for link, p in accounts_service.patients_of(session, me.account.id)
    ]


@router.get("/notices")
def my_notices(session: DbSession, me: AccountUser) -> list[NoticeOut]:
    ids = accounts_service.patient_ids_of(session, me.account.id)
    return [NoticeOut.model_validate(n) for n in admissions_service.for_patients(session, ids)]


@router.get("/notices/{notice_id}")
def my_notice(notice_id: IdPath, session: DbSession, me: AccountUser) -> NoticeOut:
    ids = accounts_service.patient_ids_of(session, me.account.id)
    return NoticeOut.model_validate(admissions_service.get_for_patients(session, notice_id, ids))


@router.get("/patients/{patient_id}/next-step")
def next_step(patient_id: IdPath, request: Request, session: DbSession, me: AccountUser) -> NextStepOut:
    patient = accounts_service.require_patient(session, me.actor, patient_id)
    locale = locale_of(request)
    step = journeys_service.for_patient(session, patient.id, locale)
    return NextStepOut(
        patient_id=patient.id,
        code=step.code,
        title=gettext(locale, step.title),
        reason=gettext(locale, step.reason, **step.params),
        action=gettext(locale, step.action) if step.action else None,
        url=step.url,
    )
