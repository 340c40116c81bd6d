"""Growing a test hospital to hundreds or thousands of beds quickly, for the statement-budget
tests: wards, rooms and beds, patients waiting for a bed and admitted stays, written in bulk
(these tests measure reads; the writes that would make such rows one by one are tested
elsewhere)."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import count

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from bedside.admissions.models import AdmissionNotice
from bedside.core.db import utcnow
from bedside.hospital.models import Bed, Room, Ward
from bedside.patients.models import Patient
from tests import factories

BEDS_PER_WARD = 36
BEDS_PER_ROOM = 4
_serial = count(1)


def grow_beds(session: Session, world: factories.World, beds: int) -> None:
    """Adds wards of 36 beds (rooms of 4: men, women, mixed) until about `beds` more beds,
    alternating between the two departments; every third bed occupied."""
    campus_id = session.get(Ward, world.ward.id).campus_id  # type: ignore[union-attr]
    for i in range(max(1, beds // BEDS_PER_WARD)):
        n = next(_serial)
        dept = world.department if i % 2 == 0 else world.other_department
        ward = Ward(campus_id=campus_id, department_id=dept.id, code=f"G{n:03d}", name=f"扩建病区{n}")
        session.add(ward)
        session.flush()
        rooms = session.scalars(
            insert(Room).returning(Room.id),
            [
                {"ward_id": ward.id, "code": f"G{n:03d}-{r:02d}", "gender": "MFX"[r % 3]}
                for r in range(BEDS_PER_WARD // BEDS_PER_ROOM)
            ],
        ).all()
        session.execute(
            insert(Bed),
            [
                {
                    "room_id": room_id,
                    "ward_id": ward.id,
                    "code": f"G{n:03d}-{r:02d}-{b}",
                    "state": "occupied" if (r * BEDS_PER_ROOM + b) % 3 == 0 else "free",
                    "state_changed_at": utcnow() - timedelta(hours=1),
                    "version": 1,
                }
                for r, room_id in enumerate(rooms)
                for b in range(BEDS_PER_ROOM)
            ],
        )
    session.commit()


def _patients(session: Session, n: int) -> list[int]:
    born = date(1970, 1, 1)
    return list(
        session.scalars(
            insert(Patient).returning(Patient.id),
            [
                {"name": "路人" + "甲乙丙丁戊己庚辛壬癸"[i % 10], "gender": "MF"[i % 2], "birth_date": born}
                for i in range(n)
            ],
        ).all()
    )


def grow_queue(session: Session, world: factories.World, waiting: int) -> None:
    """`waiting` more patients in the department's queue for a bed."""
    now = utcnow()
    rows = [
        {
            "patient_id": pid,
            "department_id": world.department.id,
            "diagnosis": "待床",
            "kind": "elective",
            "priority": "urgent" if i % 7 == 0 else "routine",
            "expected_date": factories.tomorrow(),
            "state": "bed_requested",
            "bed_requested_at": now - timedelta(hours=i + 1),
            "room_preference": "any",
        }
        for i, pid in enumerate(_patients(session, waiting))
    ]
    session.execute(insert(AdmissionNotice), rows)
    session.commit()


def grow_admitted(session: Session, world: factories.World, stays: int) -> None:
    """`stays` more admitted stays (without beds: the stays list does not show them)."""
    now = utcnow()
    base = session.scalar(select(AdmissionNotice.id).order_by(AdmissionNotice.id.desc()).limit(1)) or 0
    rows = [
        {
            "patient_id": pid,
            "department_id": world.department.id,
            "diagnosis": "住院",
            "kind": "elective",
            "priority": "routine",
            "expected_date": factories.tomorrow(),
            "state": "admitted",
            "inpatient_no": f"ZG{base + i:08d}",
            "insurance_type": "self_pay",
            "admitted_at": now - timedelta(hours=i + 1),
        }
        for i, pid in enumerate(_patients(session, stays))
    ]
    session.execute(insert(AdmissionNotice), rows)
    session.commit()
