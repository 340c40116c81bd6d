"""The stay's wristband, assembled from the stay, the patient and the bed."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bedside.admissions import stay as stay_service
from bedside.admissions.models import AdmissionNotice
from bedside.core import audit
from bedside.core.audit import Actor
from bedside.core.clock import local_today
from bedside.core.errors import Conflict
from bedside.core.i18n import N_
from bedside.documents.wristband import Wristband
from bedside.hospital import service as hospital_service
from bedside.patients import service as patients_service
from bedside.settings import get_settings


def wristband_for(session: Session, notice: AdmissionNotice) -> Wristband:
    if notice.state != "admitted" or not notice.inpatient_no or notice.bed_id is None:
        raise Conflict(N_("The wristband is printed once the patient is admitted."), code="not_admitted")
    patient = patients_service.get(session, notice.patient_id)
    bed = hospital_service.get_bed(session, notice.bed_id)
    ward = hospital_service.get_ward(session, bed.ward_id)
    details = stay_service.details(session, notice.id)
    admitted_on = (
        notice.admitted_at.astimezone(get_settings().tz).date() if notice.admitted_at else local_today()
    )
    return Wristband(
        hospital_name=get_settings().hospital_name,
        patient_name=patient.name,
        gender=patient.gender,
        age=patients_service.age(patient, admitted_on),
        inpatient_no=notice.inpatient_no,
        ward=ward.name,
        bed=bed.code,
        admission_date=admitted_on,
        allergy=bool(details and details.allergies),
        allergy_text=details.allergies if details else None,
    )


def downloaded(session: Session, actor: Actor, notice: AdmissionNotice, fmt: str) -> Wristband:
    """The band for a file that leaves the server (the printer's ZPL, the preview image). It
    carries the patient's name, age and allergies, so each download is audited like a read."""
    band = wristband_for(session, notice)
    audit.record(
        session,
        actor,
        "wristband.download",
        "admission_notice",
        notice.id,
        patient_id=notice.patient_id,
        format=fmt,
    )
    session.commit()
    return band
