"""Messages about exam appointments: booked, moved or cancelled, to every account acting for
the patient (the patient's own and their family members')."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bedside.accounts import service as accounts_service
from bedside.core.events import subscribe
from bedside.notifications import service as notifications
from bedside.patients import service as patients_service
from bedside.reports.events import ExamCancelled, ExamChanged, ExamScheduled
from bedside.settings import get_settings

LINK = "/phone/patients/{patient_id}/reports"


def _params(
    session: Session, patient_id: int, title: str, place: str, at: datetime, preparation: str = ""
) -> dict[str, str]:
    local = at.astimezone(get_settings().tz)
    return {
        "patient": patients_service.get(session, patient_id).name,
        "title": title,
        "place": place,
        "date": local.strftime("%Y-%m-%d"),
        "time": local.strftime("%H:%M"),
        "preparation": preparation,
    }


def _tell(session: Session, patient_id: int, template: str, params: dict[str, str], dedupe_key: str) -> None:
    notifications.deliver(
        session,
        accounts_service.account_ids_for(session, patient_id),
        template=template,
        params=params,
        dedupe_key=dedupe_key,
        patient_id=patient_id,
        link=LINK.format(patient_id=patient_id),
    )


@subscribe(ExamScheduled)
def exam_scheduled(session: Session, event: ExamScheduled) -> None:
    params = _params(
        session, event.patient_id, event.title, event.place, event.scheduled_at, event.preparation
    )
    _tell(session, event.patient_id, "exam_scheduled", params, f"exam_scheduled:{event.exam_id}")


@subscribe(ExamChanged)
def exam_changed(session: Session, event: ExamChanged) -> None:
    params = _params(
        session, event.patient_id, event.title, event.place, event.scheduled_at, event.preparation
    )
    # Each change is its own message, even one that moves the exam back to an earlier time.
    key = f"exam_changed:{event.exam_id}:{event.revision}"
    _tell(session, event.patient_id, "exam_changed", params, key)


@subscribe(ExamCancelled)
def exam_cancelled(session: Session, event: ExamCancelled) -> None:
    params = _params(session, event.patient_id, event.title, event.place, event.scheduled_at)
    _tell(session, event.patient_id, "exam_cancelled", params, f"exam_cancelled:{event.exam_id}")
