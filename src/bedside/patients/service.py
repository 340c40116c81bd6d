"""Registering and finding patients; staff reads of personal data are audited."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bedside.core import audit, events
from bedside.core.audit import Actor
from bedside.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from bedside.core.i18n import N_
from bedside.core.resident_id import InvalidResidentId, parse
from bedside.patients.events import PatientRegistered
from bedside.patients.models import CredentialKind, Patient, PatientCredential

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
CARD_RE = re.compile(r"^[0-9A-Za-z-]{4,40}$")
STAFF_READ_ROLES = (
    "admin",
    "doctor",
    "nurse",
    "admission_center",
    "pharmacist",
    "cashier",
    "insurance_officer",
)


def check_resident_id(value: str, field: str = "resident_id") -> str:
    try:
        return parse(value).value
    except InvalidResidentId as exc:
        raise InvalidInput(
            N_("This resident ID number is not valid (check the 18 characters)."),
            code="invalid_resident_id",
            field=field,
        ) from exc


def check_phone(value: str, field: str = "phone") -> str:
    phone = (value or "").strip().replace(" ", "").removeprefix("+86")
    if not PHONE_RE.match(phone):
        raise InvalidInput(N_("Enter an 11-digit mobile number."), code="invalid_phone", field=field)
    return phone


def check_name(value: str) -> str:
    name = (value or "").strip()
    if not 1 <= len(name) <= 50 or any(ch.isdigit() for ch in name):
        raise InvalidInput(N_("Enter the patient's name."), code="invalid_name", field="name")
    return name


def get(session: Session, patient_id: int) -> Patient:
    patient = session.get(Patient, patient_id)
    if patient is None:
        raise NotFound(N_("Patient not found."), code="patient_not_found")
    return patient


def by_resident_id(session: Session, resident_id: str) -> Patient | None:
    return session.scalar(select(Patient).where(Patient.resident_id == resident_id.upper()))


def find_by_credential(session: Session, kind: str, value: str) -> Patient | None:
    value = (value or "").strip()
    if kind == CredentialKind.RESIDENT_ID:
        return by_resident_id(session, value)
    if kind not in {k.value for k in CredentialKind}:
        raise InvalidInput(N_("Unknown kind of card."), code="invalid_credential_kind")
    return session.scalar(
        select(Patient)
        .join(PatientCredential, PatientCredential.patient_id == Patient.id)
        .where(PatientCredential.kind == kind, PatientCredential.value == value)
    )


def credentials(session: Session, patient_id: int) -> dict[str, str]:
    rows = session.scalars(select(PatientCredential).where(PatientCredential.patient_id == patient_id))
    return {row.kind: row.value for row in rows}


def register(
    session: Session,
    actor: Actor,
    *,
    name: str,
    resident_id: str,
    phone: str | None = None,
    cards: dict[str, str] | None = None,
    commit: bool = True,
) -> Patient:
    """Creates a patient from a valid resident ID; gender and birth date come from the ID."""
    rid = parse(check_resident_id(resident_id))
    if by_resident_id(session, rid.value) is not None:
        raise Conflict(
            N_("A patient with this resident ID already exists."), code="patient_exists", field="resident_id"
        )
    patient = Patient(
        name=check_name(name),
        gender=rid.gender,
        birth_date=rid.birth_date,
        resident_id=rid.value,
        phone=check_phone(phone) if phone else None,
    )
    session.add(patient)
    session.flush()
    for kind, value in (cards or {}).items():
        add_credential(session, actor, patient.id, kind, value, commit=False)
    audit.record(session, actor, "patient.register", "patient", patient.id, patient_id=patient.id)
    events.emit(session, PatientRegistered(patient_id=patient.id))
    if commit:
        session.commit()
    return patient


def add_credential(
    session: Session, actor: Actor, patient_id: int, kind: str, value: str, *, commit: bool = True
) -> PatientCredential:
    if kind not in {k.value for k in CredentialKind} or kind == CredentialKind.RESIDENT_ID:
        raise InvalidInput(N_("Unknown kind of card."), code="invalid_credential_kind")
    value = (value or "").strip()
    if not CARD_RE.match(value):
        raise InvalidInput(N_("This card number is not valid."), code="invalid_card_number")
    existing = session.scalar(
        select(PatientCredential).where(PatientCredential.kind == kind, PatientCredential.value == value)
    )
    if existing is not None:
        if existing.patient_id == patient_id:
            return existing
        raise Conflict(N_("This card belongs to another patient."), code="credential_taken")
    row = PatientCredential(patient_id=patient_id, kind=kind, value=value)
    session.add(row)
    audit.record(
        session, actor, "patient.add_credential", "patient", patient_id, patient_id=patient_id, kind=kind
    )
    if commit:
        session.commit()
    return row


def read_for_staff(session: Session, actor: Actor, patient_id: int, purpose: str) -> Patient:
    """A staff member opens a patient's personal data; the read itself is audited."""
    if actor.kind != "staff" or not actor.has_role(*STAFF_READ_ROLES):
        raise Forbidden()
    patient = get(session, patient_id)
    audit.record(
        session, actor, "patient.read", "patient", patient.id, patient_id=patient.id, purpose=purpose
    )
    session.commit()
    return patient


