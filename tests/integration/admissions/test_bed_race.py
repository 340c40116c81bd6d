"""Twenty clerks assign the same free bed to twenty waiting patients at the same moment:
exactly one wins, nineteen get a clean "bed unavailable", and nothing else changes.
Meaningful on PostgreSQL (concurrent transactions); on SQLite writes serialize."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from sqlalchemy import func, select

from bedside.admissions import beds, stay
from bedside.admissions import service as notices
from bedside.admissions.models import AdmissionNotice
from bedside.admissions.schemas import NoticeIn
from bedside.core.audit import SYSTEM
from bedside.core.errors import Conflict
from bedside.hospital.models import Bed
from bedside.staff import service as staff_service
from tests import factories
from tests.conftest import DATABASE

CLERKS = 20
NAMES = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉"


def test_twenty_parallel_assignments_of_one_bed(session):
    world = factories.hospital(session)
    clerk = staff_service.actor_for(factories.staff(session, "clerk.race", "admission_center"))
    waiting = []
    for i in range(CLERKS):
        p = factories.patient(session, name=f"患者{NAMES[i]}", birth=date(1950 + i, 1, 2))
        with DATABASE.session() as s:
            n = notices.issue(
                s,
                SYSTEM,
                NoticeIn(
                    patient_id=p.id,
                    department_id=world.department.id,
                    diagnosis="x",
                    expected_date=factories.tomorrow(),
                ),
            )
            stay.request_bed(s, SYSTEM, n.id, None, "any")
            waiting.append(n.id)
    bed_id = world.beds[0].id
    start = threading.Barrier(CLERKS)

    def attempt(notice_id: int) -> str:
        start.wait()
        with DATABASE.session() as s:
            try:
                beds.assign(s, clerk, notice_id, bed_id)
                return "ok"
            except Conflict as exc:
                s.rollback()
                return exc.code

    with ThreadPoolExecutor(max_workers=CLERKS) as pool:
        outcomes = list(pool.map(attempt, waiting))
    assert outcomes.count("ok") == 1, outcomes
    assert set(outcomes) == {"ok", "bed_unavailable"}, outcomes
    with DATABASE.session() as s:
        assert s.get(Bed, bed_id).state == "reserved"
        holders = s.scalar(
            select(func.count()).select_from(AdmissionNotice).where(AdmissionNotice.bed_id == bed_id)
        )
        assert holders == 1
        still_waiting = s.scalar(
            select(func.count()).select_from(AdmissionNotice).where(AdmissionNotice.state == "bed_requested")
        )
        assert still_waiting == CLERKS - 1
