"""The discharge certificate (出院证明书): issued once the stay is settled, signed by the
hospital's certificate and stored like the settlement's documents (its own number and check
code, the SHA-256 of the signed bytes), so a printed copy can be checked on the verification
page and printing it again gives the same document."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bedside.admissions import service as notices
from bedside.core.auth import keyed_digest
from bedside.core.clock import local_today
from bedside.core.db import utcnow
from bedside.core.errors import Conflict
from bedside.core.i18n import N_
from bedside.discharge import service as discharge_service
from bedside.discharge.models import DischargeDocument, Settlement
from bedside.documents import certificates, signing
from bedside.hospital import service as hospital_service
from bedside.patients import service as patients_service
from bedside.settings import get_settings
from bedside.staff.models import StaffUser

KIND = "discharge_cert"  # fits discharge_documents.kind
ADVICE = "详见出院小结；按时服药，定期复查，如有不适及时就诊。"


class NotSettledYet(Conflict):
    code = "discharge_not_settled"
    message = N_("The discharge certificate is issued once the discharge is settled.")


def _settlement(session: Session, notice_id: int) -> Settlement:
    d = discharge_service.find(session, notice_id)
    row = discharge_service.current_settlement(session, notice_id)
    if d is None or d.state not in ("settled", "discharged") or row is None:
        raise NotSettledYet()
    return row


def issue(session: Session, notice_id: int) -> DischargeDocument:
    """The stay's certificate, made on first request."""
    st = _settlement(session, notice_id)
    found = session.scalar(
        select(DischargeDocument).where(
            DischargeDocument.settlement_id == st.id, DischargeDocument.kind == KIND
        )
    )
    if found is not None:
        return found
    row = _make(session, st)
    try:
        session.commit()
    except IntegrityError:  # made at the same moment by another request: read theirs
        session.rollback()
        return issue(session, notice_id)
    return row


def _doctor(session: Session, ordered_by: str) -> str:
    kind, _, ident = ordered_by.partition(":")
    user = session.get(StaffUser, int(ident)) if kind == "staff" and ident.isdigit() else None
    return user.full_name if user is not None else ""


def _make(session: Session, st: Settlement) -> DischargeDocument:
    from bedside.documents.discharge.certificate import DischargeCertificate, render

    settings = get_settings()
    identity = certificates.hospital_identity(settings)  # nothing is issued unsigned
    notice = notices.get(session, st.notice_id)
    patient = patients_service.get(session, notice.patient_id)
    dept = hospital_service.get_department(session, notice.department_id)
    bed = hospital_service.get_bed(session, notice.bed_id) if notice.bed_id else None
    ward = hospital_service.get_ward(session, bed.ward_id) if bed else None
    d = discharge_service.get(session, notice.id)
    tz = settings.tz
    discharged_on = (d.discharged_at or st.settled_at).astimezone(tz).date()
    number = f"CY{st.id:010d}"
    check = keyed_digest(settings.secret_key, f"invoice:{number}")[:6].upper()
    pdf = render(
        DischargeCertificate(
            hospital_name=settings.hospital_name,
            number=number,
            patient_name=patient.name,
            gender=patient.gender,
            age=patients_service.age(patient, local_today()),
            inpatient_no=notice.inpatient_no or "",
            department=dept.name,
            ward_bed=f"{ward.name} {bed.code}" if ward and bed else "",
            admitted_on=notice.admitted_at.astimezone(tz).date() if notice.admitted_at else discharged_on,
            discharged_on=discharged_on,
            diagnosis=notice.diagnosis,
            advice=ADVICE,
            doctor=_doctor(session, d.ordered_by),
            issued_at=utcnow().astimezone(tz),
            verify_url=f"{settings.base_url.rstrip('/')}/verify/{number}",
            check_code=check,
        )
    )
    pdf = signing.sign_pdf(pdf, identity)
    row = DischargeDocument(
        settlement_id=st.id,
        kind=KIND,
        number=number,
        check_code=check,
        sha256=signing.document_hash(pdf),
        pdf=pdf,
    )
    session.add(row)
    session.flush()
    return row
