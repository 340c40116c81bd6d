"""Pushes each stage's articles when a stay reaches it. Surgery has no event (notices do not
say whether surgery is planned): the ward sends it from the console."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bedside.admissions import service as admissions_service
from bedside.admissions.events import AdmissionNoticeIssued, PatientAdmitted
from bedside.core.events import subscribe
from bedside.discharge.events import Discharged
from bedside.education import models as _models  # noqa: F401 - tables with the handlers
from bedside.education.service import Stage, push_stage


@subscribe(AdmissionNoticeIssued)
def before_admission(session: Session, event: AdmissionNoticeIssued) -> None:
    push_stage(
        session,
        patient_id=event.patient_id,
        notice_id=event.notice_id,
        department_id=event.department_id,
        stage=Stage.PRE_ADMISSION,
    )


def _for_notice(session: Session, notice_id: int, stage: Stage) -> None:
    notice = admissions_service.get(session, notice_id)
    push_stage(
        session,
        patient_id=notice.patient_id,
        notice_id=notice.id,
        department_id=notice.department_id,
        stage=stage,
    )


@subscribe(PatientAdmitted)
def admitted(session: Session, event: PatientAdmitted) -> None:
    _for_notice(session, event.notice_id, Stage.IN_STAY)


@subscribe(Discharged)
def discharged(session: Session, event: Discharged) -> None:
    _for_notice(session, event.notice_id, Stage.DISCHARGE)
