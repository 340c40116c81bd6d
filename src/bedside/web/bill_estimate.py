"""The bill's after-insurance figure as a fragment the phone and kiosk bill pages load after
they show: the pre-settlement asks the insurance platform (and syncs the stay's fee details),
which the bill itself must not wait for nor pay for in statements (its budget is fixed)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from bedside.accounts import service as accounts_service
from bedside.admissions import service as admissions_service
from bedside.admissions.models import AdmissionNotice
from bedside.discharge import estimate
from bedside.web import security
from bedside.web.deps import AccountUser, DbSession, IdPath, KioskPatient
from bedside.web.rendering import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(security.guard_request)])


def _fragment(request: Request, session: DbSession, notice: AdmissionNotice) -> Response:
    found = estimate.after_insurance(session, notice)
    session.commit()  # a pre-settlement may have registered the visit or uploaded fee details
    return render(request, "shared/bill_estimate.html", {"estimate": found})


@router.get("/phone/stays/{notice_id}/bill/estimate")
def phone_estimate(request: Request, session: DbSession, me: AccountUser, notice_id: IdPath) -> Response:
    ids = accounts_service.patient_ids_of(session, me.account.id)
    notice = admissions_service.get_for_patients(session, notice_id, ids)
    accounts_service.require_patient(session, me.actor, notice.patient_id)
    return _fragment(request, session, notice)


@router.get("/kiosk/stays/{notice_id}/bill/estimate")
def kiosk_estimate(request: Request, session: DbSession, me: KioskPatient, notice_id: IdPath) -> Response:
    notice = admissions_service.get_for_patients(session, notice_id, {me.patient.id})
    return _fragment(request, session, notice)
