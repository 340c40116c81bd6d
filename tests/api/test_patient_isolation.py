"""A patient account sees only its own patients' data, by page or by API, whatever id it tries."""

from __future__ import annotations

import pytest

from bedside.admissions import service as admissions_service
from bedside.admissions.schemas import NoticeIn
from bedside.staff import service as staff_service
from tests import factories
from tests.helpers import phone_login


@pytest.fixture
def two_families(session):
    world = factories.hospital(session)
    doctor = factories.staff(session, "dr.li", "doctor", department_id=world.department.id)
    a = factories.patient(session, name="甲病人", phone="13811110001")
    b = factories.patient(session, name="乙病人", phone="13811110002")
    factories.account_for(session, "13811110001", a)
    factories.account_for(session, "13811110002", b)
    actor = staff_service.actor_for(doctor)
    na = admissions_service.issue(
        session,
        actor,
        NoticeIn(
            patient_id=a.id,
            department_id=world.department.id,
            diagnosis="A的诊断",
            expected_date=factories.tomorrow(),
        ),
    )
    nb = admissions_service.issue(
        session,
        actor,
        NoticeIn(
            patient_id=b.id,
            department_id=world.department.id,
            diagnosis="B的诊断",
            expected_date=factories.tomorrow(),
        ),
    )
    return a, b, na, nb


def test_patient_a_reads_own_notice_but_not_b(client, sms, two_families):
    a, b, na, nb = two_families
    phone_login(client, sms, "13811110001")
    own = client.get(f"/phone/notices/{na.id}")
    assert own.status_code == 200 and "A的诊断" in own.text
    other = client.get(f"/phone/notices/{nb.id}")
    assert other.status_code == 404 and "B的诊断" not in other.text
    assert client.get(f"/api/v1/me/notices/{na.id}").json()["diagnosis"] == "A的诊断"
    r = client.get(f"/api/v1/me/notices/{nb.id}")
    assert r.status_code == 404 and r.json()["code"] == "notice_not_found"
    assert [n["id"] for n in client.get("/api/v1/me/notices").json()] == [na.id]
    r = client.get(f"/api/v1/me/patients/{b.id}/next-step")
    assert r.status_code == 404
    assert "乙病人" not in client.get(f"/phone/?p={b.id}").text


def test_a_proxy_sees_the_patient_they_act_for(client, sms, session, two_families):
    a, _, na, _ = two_families
    factories.account_for(session, "13811110009", factories.patient(session, name="丙家属"), a)
    phone_login(client, sms, "13811110009")
    assert client.get(f"/phone/notices/{na.id}").status_code == 200
    step = client.get(f"/api/v1/me/patients/{a.id}/next-step").json()
    assert step["code"] == "request_bed"


def test_staff_api_needs_a_staff_session(client, sms, two_families):
    _, _, na, _ = two_families
    phone_login(client, sms, "13811110001")
    r = client.get(f"/api/v1/admission-notices/{na.id}")
    assert r.status_code == 401 and r.json()["code"] == "not_authenticated"


def test_masked_ids_in_the_phone_api(client, sms, two_families):
    a, *_ = two_families
    phone_login(client, sms, "13811110001")
    mine = client.get("/api/v1/me/patients").json()
    assert mine[0]["resident_id_masked"] == a.resident_id[:6] + "********" + a.resident_id[-4:]
    assert a.resident_id not in client.get("/api/v1/me/patients").text
