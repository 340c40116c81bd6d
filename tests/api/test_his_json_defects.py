"""Issue 14, item 9: a HIS notice resent with the same reference and other content is
refused with the differences (not silently dropped), and a body that is not JSON says so."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bedside.admissions.models import AdmissionNotice
from bedside.core.audit import SYSTEM
from bedside.core.clock import local_today
from bedside.integrations import service as integrations
from bedside.web.problems import Problem
from tests import factories
from tests.conftest import DATABASE

URL = "/api/v1/his/admission-notices"


def _auth() -> dict[str, str]:
    with DATABASE.session() as s:
        key = integrations.register(s, SYSTEM, "HIS-notices", ["admission_notices"])[1]
    return {"Authorization": f"Bearer {key}"}


def test_a_changed_resend_is_refused_with_the_differences(client, session):
    world = factories.hospital(session)
    patient = factories.patient(session, name="诸葛亮")
    auth = _auth()
    body = {
        "his_ref": "ZYZ-2026-0009",
        "resident_id": patient.resident_id,
        "department_code": world.department.code,
        "diagnosis": "肺炎",
        "expected_date": local_today().isoformat(),
        "note": "空腹",
    }
    first = client.post(URL, json=body, headers=auth)
    assert first.status_code == 201, first.text
    # Identical, up to the whitespace the notice is stored without: still idempotent.
    same = client.post(URL, json={**body, "diagnosis": " 肺炎 "}, headers=auth)
    assert same.status_code == 201 and same.json()["id"] == first.json()["id"]

    later = (local_today() + timedelta(days=2)).isoformat()
    changed = {**body, "diagnosis": "重症肺炎", "expected_date": later, "priority": "urgent"}
    r = client.post(URL, json=changed, headers=auth)
    assert r.status_code == 409, r.text
    problem = r.json()
    Problem.model_validate(problem)
    assert problem["code"] == "notice_conflict"
    assert problem["differences"] == ["diagnosis", "priority", "expected_date"]
    assert "ZYZ-2026-0009" in problem["message_en"] and "diagnosis" in problem["message_en"]
    assert "不同" in problem["message_zh"]

    session.expire_all()
    assert session.scalar(select(func.count()).select_from(AdmissionNotice)) == 1
    stored = session.scalar(select(AdmissionNotice))
    assert (stored.diagnosis, stored.priority, stored.expected_date.isoformat()) == (
        "肺炎",
        "routine",
        body["expected_date"],
    )


def test_malformed_json_says_so_without_a_byte_offset(client, session):
    auth = _auth()
    r = client.post(
        URL,
        content=b'{"his_ref": "X1",, }',
        headers={**auth, "Content-Type": "application/json", "Accept-Language": "en"},
    )
    assert r.status_code == 400, r.text
    problem = r.json()
    Problem.model_validate(problem)
    assert problem["code"] == "invalid_json"
    assert problem["message_en"] == "The request body is not valid JSON."
    assert problem["message_zh"] == "请求内容不是有效的 JSON。"
    assert "field" not in problem and not problem.get("errors")
    assert not any(ch.isdigit() for ch in problem["message_en"])
    # An ordinary validation error still names its fields.
    r = client.post(URL, json={"his_ref": "X1"}, headers=auth)
    assert r.status_code == 422 and r.json()["code"] == "validation_error"
