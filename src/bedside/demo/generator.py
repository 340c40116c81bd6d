"""Builds a demo hospital: structure, staff of every role, patients, accounts and kiosks."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bedside.accounts.models import Account, AccountPatient
from bedside.admissions import service as admissions_service
from bedside.admissions.models import AdmissionNotice
from bedside.admissions.schemas import NoticeIn
from bedside.core.audit import SYSTEM
from bedside.core.auth import hash_password
from bedside.core.clock import local_today
from bedside.core.db import utcnow
from bedside.core.resident_id import check_digit
from bedside.demo.care import seed as seed_care
from bedside.demo.names import (
    DEPARTMENTS,
    DIAGNOSES,
    GIVEN_FEMALE,
    GIVEN_MALE,
    PHONE_PREFIXES,
    REGIONS,
    SURNAMES,
)
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
DEMO_PHONE = "13800138000"
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


def resident_id(rng: random.Random, birth: date, male: bool, region: str | None = None) -> str:
    seq = rng.randrange(0, 500) * 2 + (1 if male else 0)
    first17 = f"{region or rng.choice(REGIONS)}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_digit(first17)


def person_name(rng: random.Random, male: bool) -> str:
    pool = GIVEN_MALE if male else GIVEN_FEMALE
    given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def phone_number(rng: random.Random) -> str:
    return rng.choice(PHONE_PREFIXES) + f"{rng.randrange(0, 10**8):08d}"


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

    report.patients = _patients(session, rng, beds)
    _demo_family(session)
    session.flush()
    report.kiosk_keys = _kiosks(session)
    session.commit()
    from bedside.fleet import demo as fleet_demo

    fleet_demo.seed(session)
    _census(session, rng)
    _demo_notice(session, dept_by_code["CARD"].id)
    _demo_discharge(session, dept_by_code["CARD"].id)
    seed_care(session)
    seed_records(session, DEMO_PHONE, DEMO_SELF[1])
    return report


# 张伟's stay: admitted four days ago, bill posted, discharge ordered, cleared and approved, so
# the demo user can settle on the phone or at a kiosk at once.
DEMO_BILL = (
    ("bed", "A", "普通床位费", 8000, "4"),
    ("nursing", "A", "二级护理", 3000, "4"),
    ("exam", "A", "心脏彩色多普勒超声", 32000, "1"),
    ("exam", "B", "冠状动脉CT血管成像", 98000, "1"),
    ("lab", "A", "血常规", 2500, "2"),
    ("lab", "A", "心肌酶谱", 9000, "2"),
    ("western_drug", "A", "阿司匹林肠溶片 100mg", 35, "8"),
    ("western_drug", "B", "阿托伐他汀钙片 20mg", 420, "8"),
    ("western_drug", "C", "进口营养补充剂", 12000, "1"),
    ("material", "B", "一次性输液器", 1200, "6"),
    ("treatment", "A", "静脉输液", 1500, "6"),
)


def _demo_discharge(session: Session, department_id: int) -> None:
    from bedside.admissions import beds as beds_service
    from bedside.admissions import stay as stay_service
    from bedside.charges import service as charges_service
    from bedside.core.audit import Actor
    from bedside.discharge import service as discharge_service
    from bedside.payments import service as payments_service
    from bedside.payments.sandbox import server as sandbox

    me = session.scalar(select(Patient).where(Patient.resident_id.startswith(DEMO_SELF[1])))
    account = session.scalar(select(Account).where(Account.phone == DEMO_PHONE))
    staff = {u.username: actor_for(u) for u in session.scalars(select(StaffUser))}
    bed = session.execute(
        select(Bed)
        .join(Room, Room.id == Bed.room_id)
        .join(Ward, Ward.id == Bed.ward_id)
        .where(Ward.department_id == department_id, Room.gender == "M", Bed.state == BedState.FREE)
        .order_by(Bed.id)
        .limit(1)
    ).scalar()
    if me is None or account is None or bed is None:
        return
    phone = Actor(kind="account", id=account.id, label="demo")
    notice = admissions_service.issue(
        session,
        staff["doctor"],
        NoticeIn(
            patient_id=me.id,
            department_id=department_id,
            diagnosis="冠状动脉粥样硬化性心脏病",
            expected_date=local_today(),
        ),
    )
    stay_service.request_bed(session, phone, notice.id, None, "any")
    stay_service.save_details(
        session,
        phone,
        notice.id,
        stay_service.DetailsIn(
            address="湖南省长沙市岳麓区麓山南路 932 号",
            emergency_name="李秀英",
            emergency_phone="13900139000",
            emergency_relation="parent",
            occupation="工程师",
            marital_status="married",
        ),
    )
    stay_service.choose_insurance(session, phone, notice.id, "employee", None)
    stay_service.save_assessment(
        session,
        phone,
        notice.id,
        "morse_fall",
        {
            "history_of_falling": "no",
            "secondary_diagnosis": "yes",
            "ambulatory_aid": "none_bed_rest_nurse_assist",
        },
    )
    stay_service.save_assessment(
        session,
        phone,
        notice.id,
        "padua_vte",
        {
            k: "no"
            for k in (
                "active_cancer",
                "previous_vte",
                "known_thrombophilia",
                "recent_trauma_or_surgery",
                "hormonal_treatment",
            )
        },
        height_cm=172,
        weight_kg=70,
    )
    beds_service.assign(session, staff["admission"], notice.id, bed.id)
    order = payments_service.start_payment(
        session,
        phone,
        patient_id=me.id,
        notice_id=notice.id,
        purpose="deposit",
        amount_fen=500000,
        channel="wechat",
        trade_type="H5",
        place="phone",
        idempotency_key="demo-deposit-zhangwei",
    )
    sandbox.pay(session, order.out_trade_no, mode="missing")
    session.commit()
    payments_service.check_order(session, order.id)  # credited by query, as a missed notification would be
    stay_service.admit(session, phone, notice.id)
    notice.admitted_at = utcnow() - timedelta(days=4)
    session.commit()
    his = Actor(kind="his", id=None, label="demo-his")
    lines = []
    for n, (category, cls, name, price, qty) in enumerate(DEMO_BILL, start=1):
        lines.append(
            charges_service.ChargeIn(
                his_line_id=f"DEMO-{n:04d}",
                code=f"DEMO{n:04d}",
                name=name,
                category=category,
                insurance_class=cls,
                unit_price_fen=price,
                quantity=qty,
                amount_fen=price * int(qty),
                service_date=local_today() - timedelta(days=n % 4),
            )
        )
    charges_service.post(session, his, notice.id, lines)
    discharge_service.order(session, staff["doctor"], notice.id, local_today())
    discharge_service.clear_ward(
        session, staff["nurse"], notice.id, no_pending_orders=True, charges_posted=True
    )
    discharge_service.review(session, staff["insurance"], notice.id, "approve")


INSURANCE_MIX = ("employee", "employee", "resident", "resident", "self_pay", "out_of_region", "commercial")


def _census(session: Session, rng: random.Random) -> None:
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


def _patients(session: Session, rng: random.Random, count: int) -> int:
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


# The demo account and the two patients it acts for (fixed, so the README can name them).
DEMO_SELF = ("张伟", "43010419850315001")
DEMO_MOTHER = ("李秀英", "43010419560820002")


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
