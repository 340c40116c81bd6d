"""Tells the patient (and the accounts acting for them) where their discharge medication is."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bedside.accounts import service as accounts_service
from bedside.core.events import subscribe
from bedside.medication import models as _models  # noqa: F401 - the tables, for wiring
from bedside.medication.events import MedicationMoved
from bedside.notifications import service as notifications
from bedside.patients import service as patients_service

TEMPLATES = {
    "dispatched": "medication_on_way",
    "received": "medication_at_ward",
    "counselled": "medication_guide_ready",
}


@subscribe(MedicationMoved)
def medication_moved(session: Session, event: MedicationMoved) -> None:
    template = TEMPLATES.get(event.state)
    if template is None:
        return
    notifications.deliver(
        session,
        accounts_service.account_ids_for(session, event.patient_id),
        template=template,
        params={"patient": patients_service.get(session, event.patient_id).name},
        dedupe_key=f"{template}:{event.order_id}",
        patient_id=event.patient_id,
        link=f"/phone/stays/{event.notice_id}/medication",
    )
