"""Issue 15, a query budget per page: the phone home page reads what it shows in a small,
fixed number of statements, whatever the size of the hospital."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bedside.accounts.models import AccountPatient
from bedside.admissions import service as admissions_service
from bedside.admissions.schemas import NoticeIn
from bedside.charges import service as charges
from bedside.hospital.models import Bed, Room, Ward
from bedside.staff import service as staff_service
from bedside.staff.models import StaffUser
from tests import factories
from tests.conftest import DATABASE
from tests.helpers import phone_login
from tests.integration.discharge.conftest import HIS, admitted, line
from tests.querycount import QueryLog, count_queries

# Statements for one GET /phone/ for a patient with one open stay: the login session, the
# account and its patients, the notices, departments, then per open stay its deposit account,
# assessments, details, bed, ward and discharge, then record copies, surveys, follow-ups, exams
# and the unread count. 20 before issue 15 (notices, departments, deposit account and ward twice).
PHONE_HOME_BUDGET = 16


@dataclass
class Family:
    phone: str
    own_id: int  # admitted, with deposits and charges
    other_id: int  # a second patient the account acts for, with a notice
    world: factories.World


def _family(session) -> Family:  # type: ignore[no-untyped-def]
    ip = admitted(session)
    with DATABASE.session() as s:
        charges.post(s, HIS, ip.notice_id, [line("1", "A", 200000, "bed"), line("2", "C", 30000, "lab")])
        s.commit()
    other = factories.patient(session, name="钱二", male=False)
    session.add(
        AccountPatient(account_id=ip.adm.account.id, patient_id=other.id, relation="other", consent="staff")
    )
    session.commit()
    _notice_for(session, ip.adm.world, other.id, "另一位的诊断")
    return Family(ip.adm.account.phone, ip.adm.patient.id, other.id, ip.adm.world)


def _notice_for(session, world: factories.World, patient_id: int, diagnosis: str) -> None:  # type: ignore[no-untyped-def]
    doctor = staff_service.actor_for(session.scalar(select(StaffUser).where(StaffUser.username == "dr.adm")))
    admissions_service.issue(
        session,
        doctor,
        NoticeIn(
            patient_id=patient_id,
            department_id=world.department.id,
            diagnosis=diagnosis,
            expected_date=factories.tomorrow(),
        ),
    )


def _grow(session, world: factories.World, wards: int, patients: int) -> None:  # type: ignore[no-untyped-def]
    """More wards, beds and unrelated patients with notices, none of them the family's."""
    campus_id = session.get(Ward, world.ward.id).campus_id
    for i in range(wards):
        dept = world.department if i % 2 else world.other_department
        ward = Ward(campus_id=campus_id, department_id=dept.id, code=f"X{i:02d}", name=f"加病区{i}")
        session.add(ward)
        session.flush()
        room = Room(ward_id=ward.id, code=f"X{i:02d}01", gender="F")
        session.add(room)
        session.flush()
        session.add_all(Bed(room_id=room.id, ward_id=ward.id, code=f"X{i:02d}-{b}") for b in range(10))
    session.commit()
    for i in range(patients):
        name = (
            "路人" + "甲乙丙丁戊己庚辛壬癸"[i % 10] + "子丑寅卯辰巳午未申酉"[i // 10]
        )  # names have no digits
        _notice_for(session, world, factories.patient(session, name=name).id, f"路人诊断{i}")


def _load(client, path: str) -> tuple[QueryLog, str]:  # type: ignore[no-untyped-def]
    client.get(path)  # warm: anything cached per process is read before counting
    with count_queries() as q:
        r = client.get(path)
    assert r.status_code == 200, r.text
    return q, r.text


def _budget(client, family: Family) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    own, html = _load(client, "/phone/")
    assert "赵云" in html and "钱二" in html
    other, html = _load(client, f"/phone/?p={family.other_id}")
    assert "钱二" in html
    for q in (own, other):
        # More than nothing: a count of zero would mean the listener missed the app's engine.
        assert 0 < q.count <= PHONE_HOME_BUDGET, q.report()
    return own.count, other.count


def test_phone_home_in_a_few_statements_whatever_the_hospital_size(client, sms, session):  # type: ignore[no-untyped-def]
    family = _family(session)
    phone_login(client, sms, family.phone)
    small = _budget(client, family)
    _grow(session, family.world, wards=6, patients=50)
    large = _budget(client, family)
    print(f"phone home: {small} statements (admitted patient, issued notice); larger hospital {large}")
    assert large == small
