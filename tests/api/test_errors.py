"""Bad input gets a 4xx problem response with a stable code and both languages."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bedside.admissions.models import AdmissionNotice
from tests import factories
from tests.helpers import staff_login


@pytest.fixture
def doctor(client, session):
    world = factories.hospital(session)
    factories.staff(session, "dr.li", "doctor", department_id=world.department.id)
    token = staff_login(client, "dr.li")
    patient = factories.patient(session)
    return world, patient, token


def test_unknown_api_route_is_a_json_404(client):
    r = client.get("/api/v1/nothing-here")
    assert r.status_code == 404
    body = r.json()
    assert body["code"] == "not_found" and body["message_zh"] and body["message_en"]


def test_unknown_page_is_an_html_404(client):
    r = client.get("/phone/does-not-exist")
    assert r.status_code == 404 and "text/html" in r.headers["content-type"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"department_id": 1, "diagnosis": "x", "expected_date": "2030-01-01"}, "patient_id"),
        (
            {"patient_id": "abc", "department_id": 1, "diagnosis": "x", "expected_date": "2030-01-01"},
            "patient_id",
        ),
        ({"patient_id": 1, "department_id": 1, "diagnosis": "", "expected_date": "2030-01-01"}, "diagnosis"),
        (
            {"patient_id": 1, "department_id": 1, "diagnosis": "x", "expected_date": "not-a-date"},
            "expected_date",
        ),
        (
            {"patient_id": 1, "department_id": 1, "diagnosis": "x" * 201, "expected_date": "2030-01-01"},
            "diagnosis",
        ),
        (
            {
                "patient_id": 1,
                "department_id": 1,
                "diagnosis": "x",
                "expected_date": "2030-01-01",
                "kind": "zzz",
            },
            "kind",
        ),
    ],
)
def test_invalid_notice_payloads(client, session, doctor, body, field):
    _, _, token = doctor
    r = client.post("/api/v1/admission-notices", json=body, headers={"X-CSRF-Token": token})
    assert r.status_code == 422
    problem = r.json()
    assert problem["code"] == "validation_error"
    assert any(e["field"] == field for e in problem["errors"])
    assert session.scalar(select(func.count()).select_from(AdmissionNotice)) == 0


def test_domain_rule_errors(client, session, doctor):
    world, patient, token = doctor
    past = {
        "patient_id": patient.id,
        "department_id": world.department.id,
        "diagnosis": "肺炎",
        "expected_date": "2000-01-01",
    }
    r = client.post("/api/v1/admission-notices", json=past, headers={"X-CSRF-Token": token})
    assert r.status_code == 422 and r.json()["code"] == "invalid_expected_date"
    missing = {**past, "expected_date": factories.tomorrow().isoformat(), "patient_id": 99999}
    r = client.post("/api/v1/admission-notices", json=missing, headers={"X-CSRF-Token": token})
    assert r.status_code == 404 and r.json()["code"] == "patient_not_found"
    ok = {**missing, "patient_id": patient.id}
    assert (
        client.post("/api/v1/admission-notices", json=ok, headers={"X-CSRF-Token": token}).status_code == 201
    )
    r = client.post("/api/v1/admission-notices", json=ok, headers={"X-CSRF-Token": token})
    assert r.status_code == 409 and r.json()["code"] == "notice_already_open"
    assert session.scalar(select(func.count()).select_from(AdmissionNotice)) == 1


def test_english_locale_cookie_switches_the_message(client, session, doctor):
    client.cookies.set("bs_lang", "en")
    r = client.get("/api/v1/admission-notices/424242")
    body = r.json()
    assert body["code"] == "notice_not_found"
    assert body["message"] == body["message_en"] == "Admission notice not found."
    assert body["message_zh"] == "未找到该住院证。"


@pytest.mark.parametrize(
    "path",
    [
        "/console/notices/new?patient_id=abc",
        "/console/patients/xyz",
        "/phone/notices/1e9",
        "/kiosk/login?kind=<script>",
    ],
)
def test_junk_in_urls_never_500s(client, session, doctor, path):
    r = client.get(path)
    assert r.status_code < 500


def test_console_form_errors_re_render_with_the_message(client, session, doctor):
    world, patient, token = doctor
    r = client.post(
        "/console/notices",
        data={
            "patient_id": str(patient.id),
            "department_id": str(world.department.id),
            "diagnosis": "",
            "expected_date": factories.tomorrow().isoformat(),
            "csrf_token": token,
        },
    )
    assert r.status_code == 422 and 'data-code="validation_error"' in r.text
    r = client.post(
        "/console/notices",
        data={
            "patient_id": str(patient.id),
            "department_id": str(world.department.id),
            "diagnosis": "肺炎",
            "expected_date": "2001-01-01",
            "csrf_token": token,
        },
    )
    assert r.status_code == 422 and 'data-code="invalid_expected_date"' in r.text


def test_role_is_enforced(client, session):
    factories.hospital(session)
    factories.staff(session, "nurse.x", "nurse")
    staff_login(client, "nurse.x")
    r = client.get("/console/staff")
    assert r.status_code == 403
    r = client.get("/console/notices/new")
    assert r.status_code == 403


def test_control_characters_are_refused_before_any_work(client, session, doctor):
    r = client.get("/console/patients", params={"q": "张\x00三"})
    assert r.status_code == 422 and 'data-code="invalid_characters"' in r.text
    r = client.get("/api/v1/me/notices", params={"x": "\x07"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_characters"


def test_huge_ids_are_invalid_input_not_database_errors(client, session, doctor):
    assert client.get(f"/api/v1/admission-notices/{2**40}").status_code == 422
    assert client.get(f"/console/patients/{2**63}").status_code == 422
