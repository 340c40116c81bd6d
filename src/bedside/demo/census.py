"""The demo hospital's census: patients in most beds, with the insurance mix of a city hospital."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bedside.admissions.models import AdmissionNotice
from bedside.core.db import utcnow
from bedside.demo.names import (
    DIAGNOSES,
)
from bedside.demo.people import DEMO_MOTHER, DEMO_SELF, person_name, phone_number, resident_id
from bedside.hospital.models import Bed, Department, Room, Ward
from bedside.hospital.states import BedState
from bedside.patients.models import CredentialKind, Patient, PatientCredential

INSURANCE_MIX = ("employee", "employee", "resident", "resident", "self_pay", "out_of_region", "commercial")


def seed_census(session: Session, rng: random.Random) -> None:
    """A working hospital: about seven beds in ten occupied by admitted stays, and a few
    patients per department waiting for a bed (one in five urgent), so the bed board, the
    queues and the expected waits have something to show."""
    now = utcnow()
    demo_ids = (DEMO_SELF[1], DEMO_MOTHER[1])
    pool = [
        p
        for p in session.scalars(select(Patient).order_by(Patient.id))
        if not (p.resident_id or "").startswith(demo_ids)
    ]
    rng.shuffle(pool)
    by_gender = {"M": [p for p in pool if p.gender == "M"], "F": [p for p in pool if p.gender == "F"]}
    rows = session.execute(
        select(Bed, Room, Ward, Department)
        .join(Room, Room.id == Bed.room_id)
        .join(Ward, Ward.id == Bed.ward_id)
        .join(Department, Department.id == Ward.department_id)
        .where(Bed.state == BedState.FREE)
        .order_by(Bed.id)
    ).all()
    seq = 0
    for bed, room, ward, dept in rows:
        if rng.random() > 0.7:
            continue
        gender = room.gender if room.gender in by_gender else rng.choice(("M", "F"))
        if not by_gender[gender]:
            continue
        patient = by_gender[gender].pop()
        admitted_at = now - timedelta(days=rng.randint(0, 20), hours=rng.randint(0, 12))
        seq += 1
        inpatient_no = f"ZY{admitted_at.year}{seq:06d}"
        session.add(
            AdmissionNotice(
                patient_id=patient.id,
                department_id=dept.id,
                diagnosis=DIAGNOSES.get(dept.code, "待查"),
                kind="elective",
                priority="routine",
                expected_date=admitted_at.date(),
                state="admitted",
                issued_at=admitted_at - timedelta(days=rng.randint(2, 10)),
                bed_requested_at=admitted_at - timedelta(days=2),
                bed_id=bed.id,
                ward_id=ward.id,
                assigned_at=admitted_at - timedelta(hours=rng.randint(2, 30)),
                insurance_type=rng.choice(INSURANCE_MIX),
                registered_at=admitted_at - timedelta(hours=1),
                inpatient_no=inpatient_no,
                admitted_at=admitted_at,
                arrived_at=admitted_at + timedelta(minutes=30),
            )
        )
        session.add(
            PatientCredential(patient_id=patient.id, kind=CredentialKind.INPATIENT_NO, value=inpatient_no)
        )
        bed.state = BedState.OCCUPIED
    for dept in session.scalars(select(Department).order_by(Department.id)):
        for _ in range(3):
            gender = rng.choice(("M", "F"))
            if not by_gender[gender]:
                continue
            patient = by_gender[gender].pop()
            requested = now - timedelta(hours=rng.randint(1, 96))
            session.add(
                AdmissionNotice(
                    patient_id=patient.id,
                    department_id=dept.id,
                    diagnosis=DIAGNOSES.get(dept.code, "待查"),
                    kind="elective",
                    priority="urgent" if rng.random() < 0.2 else "routine",
                    expected_date=(now + timedelta(days=rng.randint(1, 7))).date(),
                    state="bed_requested",
                    issued_at=requested - timedelta(hours=2),
                    bed_requested_at=requested,
                    earliest_date=(now + timedelta(days=1)).date(),
                    room_preference="any",
                )
            )
    session.commit()


def seed_patients(session: Session, rng: random.Random, count: int) -> int:
    used_ids: set[str] = set()
    today = date(2026, 1, 1)
    made = 0
    while made < count:
        male = rng.random() < 0.5
        birth = today - timedelta(days=rng.randrange(365 * 1, 365 * 90))
        rid = resident_id(rng, birth, male)
        if rid in used_ids:
            continue
        used_ids.add(rid)
        patient = Patient(
            name=person_name(rng, male),
            gender="M" if male else "F",
            birth_date=birth,
            resident_id=rid,
            phone=phone_number(rng),
        )
        session.add(patient)
        session.flush()
        session.add(
            PatientCredential(
                patient_id=patient.id, kind=CredentialKind.VISIT_CARD, value=f"8{patient.id:09d}"
            )
        )
        if rng.random() < 0.85:
            session.add(
                PatientCredential(
                    patient_id=patient.id,
                    kind=CredentialKind.INSURANCE_CARD,
                    value=f"{rid[:6]}{rng.randrange(10**11, 10**12)}",
                )
            )
        if rng.random() < 0.5:
            session.add(
                PatientCredential(
                    patient_id=patient.id,
                    kind=CredentialKind.HEALTH_CARD,
                    value=f"{rng.randrange(10**17, 10**18)}",
                )
            )
        made += 1
    return made
