"""Role scope, not just role: a nurse acts on the stays of their own ward, a doctor on those of
their own department; the hospital-wide roles on all. Also the ward settings screen (a nurse
sets their own ward only) and the search on the doctor's lists."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bedside.admissions.models import AdmissionNotice
from bedside.core.audit import AuditEvent
from bedside.core.clock import local_today
from bedside.core.db import utcnow
from bedside.hospital.models import Bed, Room, Ward
from bedside.staff import scope
from tests import factories
from tests.conftest import DATABASE
from tests.helpers import csrf, staff_login


def _stay(session, patient, department_id: int, ward: Ward, bed: Bed, no: str, **kw):  # type: ignore[no-untyped-def]
    notice = AdmissionNotice(
        patient_id=patient.id,
        department_id=department_id,
        diagnosis=kw.pop("diagnosis", "冠心病"),
        kind="elective",
        priority="routine",
        expected_date=local_today(),
        state=kw.pop("state", "admitted"),
        inpatient_no=no,
        admitted_at=utcnow(),
        ward_id=ward.id,
        bed_id=bed.id,
        **kw,
    )
    session.add(notice)
    session.commit()
    return notice


@pytest.fixture
def two_wards(session):  # type: ignore[no-untyped-def]
    world = factories.hospital(session)
    other = Ward(
        campus_id=world.ward.campus_id, department_id=world.other_department.id, code="W02", name="骨科病区"
    )
    session.add(other)
    session.flush()
    room = Room(ward_id=other.id, code="601", gender="M")
    session.add(room)
    session.flush()
    bed = Bed(room_id=room.id, ward_id=other.id, code="601-1")
    session.add(bed)
    session.commit()
    mine = _stay(
        session,
        factories.patient(session, name="关羽"),
        world.department.id,
        world.ward,
        world.beds[0],
        "ZY1",
    )
    theirs = _stay(
        session, factories.patient(session, name="张飞"), world.other_department.id, other, bed, "ZY2"
    )
    factories.staff(session, "rn.card", "nurse", ward_id=world.ward.id, department_id=world.department.id)
    factories.staff(session, "rn.dept", "nurse", department_id=world.department.id)
    factories.staff(session, "dr.card", "doctor", department_id=world.department.id)
    factories.staff(session, "clerk.all", "admission_center")
    factories.staff(session, "ins.all", "insurance_officer")
    factories.staff(session, "rn.nohome", "nurse")
    factories.staff(session, "mgr", "manager")
    return world, other, mine.id, theirs.id


READS = ["/console/stays/{id}", "/api/v1/admission-notices/{id}", "/console/education/stays/{id}"]


@pytest.mark.parametrize(
    ("user", "own", "other"),
    [
        ("rn.card", 200, 403),
        ("rn.dept", 200, 403),
        ("dr.card", 200, 403),
        ("clerk.all", 200, 200),
        ("rn.nohome", 200, 200),
    ],
    ids=["ward-nurse", "department-nurse", "doctor", "admission-center", "nurse-without-home"],
)
@pytest.mark.parametrize("path", READS, ids=["stay-page", "notice-api", "education-stay"])
def test_reads_are_scoped(client, two_wards, user: str, own: int, other: int, path: str):  # type: ignore[no-untyped-def]
    _, _, mine, theirs = two_wards
    staff_login(client, user)
    r_own = client.get(path.format(id=mine))
    r_other = client.get(path.format(id=theirs))
    allowed = {200, 403} if path.startswith("/console/education") and user == "clerk.all" else None
    if allowed:  # the admission center has no education role: its answer is the role's
        assert r_own.status_code in allowed and r_other.status_code in allowed
        return
    assert r_own.status_code == own, r_own.text[:300]
    assert r_other.status_code == other, r_other.text[:300]
    if other == 403 and path.startswith("/api/"):
        assert r_other.json()["code"] == "outside_scope"


def test_the_followup_page_of_another_ward_is_refused(client, two_wards):  # type: ignore[no-untyped-def]
    _, _, mine, theirs = two_wards
    staff_login(client, "rn.card")
    assert client.get(f"/console/followup/stays/{theirs}").status_code == 403
    assert client.get(f"/console/followup/stays/{mine}").status_code != 403


def test_a_nurse_cannot_act_on_another_wards_stay(client, two_wards, session):  # type: ignore[no-untyped-def]
    _, _, mine, theirs = two_wards
    token = staff_login(client, "rn.card")
    r = client.post(f"/console/stays/{theirs}/arrived", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 403
    assert client.get(f"/console/stays/{theirs}/wristband.zpl").status_code == 403
    r = client.post(f"/console/stays/{mine}/arrived", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    with DATABASE.session() as s:
        assert s.get(AdmissionNotice, theirs).arrived_at is None
        assert s.get(AdmissionNotice, mine).arrived_at is not None


def test_a_doctor_cannot_cancel_another_departments_notice(client, two_wards):  # type: ignore[no-untyped-def]
    _, _, _, theirs = two_wards
    token = staff_login(client, "dr.card")
    r = client.post(
        f"/api/v1/admission-notices/{theirs}/cancel",
        json={"reason": "no"},
        headers={"x-csrf-token": token},
    )
    assert r.status_code == 403
    with DATABASE.session() as s:
        assert s.get(AdmissionNotice, theirs).state == "admitted"


def test_lists_show_only_the_stays_in_scope(client, two_wards):  # type: ignore[no-untyped-def]
    _, _, mine, theirs = two_wards
    staff_login(client, "rn.card")
    page = client.get("/console/stays")
    assert f'data-notice="{mine}"' in page.text and f'data-notice="{theirs}"' not in page.text
    client.cookies.clear()
    staff_login(client, "ins.all")
    page = client.get("/console/stays")
    assert f'data-notice="{mine}"' in page.text and f'data-notice="{theirs}"' in page.text


def test_the_inpatient_list_searches(client, two_wards):  # type: ignore[no-untyped-def]
    _, _, mine, theirs = two_wards
    staff_login(client, "ins.all")
    by_name = client.get("/console/stays", params={"q": "张"})
    assert f'data-notice="{theirs}"' in by_name.text and f'data-notice="{mine}"' not in by_name.text
    by_no = client.get("/console/stays", params={"q": "zy1"})
    assert f'data-notice="{mine}"' in by_no.text and f'data-notice="{theirs}"' not in by_no.text
    wild = client.get("/console/stays", params={"q": "%"})
    assert wild.status_code == 200 and 'data-notice="' not in wild.text
    assert client.get("/console/stays", params={"q": "x" * 51}).status_code == 422


def test_the_doctors_notice_list_searches(client, session):  # type: ignore[no-untyped-def]
    world = factories.hospital(session)
    factories.staff(session, "dr.s", "doctor", department_id=world.department.id)
    a = factories.patient(session, name="刘备")
    b = factories.patient(session, name="孙权")
    token = staff_login(client, "dr.s")
    for p, diagnosis in ((a, "冠心病"), (b, "心律失常")):
        r = client.post(
            "/console/notices",
            data={
                "csrf_token": token,
                "patient_id": p.id,
                "department_id": world.department.id,
                "diagnosis": diagnosis,
                "expected_date": factories.tomorrow().isoformat(),
            },
            follow_redirects=False,
        )
        assert r.status_code == 303
    page = client.get("/console/notices", params={"q": "心律"})
    assert "心律失常" in page.text and "冠心病" not in page.text
    page = client.get("/console/notices", params={"q": "刘备"})
    assert "冠心病" in page.text and "心律失常" not in page.text
    assert "心律失常" in client.get("/console/notices").text


def test_ward_settings_screen(client, two_wards):  # type: ignore[no-untyped-def]
    world, other, _, _ = two_wards
    token = staff_login(client, "rn.card")
    url = f"/console/wards/{world.ward.id}/settings"
    assert client.get(url).status_code == 200
    assert client.get(f"/console/wards/{other.id}/settings").status_code == 403
    r = client.post(
        f"/console/wards/{other.id}/settings",
        data={"csrf_token": token, "capacity_cap": "1", "low_balance_threshold": "500"},
    )
    assert r.status_code == 403
    for cap, threshold, code in (
        ("3", "500", "invalid_capacity_cap"),  # the ward has 2 beds
        ("-1", "500", "invalid_capacity_cap"),
        ("1", "abc", "invalid_amount"),
        ("1", "NaN", "invalid_amount"),
        ("1", "99999999", "amount_out_of_range"),
    ):
        r = client.post(
            url, data={"csrf_token": token, "capacity_cap": cap, "low_balance_threshold": threshold}
        )
        assert r.status_code == 422 and f'data-code="{code}"' in r.text, (cap, threshold, r.text[:300])
    with DATABASE.session() as s:
        ward = s.get(Ward, world.ward.id)
        assert ward.capacity_cap is None and ward.low_balance_threshold_fen == 100000
    r = client.post(
        url,
        data={"csrf_token": token, "capacity_cap": "1", "low_balance_threshold": "800.50"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert 'data-testid="ward-settings-saved"' in client.get(r.headers["location"]).text
    with DATABASE.session() as s:
        ward = s.get(Ward, world.ward.id)
        assert ward.capacity_cap == 1 and ward.low_balance_threshold_fen == 80050
        assert s.scalar(select(AuditEvent).where(AuditEvent.action == "ward.settings")) is not None
    # Empty: no cap. A manager may set any ward; a doctor none.
    client.cookies.clear()
    token = staff_login(client, "mgr")
    r = client.post(
        f"/console/wards/{other.id}/settings",
        data={"csrf_token": token, "capacity_cap": "", "low_balance_threshold": "1000"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    client.cookies.clear()
    staff_login(client, "dr.card")
    assert client.get(url).status_code == 403
    assert csrf(client, "/console/")


@pytest.mark.parametrize(
    ("roles", "ward", "dept", "stay", "ok"),
    [
        ({"nurse"}, 1, 10, (1, 10, None), True),
        ({"nurse"}, 1, 10, (2, 10, None), False),  # another ward of the same department
        ({"nurse"}, 1, 10, (None, 10, None), True),  # expected, no bed yet
        ({"nurse"}, 1, 10, (None, 20, None), False),
        ({"doctor"}, None, 10, (2, 10, None), True),
        ({"doctor"}, None, 10, (3, 20, None), False),
        ({"doctor"}, None, 10, (3, 20, 7), True),  # a notice this doctor issued
        ({"nurse", "cashier"}, 1, 10, (3, 20, None), True),  # a hospital-wide role besides
        ({"nurse"}, None, None, (3, 20, None), True),  # no home set: not scoped
    ],
    ids=[
        "nurse-own-ward",
        "nurse-other-ward",
        "nurse-expected",
        "nurse-other-department",
        "doctor-own-department",
        "doctor-other-department",
        "doctor-own-notice",
        "hospital-wide-role",
        "no-home",
    ],
)
def test_scope_rules(session, roles, ward, dept, stay, ok):  # type: ignore[no-untyped-def]
    from bedside.staff.models import StaffRole, StaffUser

    world = factories.hospital(session)
    home_ward = world.ward.id if ward else None
    home_dept = {10: world.department.id, None: None}[dept]
    user = StaffUser(
        id=7,
        username="u",
        full_name="u",
        password_hash="x",
        ward_id=home_ward,
        department_id=home_dept,
        role_rows=[StaffRole(role=r) for r in roles],
    )
    found = scope.of(session, user)
    wards = {1: world.ward.id, 2: world.ward.id + 100, 3: world.ward.id + 200, None: None}
    depts = {10: world.department.id, 20: world.other_department.id}
    assert found.allows(wards[stay[0]], depts[stay[1]], stay[2]) is ok


def test_the_admin_links_a_nurse_to_a_ward(client, two_wards):  # type: ignore[no-untyped-def]
    from bedside.staff.models import StaffUser

    world, other, _, _ = two_wards
    with DATABASE.session() as s:
        factories.staff(s, "boss", "admin")
    token = staff_login(client, "boss")
    base = {"csrf_token": token, "full_name": "王芳", "password": "long-enough-pw", "roles": "nurse"}
    for dept, ward, code in (
        (str(world.department.id), str(other.id), "invalid_ward"),  # another department's ward
        ("", "99999", "invalid_ward"),
        ("", "99999999999999999999", "invalid_ward"),
        ("99999999999999999999", "", "unknown_department"),
    ):
        r = client.post(
            "/console/staff", data={**base, "username": "rn.new", "department_id": dept, "ward_id": ward}
        )
        assert r.status_code == 422 and f'data-code="{code}"' in r.text, (dept, ward, r.status_code)
    r = client.post(
        "/console/staff",
        data={**base, "username": "rn.new", "department_id": "", "ward_id": str(world.ward.id)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    with DATABASE.session() as s:
        user = s.scalar(select(StaffUser).where(StaffUser.username == "rn.new"))
        assert user is not None and (user.ward_id, user.department_id) == (world.ward.id, world.department.id)


def test_the_notice_api_list_is_scoped(client, two_wards):  # type: ignore[no-untyped-def]
    _, _, mine, theirs = two_wards
    staff_login(client, "rn.card")
    ids = {n["id"] for n in client.get("/api/v1/admission-notices").json()}
    assert mine in ids and theirs not in ids
    client.cookies.clear()
    staff_login(client, "clerk.all")
    ids = {n["id"] for n in client.get("/api/v1/admission-notices").json()}
    assert {mine, theirs} <= ids
