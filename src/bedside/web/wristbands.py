"""The stay's wristband, assembled from the stay, the patient and the bed."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bedside.admissions import stay as stay_service
from bedside.admissions.models import AdmissionNotice
from bedside.core import audit
from bedside.core.audit import Actor
from bedside.core.clock import local_today
from bedside.core.db import utcnow
from bedside.core.errors import Conflict
from bedside.core.i18n import N_
from bedside.documents.wristband import Wristband
from bedside.hospital import service as hospital_service
from bedside.kiosks import telemetry as kiosk_telemetry
from bedside.kiosks.models import Kiosk, KioskStatus
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


# What the wristband page may promise: "ready" (print, and say "take it" once it printed),
# "absent" (the kiosk has no wristband printer), "faulted" (its agent reports it broken).
PRINTER_READY, PRINTER_ABSENT, PRINTER_FAULTED = "ready", "absent", "faulted"


def printer_state(session: Session, kiosk: Kiosk) -> str:
    """From the kiosk's modules and its agent's latest report (a silent agent is not a fault:
    the page then learns from the print itself)."""
    if "wristband_printer" not in (kiosk.modules or []):
        return PRINTER_ABSENT
    status = session.scalar(select(KioskStatus).where(KioskStatus.kiosk_id == kiosk.id))
    if status is None or utcnow() - status.received_at > kiosk_telemetry.STALE_AFTER:
        return PRINTER_READY
    for module in status.modules:
        if module.get("kind") == "wristband_printer" and module.get("state") in ("fault", "offline"):
            return PRINTER_FAULTED
    return PRINTER_READY


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
