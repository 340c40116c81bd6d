"""From the pharmacy to the ward: packing (the bag gets its barcode), the delivery run that
takes a ward's packed bags, and the ward's scan on receipt, which refuses a bag meant for
another ward or another patient. Also the pharmacy's and the ward's lists."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bedside.admissions.models import AdmissionNotice
from bedside.core import audit
from bedside.core.audit import Actor
from bedside.core.db import utcnow
from bedside.core.errors import Conflict, InvalidInput, NotFound
from bedside.core.i18n import N_
from bedside.discharge.models import Discharge
from bedside.hospital.models import Bed, Ward
from bedside.medication import service
from bedside.medication.models import MedicationOrder, MedicationRun
from bedside.medication.states import PHARMACY, MedState
from bedside.patients.models import Patient

S = MedState
BAG_PREFIX = "MB"


@dataclass(frozen=True)
class Row:
    order: MedicationOrder
    notice: AdmissionNotice
    patient: Patient
    ward: Ward | None
    bed: Bed | None
    planned: date | None


def _rows(session: Session, *where: object) -> list[Row]:
    stmt = (
        select(MedicationOrder, AdmissionNotice, Patient, Ward, Bed, Discharge.planned_date)
        .join(AdmissionNotice, AdmissionNotice.id == MedicationOrder.notice_id)
        .join(Patient, Patient.id == AdmissionNotice.patient_id)
        .outerjoin(Ward, Ward.id == AdmissionNotice.ward_id)
        .outerjoin(Bed, Bed.id == AdmissionNotice.bed_id)
        .outerjoin(Discharge, Discharge.notice_id == AdmissionNotice.id)
        .where(*where)  # type: ignore[arg-type]
        .order_by(Ward.code, Discharge.planned_date, MedicationOrder.id)
        .limit(500)
    )
    return [Row(*r) for r in session.execute(stmt).all()]


def pharmacy_queue(session: Session, day: date) -> list[Row]:
    """The orders the pharmacy works on for discharges planned by `day` (or not yet planned),
    by ward and planned discharge date."""
    return _rows(
        session,
        MedicationOrder.state.in_(PHARMACY),
        or_(Discharge.planned_date.is_(None), Discharge.planned_date <= day),
    )


def ward_board(session: Session, ward_id: int | None) -> list[Row]:
    live = MedicationOrder.state.notin_((S.CANCELLED, S.COUNSELLED))
    return _rows(session, live, *([AdmissionNotice.ward_id == ward_id] if ward_id else []))


def row_of(session: Session, order_id: int) -> Row:
    found = _rows(session, MedicationOrder.id == order_id)
    if not found:
        raise NotFound(N_("No such discharge-medication order."), code="medication_order_not_found")
    return found[0]


def pack(session: Session, actor: Actor, order_id: int) -> MedicationOrder:
    """The bag is sealed and labelled: it gets the code its barcode carries."""
    service.require(actor, "pack")
    row = service.get(session, order_id, lock=True)
    service.check(row, "pack")
    row.bag_code = f"{BAG_PREFIX}{row.id:06d}{secrets.token_hex(2).upper()}"
    row.packed_at = utcnow()
    service.move(session, actor, row, "pack")
    session.commit()
    return row


def dispatch(session: Session, actor: Actor, ward_id: int) -> MedicationRun:
    """One delivery run takes every packed bag of the ward."""
    service.require(actor, "dispatch")
    if session.get(Ward, ward_id) is None:
        raise NotFound(N_("Unknown ward."), code="ward_not_found")
    packed = list(
        session.scalars(
            select(MedicationOrder)
            .join(AdmissionNotice, AdmissionNotice.id == MedicationOrder.notice_id)
            .where(MedicationOrder.state == S.PACKED, AdmissionNotice.ward_id == ward_id)
            .order_by(MedicationOrder.id)
            .with_for_update()
        )
    )
    if not packed:
        raise Conflict(N_("No packed bags are waiting for this ward."), code="nothing_to_dispatch")
    run = MedicationRun(ward_id=ward_id, created_by=service.who(actor))
    session.add(run)
    session.flush()
    for order in packed:
        order.run_id = run.id
        service.move(session, actor, order, "dispatch", f"run {run.id}")
    audit.record(
        session, actor, "medication.run", "medication_run", run.id, ward_id=ward_id, bags=len(packed)
    )
    session.commit()
    return run


def receive(
    session: Session, actor: Actor, bag_code: str, ward_id: int | None, inpatient_no: str = ""
) -> MedicationOrder:
    """The ward nurse scans the bag (and, if given, the patient's wristband): a bag for
    another ward or another patient is refused and nothing changes."""
    service.require(actor, "receive")
    code = bag_code.strip().upper()
    if not code or len(code) > 24:
        raise InvalidInput(N_("Scan the barcode on the bag."), code="bag_code_required", field="bag_code")
    if ward_id is None:
        raise InvalidInput(N_("Choose the ward receiving the bag."), code="ward_required", field="ward_id")
    order = session.scalar(select(MedicationOrder).where(MedicationOrder.bag_code == code).with_for_update())
    if order is None:
        raise NotFound(N_("No bag has this barcode."), code="bag_not_found")
    notice = service.notices.get(session, order.notice_id)
    if notice.ward_id != ward_id:
        raise Conflict(N_("This bag belongs to another ward."), code="wrong_ward")
    scanned = inpatient_no.strip().upper()
    if scanned and scanned != (notice.inpatient_no or ""):
        raise Conflict(N_("This bag belongs to another patient."), code="wrong_patient")
    service.check(order, "receive")
    order.received_at, order.received_by = utcnow(), service.who(actor)
    service.move(session, actor, order, "receive", code)
    session.commit()
    return order
