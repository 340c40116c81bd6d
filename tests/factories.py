"""Builders for test data, going through the services where one exists."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from bedside.accounts.models import Account, AccountPatient
from bedside.core.audit import SYSTEM
from bedside.core.auth import hash_password
from bedside.core.db import utcnow
from bedside.core.resident_id import check_digit
from bedside.hospital.models import Bed, Campus, Department, Hospital, Room, Ward
from bedside.patients import service as patients_service
from bedside.patients.models import Patient
from bedside.staff import service as staff_service
from bedside.staff.models import StaffUser

PASSWORD = "correct-horse-battery"
_HASH = hash_password(PASSWORD)
_seq = itertools.count(1)


def make_resident_id(birth: date = date(1980, 5, 17), male: bool = True, region: str = "110105") -> str:
    n = next(_seq) % 500
    first17 = f"{region}{birth:%Y%m%d}{n * 2 + (1 if male else 0):03d}"
    return first17 + check_digit(first17)


def make_phone() -> str:
    return f"139{next(_seq):08d}"


@dataclass
class World:
    hospital: Hospital
    department: Department
    other_department: Department
    ward: Ward
    beds: list[Bed]


def hospital(session: Session) -> World:
    h = Hospital(code="T", name="测试医院", level="3A")
    session.add(h)
    session.flush()
    campus = Campus(hospital_id=h.id, code="MAIN", name="本部")
    cardio = Department(
        hospital_id=h.id, code="CARD", name="心血管内科", name_en="Cardiology", suggested_deposit_fen=500000
    )
    ortho = Department(hospital_id=h.id, code="ORTH", name="骨科", name_en="Orthopedics")
    session.add_all([campus, cardio, ortho])
    session.flush()
    ward = Ward(campus_id=campus.id, department_id=cardio.id, code="W01", name="心内一病区", floor=5)
    session.add(ward)
    session.flush()
    room = Room(ward_id=ward.id, code="501", gender="M")
    session.add(room)
    session.flush()
    beds = [Bed(room_id=room.id, ward_id=ward.id, code=f"501-{i}") for i in (1, 2)]
    session.add_all(beds)
    session.commit()
    return World(h, cardio, ortho, ward, beds)


def staff(
    session: Session,
    username: str,
    *roles: str,
    department_id: int | None = None,
    full_name: str | None = None,
    ward_id: int | None = None,
) -> StaffUser:
    return staff_service.create_user(
        session,
        SYSTEM,
        username=username,
        full_name=full_name or username,
        password="",
        password_hash=_HASH,
        roles=list(roles),
        department_id=department_id,
        ward_id=ward_id,
    )


def patient(
    session: Session,
    name: str = "王小明",
    phone: str | None = None,
    male: bool = True,
    birth: date = date(1980, 5, 17),
) -> Patient:
    return patients_service.register(
        session, SYSTEM, name=name, resident_id=make_resident_id(birth, male), phone=phone or make_phone()
    )


def account_for(session: Session, phone: str, *patients: Patient, relation: str = "self") -> Account:
    account = Account(phone=phone, verified_at=utcnow())
    session.add(account)
    session.flush()
    for i, p in enumerate(patients):
        session.add(
            AccountPatient(
                account_id=account.id,
                patient_id=p.id,
                relation=relation if i == 0 else "other",
                consent="staff",
            )
        )
    session.commit()
    return account


def tomorrow() -> date:
    return date.today() + timedelta(days=1)  # noqa: DTZ011


CSRF_RE = re.compile(r'name="csrf-token" content="([0-9a-f]+)"')


def csrf_of(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no csrf meta tag"
    return match.group(1)


def jpeg(width: int = 640, height: int = 400) -> bytes:
    """A small photo, as a phone camera would upload it (record copy proofs)."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 220, 240)).save(out, "JPEG")
    return out.getvalue()