def search_for_staff(session: Session, actor: Actor, query: str, limit: int = 20) -> list[Patient]:
    """Finds patients by resident ID, card number, phone or exact name; audited as a read."""
    if actor.kind != "staff" or not actor.has_role(*STAFF_READ_ROLES):
        raise Forbidden()
    q = (query or "").strip()
    if len(q) < 2:
        return []
    found = session.scalars(
        select(Patient)
        .outerjoin(PatientCredential, PatientCredential.patient_id == Patient.id)
        .where(
            or_(
                Patient.resident_id == q.upper(),
                Patient.phone == q,
                Patient.name == q,
                PatientCredential.value == q,
            )
        )
        .distinct()
        .order_by(Patient.id)
        .limit(limit)
    ).all()
    audit.record(session, actor, "patient.search", "patient", None, query=q, hits=len(found))
    for patient in found:
        audit.record(
            session, actor, "patient.read", "patient", patient.id, patient_id=patient.id, purpose="search"
        )
    session.commit()
    return list(found)


def age(patient: Patient, on: date) -> int:
    years = on.year - patient.birth_date.year
    if (on.month, on.day) < (patient.birth_date.month, patient.birth_date.day):
        years -= 1
    return years


def match_or_register(
    session: Session,
    actor: Actor,
    *,
    name: str,
    resident_id: str,
    birth_date: date | None = None,
    phone: str | None = None,
    commit: bool = True,
) -> tuple[Patient, bool]:
    """The patient a record system (the HIS) names by resident ID: the one Bedside holds, or a
    new one from the given demographics. A name or birth date that disagrees with the ID or
    with the record held is refused rather than guessed at. Returns (patient, created)."""
    rid = parse(check_resident_id(resident_id))
    clean = check_name(name)
    if birth_date is not None and birth_date != rid.birth_date:
        raise InvalidInput(
            N_("The birth date does not match the resident ID number."),
            code="birth_date_mismatch",
            field="birth_date",
        )
    found = by_resident_id(session, rid.value)
    if found is None:
        return register(session, actor, name=clean, resident_id=rid.value, phone=phone, commit=commit), True
    if found.name != clean or found.birth_date != rid.birth_date:
        raise Conflict(
            N_("The name or birth date does not match the patient registered with this resident ID."),
            code="patient_mismatch",
            field="name",
        )
    return found, False


def update_from_record(
    session: Session, actor: Actor, patient: Patient, *, name: str, phone: str | None
) -> list[str]:
    """The record system corrects a name or phone; returns the fields changed (audited)."""
    changed: list[str] = []
    clean = check_name(name)
    if clean != patient.name:
        patient.name, changed = clean, [*changed, "name"]
    if phone is not None:
        new_phone = check_phone(phone) if phone else None
        if new_phone != patient.phone:
            patient.phone, changed = new_phone, [*changed, "phone"]
    if changed:
        audit.record(
            session, actor, "patient.update", "patient", patient.id, patient_id=patient.id, fields=changed
        )
    return changed
