"""Turns other domains' events into messages for every account acting for the patient."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bedside.accounts.models import AccountPatient
from bedside.admissions import service as admissions_service
from bedside.admissions.events import AdmissionNoticeCancelled, AdmissionNoticeIssued
from bedside.core.events import subscribe
from bedside.hospital import service as hospital_service
from bedside.notifications import service
from bedside.patients import service as patients_service
from bedside.staff import service as staff_service


def _accounts_for(session: Session, patient_id: int) -> set[int]:
    return set(
        session.scalars(select(AccountPatient.account_id).where(AccountPatient.patient_id == patient_id))
    )


@subscribe(AdmissionNoticeIssued)
def notice_issued(session: Session, event: AdmissionNoticeIssued) -> None:
    notice = admissions_service.get(session, event.notice_id)
    patient = patients_service.get(session, event.patient_id)
    dept = hospital_service.get_department(session, event.department_id)
    doctor = staff_service.get_user(session, notice.issued_by_id).full_name if notice.issued_by_id else "-"
    service.deliver(
        session,
        _accounts_for(session, event.patient_id),
        template="admission_notice_issued",
        params={
            "patient": patient.name,
            "doctor": doctor,
            "department": dept.name,
            "department_en": dept.name_en,
            "date": event.expected_date.isoformat(),
        },
        dedupe_key=f"notice_issued:{event.notice_id}",
        patient_id=event.patient_id,
        link=f"/phone/notices/{event.notice_id}",
    )


@subscribe(AdmissionNoticeCancelled)
def notice_cancelled(session: Session, event: AdmissionNoticeCancelled) -> None:
    notice = admissions_service.get(session, event.notice_id)
    patient = patients_service.get(session, event.patient_id)
    dept = hospital_service.get_department(session, notice.department_id)
    service.deliver(
        session,
        _accounts_for(session, event.patient_id),
        template="admission_notice_cancelled",
        params={
            "patient": patient.name,
            "department": dept.name,
            "department_en": dept.name_en,
            "reason": event.reason,
        },
        dedupe_key=f"notice_cancelled:{event.notice_id}",
        patient_id=event.patient_id,
        link=f"/phone/notices/{event.notice_id}",
    )
