"""Console pages of education, surveys and follow-up: who may open them, validation shown on
the form (4xx, nothing saved), audited acts."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from bedside.core.audit import AuditEvent
from bedside.core.clock import local_today
from bedside.education.models import EducationArticle
from bedside.surveys import followup
from bedside.surveys.models import FollowUp, FollowUpAppointment, Questionnaire, SurveyInvitation
from tests import factories
from tests.conftest import DATABASE
from tests.helpers import staff_login
from tests.integration.test_care_surveys import RATINGS, discharged_stay


@pytest.fixture
def world(session):  # type: ignore[no-untyped-def]
    w = factories.hospital(session)
    for username, role in [
        ("admin.c", "admin"),
        ("nurse.c", "nurse"),
        ("doctor.c", "doctor"),
        ("manager.c", "manager"),
        ("cashier.c", "cashier"),
    ]:
        factories.staff(session, username, role, department_id=w.department.id)
    return w


PAGES = (
    "/console/education",
    "/console/education/new",
    "/console/education/stays",
    "/console/surveys",
    "/console/surveys/questionnaires",
    "/console/surveys/questionnaires/satisfaction",
    "/console/followup",
    "/console/flags",
    "/console/followup/plans",
)
EDUCATION = {"/console/education", "/console/education/new"}
WARD = {"/console/education/stays", "/console/followup"}
ADMIN_ONLY = {
    "/console/surveys/questionnaires",
    "/console/surveys/questionnaires/satisfaction",
    "/console/followup/plans",
}


@pytest.mark.parametrize(
    ("username", "allowed"),
    [
        ("admin.c", EDUCATION | ADMIN_ONLY | {"/console/surveys"}),
        ("nurse.c", EDUCATION | WARD | {"/console/flags"}),
        ("doctor.c", EDUCATION | WARD),
        ("manager.c", {"/console/surveys", "/console/followup/plans"}),
        ("cashier.c", set()),
    ],
)
def test_roles(client, world, username, allowed):
    staff_login(client, username)
    for url in PAGES:
        assert client.get(url).status_code == (200 if url in allowed else 403), url


def test_write_preview_publish_with_validation_and_audit(client, world):
    token = staff_login(client, "nurse.c")
    form = {
        "title": "术前禁食",
        "stage": "surgery",
        "department_id": "",
        "locale": "zh_CN",
        "csrf_token": token,
    }
    r = client.post("/console/education", data={**form, "body": "**禁食** <b>x</b>", "action": "preview"})
    assert r.status_code == 200 and "<strong>禁食</strong>" in r.text and "&lt;b&gt;x&lt;/b&gt;" in r.text
    r = client.post("/console/education", data={**form, "body": "", "action": "save"})
    assert r.status_code == 422 and 'data-code="invalid_body"' in r.text
    r = client.post("/console/education", data={**form, "stage": "someday", "body": "x"})
    assert r.status_code == 422 and 'data-code="invalid_stage"' in r.text
    r = client.post("/console/education", data={**form, "department_id": "abc", "body": "x"})
    assert r.status_code == 422 and 'data-code="invalid_department"' in r.text
    r = client.post("/console/education", data={**form, "body": "x", "csrf_token": "forged"})
    assert r.status_code == 403
    with DATABASE.session() as s:
        assert s.scalars(select(EducationArticle)).all() == []
    r = client.post("/console/education", data={**form, "body": "术前 8 小时禁食"}, follow_redirects=False)
    assert r.status_code == 303
    article_id = int(r.headers["location"].split("/")[-1].split("?")[0])
    r = client.post(
        f"/console/education/{article_id}",
        data={**form, "title": "术前禁食禁饮", "body": "术前 8 小时禁食，2 小时禁饮"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert (
        client.post(
            f"/console/education/{article_id}/publish", data={"published": "1", "csrf_token": token}
        ).status_code
        == 200
    )
    page = client.get("/console/education")
    assert "术前禁食禁饮" in page.text
    with DATABASE.session() as s:
        row = s.get(EducationArticle, article_id)
        assert row is not None and row.published and row.body.endswith("2 小时禁饮")
        actions = s.scalars(
            select(AuditEvent.action).where(AuditEvent.entity_type == "education_article")
        ).all()
        assert sorted(actions) == ["education.create", "education.publish", "education.update"]
    assert client.get("/console/education/99999").status_code == 404


def test_questionnaire_editor_validates_and_versions(client, world):
    token = staff_login(client, "admin.c")
    page = client.get("/console/surveys/questionnaires/satisfaction")
    assert page.status_code == 200 and "overall" in page.text
    r = client.post(
        "/console/surveys/questionnaires/satisfaction",
        data={"definition": '{"title_zh": ', "csrf_token": token},
    )
    assert (
        r.status_code == 422 and 'data-code="invalid_questionnaire"' in r.text and "not valid JSON" in r.text
    )
    option = {"code": "a", "text_zh": "a", "text_en": "a"}
    choice = {
        "code": "q",
        "kind": "choice",
        "text_zh": "q",
        "text_en": "q",
        "options": [option, {**option, "code": "b"}],
    }
    bad_choice = json.dumps({"title_zh": "a", "title_en": "a", "questions": [choice]})
    r = client.post(
        "/console/surveys/questionnaires/satisfaction", data={"definition": bad_choice, "csrf_token": token}
    )
    assert r.status_code == 422 and "rating and text questions only" in r.text
    rating = {"code": "overall", "kind": "rating", "text_zh": "总体", "text_en": "Overall"}
    good = json.dumps({"title_zh": "a", "title_en": "a", "questions": [rating]})
    r = client.post(
        "/console/surveys/questionnaires/satisfaction",
        data={"definition": good, "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert client.get("/console/surveys/questionnaires/nope").status_code == 404
    with DATABASE.session() as s:
        versions = s.scalars(select(Questionnaire.version).where(Questionnaire.code == "satisfaction")).all()
        assert sorted(versions) == [1, 2]


def test_results_page_for_managers(client, session, world):
    stay = discharged_stay_in(session, world)
    with DATABASE.session() as s:
        inv = s.scalars(select(SurveyInvitation)).one()
        from bedside.surveys import service as surveys

        surveys.answer(s, stay.me, inv.id, {**RATINGS, "comments": "出院手续很快"})
    staff_login(client, "manager.c")
    page = client.get("/console/surveys")
    assert page.status_code == 200
    assert 'data-testid="results-row"' in page.text and "出院手续很快" in page.text
    assert client.get("/console/surveys?month=2026-13").status_code == 422
    assert client.get("/console/surveys?month=" + "x" * 5000).status_code == 422


def discharged_stay_in(session, world, days_ago: int = 0):  # type: ignore[no-untyped-def]
    """discharged_stay() builds its own hospital; here the staff's hospital is reused."""
    from unittest import mock

    with mock.patch("tests.factories.hospital", return_value=world):
        return discharged_stay(session, days_ago=days_ago)


