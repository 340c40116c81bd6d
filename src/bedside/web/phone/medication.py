"""The patient's discharge medication on the phone: where it is (the five steps) and, per
drug, how to take it and what to watch for, in the reader's language."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from bedside.accounts import service as accounts_service
from bedside.admissions import service as admissions_service
from bedside.medication import service as medication
from bedside.medication.formulary import DRUGS, FREQUENCIES, STATE_LABELS
from bedside.medication.states import STEPS, MedState
from bedside.web import security
from bedside.web.deps import AccountUser, DbSession, IdPath
from bedside.web.rendering import render

router = APIRouter(prefix="/phone", include_in_schema=False, dependencies=[Depends(security.guard_request)])


@router.get("/stays/{notice_id}/medication")
def guide(request: Request, session: DbSession, me: AccountUser, notice_id: IdPath) -> Response:
    ids = accounts_service.patient_ids_of(session, me.account.id)
    notice = admissions_service.get_for_patients(session, notice_id, ids)
    accounts_service.require_patient(session, me.actor, notice.patient_id)
    orders = [o for o in medication.for_stay(session, notice.id) if o.state != MedState.CANCELLED]
    session.commit()
    return render(
        request,
        "phone/medication/guide.html",
        {
            "me": me,
            "notice": notice,
            "orders": [(o, medication.items(session, o.id)) for o in orders],
            "drugs": DRUGS,
            "frequencies": FREQUENCIES,
            "state_labels": STATE_LABELS,
            "steps": STEPS,
        },
    )
