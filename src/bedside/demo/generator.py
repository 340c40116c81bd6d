"""Builds a demo hospital: structure, staff of every role, patients, accounts and kiosks."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bedside.accounts.models import Account, AccountPatient
from bedside.admissions import service as admissions_service
from bedside.admissions.schemas import NoticeIn
from bedside.core.audit import SYSTEM
from bedside.core.auth import hash_password
from bedside.core.clock import local_today
from bedside.core.db import utcnow
from bedside.core.resident_id import check_digit
from bedside.demo import insurance_review as insurance_review_demo
from bedside.demo.care import seed as seed_care
from bedside.demo.census import seed_census, seed_patients
from bedside.demo.discharge import seed_demo_discharge
from bedside.demo.names import (
    DEPARTMENTS,
    DIAGNOSES,
)
from bedside.demo.people import DEMO_MOTHER, DEMO_PHONE, DEMO_SELF, person_name
from bedside.demo.records import seed as seed_records
from bedside.hospital.models import Bed, Campus, Department, Hospital, Room, Ward
from bedside.hospital.states import BedState, RoomGender
from bedside.kiosks import service as kiosks_service
from bedside.kiosks.models import Kiosk
from bedside.patients.models import CredentialKind, Patient, PatientCredential
from bedside.settings import get_settings
from bedside.staff.models import StaffRole, StaffUser
from bedside.staff.service import actor_for

HOSPITAL_CODE = "DEMO"
DEMO_PASSWORD = "bedside-demo"  # noqa: S105 - printed for the demo; refused outside demo mode
BEDS_PER_WARD = 40

# username, full name, roles, department code
DEMO_STAFF: tuple[tuple[str, str, tuple[str, ...], str | None], ...] = (
    ("admin", "系统管理员", ("admin",), None),
    ("doctor", "陈建国", ("doctor",), "CARD"),
    ("nurse", "刘丽", ("nurse",), "CARD"),
    ("admission", "周敏", ("admission_center",), None),
    ("pharmacist", "吴静", ("pharmacist",), None),
    ("cashier", "孙丽娟", ("cashier",), None),
    ("insurance", "郑海", ("insurance_officer",), None),
    ("ops", "马涛", ("ops_engineer",), None),
    ("vendor", "康护陪护公司", ("care_vendor",), None),
    ("manager", "林志远", ("manager",), None),
    ("records", "何静", ("records_office",), None),
)

# code, name, location, modules
DEMO_KIOSKS = (
    (
        "K-INP-01",
        "住院部自助机 1",
        "住院部一楼大厅",
        [
            "id_reader",
            "card_reader",
            "scanner",
            "receipt_printer",
            "laser_printer",
            "stamper",
            "pin_pad",
            "wristband_printer",
            "cash_acceptor",
            "camera",
        ],
    ),
    (
        "K-OPD-01",
        "门诊自助机 1",
        "门诊楼一楼大厅",
        ["id_reader", "card_reader", "scanner", "receipt_printer", "pin_pad", "camera"],
    ),
)


@dataclass
class SeedReport:
    created: bool
    beds: int = 0
    wards: int = 0
    staff: int = 0
    patients: int = 0
    kiosk_keys: dict[str, str] = field(default_factory=dict)


def seed(session: Session, beds: int = 400, seed_value: int = 42) -> SeedReport:
    """Creates the demo hospital once; a second run changes nothing and reports it."""
    existing = session.scalar(select(Hospital).where(Hospital.code == HOSPITAL_CODE))
    if existing is not None:
        return SeedReport(created=False, kiosk_keys=_demo_kiosk_keys(session))
    if beds < BEDS_PER_WARD or beds > 20000:
        raise ValueError(f"beds must be between {BEDS_PER_WARD} and 20000")
    rng = random.Random(seed_value)
    settings = get_settings()
    hospital = Hospital(code=HOSPITAL_CODE, name=settings.hospital_name, level="3A")
    session.add(hospital)
    session.flush()
    campuses = [Campus(hospital_id=hospital.id, code="MAIN", name="本部", address="示范路 1 号")]
    if beds > 1500:
        campuses.append(Campus(hospital_id=hospital.id, code="EAST", name="东院", address="示范东路 88 号"))
    session.add_all(campuses)
    departments = [
        Department(hospital_id=hospital.id, code=code, name=zh, name_en=en, suggested_deposit_fen=dep)
        for code, zh, en, dep, _ in DEPARTMENTS
    ]
    session.add_all(departments)
    session.flush()
    female_only = {code for code, *_, f in DEPARTMENTS if f}

    report = SeedReport(created=True)
    ward_count = beds // BEDS_PER_WARD
    wards: list[Ward] = []
    for i in range(ward_count):
        dept = departments[i % len(departments)]
        campus = campuses[i % len(campuses)]
        floor = 3 + i // 4
        ward = Ward(
            campus_id=campus.id,
            department_id=dept.id,
            code=f"W{i + 1:03d}",
            name=f"{dept.name}{i // len(departments) + 1}病区",
            building="住院楼" if campus.code == "MAIN" else "东院住院楼",
            floor=floor,
            capacity_cap=BEDS_PER_WARD - rng.choice((0, 0, 2, 4)),
            low_balance_threshold_fen=100000,
        )
        wards.append(ward)
    session.add_all(wards)
    session.flush()
    for ward in wards:
        dept_code = next(d.code for d in departments if d.id == ward.department_id)
        made = 0
        room_no = 1
        while made < BEDS_PER_WARD:
            size = min(rng.choice((2, 3, 3, 4)), BEDS_PER_WARD - made)
            if dept_code in female_only:
                gender = RoomGender.FEMALE
            else:
                gender = (RoomGender.MALE, RoomGender.FEMALE)[room_no % 2]
            room = Room(ward_id=ward.id, code=f"{ward.floor}{room_no:02d}", gender=gender)
            session.add(room)
            session.flush()
            for b in range(size):
                roll = rng.random()
                state = (
                    BedState.CLOSED if roll < 0.02 else BedState.CLEANING if roll < 0.05 else BedState.FREE
                )
                session.add(Bed(room_id=room.id, ward_id=ward.id, code=f"{room.code}-{b + 1}", state=state))
            made += size
            room_no += 1
        report.beds += made
    report.wards = len(wards)
    session.flush()

    pw_hash = hash_password(DEMO_PASSWORD)
    dept_by_code = {d.code: d for d in departments}
    ward_by_dept: dict[int, Ward] = {}
    for w in wards:
        ward_by_dept.setdefault(w.department_id, w)
    for username, full_name, roles, home_code in DEMO_STAFF:
        home = dept_by_code.get(home_code) if home_code else None
        nurse_ward = ward_by_dept.get(home.id) if home and "nurse" in roles else None
        session.add(
            StaffUser(
                username=username,
                full_name=full_name,
                password_hash=pw_hash,
                department_id=home.id if home else None,
                ward_id=nurse_ward.id if nurse_ward else None,
                role_rows=[StaffRole(role=r) for r in roles],
            )
        )
        report.staff += 1
    for dept in departments:
        for n in (1, 2):
            male = rng.random() < 0.5
            session.add(
                StaffUser(
                    username=f"dr.{dept.code.lower()}{n}",
                    full_name=person_name(rng, male),
                    password_hash=pw_hash,
                    department_id=dept.id,
                    role_rows=[StaffRole(role="doctor")],
                )
            )
            report.staff += 1
    for ward in wards:
        session.add(
            StaffUser(
                username=f"rn.{ward.code.lower()}",
                full_name=person_name(rng, False),
                password_hash=pw_hash,
                department_id=ward.department_id,
                ward_id=ward.id,
                role_rows=[StaffRole(role="nurse")],
            )
        )
        report.staff += 1
    session.flush()

    report.patients = seed_patients(session, rng, beds)
    _demo_family(session)
    session.flush()
    report.kiosk_keys = _kiosks(session)
    session.commit()
    from bedside.fleet import demo as fleet_demo

    fleet_demo.seed(session)
    seed_census(session, rng)
    _demo_notice(session, dept_by_code["CARD"].id)
    insurance_review_demo.seed(session)  # the catalogue the review rules check against
    seed_demo_discharge(session, dept_by_code["CARD"].id)
    seed_care(session)
    seed_records(session, DEMO_PHONE, DEMO_SELF[1])
    return report


# The demo account and the two patients it acts for (fixed, so the README can name them).
def _demo_family(session: Session) -> None:
    now = utcnow()
    account = Account(phone=DEMO_PHONE, verified_at=now)
    session.add(account)
    session.flush()
    for (name, first17), relation, gender, phone in (
        (DEMO_SELF, "self", "M", DEMO_PHONE),
        (DEMO_MOTHER, "parent", "F", "13900139000"),
    ):
        rid = first17 + check_digit(first17)
        birth = datetime.strptime(first17[6:14], "%Y%m%d").date()  # noqa: DTZ007 - a date
        patient = Patient(name=name, gender=gender, birth_date=birth, resident_id=rid, phone=phone)
        session.add(patient)
        session.flush()
        session.add(
            PatientCredential(
                patient_id=patient.id, kind=CredentialKind.VISIT_CARD, value=f"8{patient.id:09d}"
            )
        )
        session.add(
            AccountPatient(account_id=account.id, patient_id=patient.id, relation=relation, consent="staff")
        )


def _demo_notice(session: Session, department_id: int) -> None:
    mother = session.scalar(select(Patient).where(Patient.resident_id.startswith(DEMO_MOTHER[1])))
    if mother is None:
        return
    doctor = session.scalar(select(StaffUser).where(StaffUser.username == "doctor"))
    actor = actor_for(doctor) if doctor else SYSTEM
    admissions_service.issue(
        session,
        actor,
        NoticeIn(
            patient_id=mother.id,
            department_id=department_id,
            diagnosis=DIAGNOSES["CARD"],
            expected_date=local_today() + timedelta(days=2),
        ),
    )


def _kiosks(session: Session) -> dict[str, str]:
    keys = {}
    for code, name, location, modules in DEMO_KIOSKS:
        key = kiosks_service.demo_key(code)
        kiosks_service.register(
            session,
            SYSTEM,
            code=code,
            name=name,
            location=location,
            model="ZK-43 立式",
            serial=f"SN-{code}",
            modules=modules,
            key=key,
        )
        keys[code] = key
    return keys


def _demo_kiosk_keys(session: Session) -> dict[str, str]:
    codes = set(session.scalars(select(Kiosk.code)))
    return {code: kiosks_service.demo_key(code) for code, *_ in DEMO_KIOSKS if code in codes}
