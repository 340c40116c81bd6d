"""JSON API for admission notices (staff session; the HIS feed comes with the admission issue)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from bedside.admissions import service
from bedside.admissions.models import AdmissionNotice
from bedside.admissions.schemas import CancelIn, NoticeIn, NoticeOut
from bedside.web import security
from bedside.web.deps import DbSession, IdPath, InScope, StaffContext, StaffScope, staff_with
from bedside.web.problems import API_ERRORS, problem_responses

router = APIRouter(
    prefix="/api/v1/admission-notices",
    tags=["admissions"],
    dependencies=[Depends(security.guard_request)],
    responses=problem_responses(*API_ERRORS),
)

NoticeStaff = Annotated[StaffContext, staff_with("doctor", "admission_center", "admin", "nurse")]


@router.post("", status_code=201)
def issue_notice(body: NoticeIn, session: DbSession, me: NoticeStaff) -> NoticeOut:
    return NoticeOut.model_validate(service.issue(session, me.actor, body))


@router.get("")
def list_notices(session: DbSession, me: NoticeStaff, scope: StaffScope) -> list[NoticeOut]:
    where = scope.clause(AdmissionNotice.ward_id, AdmissionNotice.department_id, AdmissionNotice.issued_by_id)
    return [NoticeOut.model_validate(n) for n in service.recent_for_staff(session, me.actor, where=where)]


@router.get("/{notice_id}", dependencies=[InScope])
def get_notice(notice_id: IdPath, session: DbSession, me: NoticeStaff) -> NoticeOut:
    return NoticeOut.model_validate(service.read_for_staff(session, me.actor, notice_id))


@router.post("/{notice_id}/cancel", dependencies=[InScope])
def cancel_notice(notice_id: IdPath, body: CancelIn, session: DbSession, me: NoticeStaff) -> NoticeOut:
    return NoticeOut.model_validate(service.cancel(session, me.actor, notice_id, body.reason))