def test_flags_and_appointments(client, session, world):
    stay = discharged_stay_in(session, world, days_ago=7)
    with DATABASE.session() as s:
        followup.create_due(s, local_today())
        fu = s.scalars(select(FollowUp)).one()
        followup.answer(s, stay.me, fu.id, {"feeling": "worse", "symptoms": "some", "medication": "yes"})
    token = staff_login(client, "nurse.c")
    page = client.get("/console/flags")
    assert page.status_code == 200 and f'data-id="{fu.id}"' in page.text
    assert client.get(f"/console/followup/stays/{stay.notice_id}").status_code == 200
    assert client.post(f"/console/flags/{fu.id}/ack", data={}).status_code == 403  # no CSRF token
    r = client.post(f"/console/flags/{fu.id}/ack", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    assert 'data-testid="no-flags"' in client.get("/console/flags").text
    assert client.post("/console/flags/99999/ack", data={"csrf_token": token}).status_code == 404

    url = f"/console/followup/stays/{stay.notice_id}/appointments"
    r = client.post(url, data={"day": "2026-02-30", "time": "09:00", "place": "门诊", "csrf_token": token})
    assert r.status_code == 422 and 'data-code="invalid_appointment_time"' in r.text
    day = (local_today() + timedelta(days=1)).isoformat()
    r = client.post(url, data={"day": day, "time": "09:00", "place": "", "csrf_token": token})
    assert r.status_code == 422 and 'data-code="invalid_place"' in r.text
    r = client.post(
        url,
        data={"day": day, "time": "09:00", "place": "门诊 3 楼", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    with DATABASE.session() as s:
        assert len(s.scalars(select(FollowUpAppointment)).all()) == 1
        assert (
            s.scalars(select(AuditEvent).where(AuditEvent.action == "follow_up.appointment")).one().patient_id
            == stay.patient_id
        )

    staff_login(client, "manager.c")
    assert client.get("/console/flags").status_code == 403
