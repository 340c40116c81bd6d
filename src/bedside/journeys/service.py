"""Builds the snapshot from the owning domains and asks the rules for the next step."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bedside.admissions import service as admissions_service
from bedside.admissions import stay as stay_service
from bedside.discharge import service as discharge_service
from bedside.hospital import service as hospital_service
from bedside.journeys.rules import NextStep, NoticeView, Snapshot, next_step


def snapshot(session: Session, patient_id: int, locale: str = "zh_CN") -> Snapshot:
    notices = admissions_service.for_patients(session, {patient_id})
    views = []
    for n in notices:
        dept = hospital_service.get_department(session, n.department_id)
        open_stay = n.state in ("bed_assigned", "registered", "admitted")
        ready = stay_service.readiness(session, n) if open_stay else None
        bed = hospital_service.get_bed(session, n.bed_id) if n.bed_id else None
        views.append(
            NoticeView(
                id=n.id,
                state=n.state,
                expected_date=n.expected_date,
                department=dept.name_en if locale == "en" else dept.name,
                ready_to_register=bool(ready and ready.can_register),
                deposit_paid=bool(ready and ready.deposit),
                ward=hospital_service.get_ward(session, bed.ward_id).name if bed else "",
                bed=bed.code if bed else "",
                discharge=d.state if (d := discharge_service.find(session, n.id)) else None,
            )
        )
    return Snapshot(patient_id=patient_id, notices=tuple(views))


def for_patient(session: Session, patient_id: int, locale: str = "zh_CN") -> NextStep:
    return next_step(snapshot(session, patient_id, locale))
