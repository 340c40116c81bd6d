"""Phone page of face sign-in at the kiosks: whether it is set up for a patient the account acts
for, the consents given, and withdrawing it (the template is deleted at once)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from bedside.accounts import service as accounts_service
from bedside.kiosks import face
from bedside.web import security
from bedside.web.deps import AccountUser, DbSession, IdPath
from bedside.web.rendering import render

router = APIRouter(prefix="/phone", include_in_schema=False, dependencies=[Depends(security.guard_request)])


@router.get("/face/{patient_id}")
def face_page(request: Request, session: DbSession, me: AccountUser, patient_id: IdPath) -> Response:
    patient = accounts_service.require_patient(session, me.actor, patient_id)
    return render(
        request,
        "phone/face.html",
        {
            "me": me,
            "patient": patient,
            "enrolment": face.enrolment_for(session, patient.id),
            "consents": face.consents_for(session, patient.id),
            "withdrawn": request.query_params.get("withdrawn") == "1",
        },
    )


@router.post("/face/{patient_id}/withdraw")
def withdraw(session: DbSession, me: AccountUser, patient_id: IdPath) -> Response:
    patient = accounts_service.require_patient(session, me.actor, patient_id)
    face.withdraw(session, me.actor, patient.id, via="phone")
    return RedirectResponse(f"/phone/face/{patient.id}?withdrawn=1", status_code=303)
