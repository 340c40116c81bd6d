"""Phone pages of education, surveys and follow-up through the real app: a family sees only
its own, answers once, and forms need their CSRF token."""

from __future__ import annotations

from sqlalchemy import select

from bedside.core.clock import local_today
from bedside.education.models import EducationRead
from bedside.surveys import followup
from bedside.surveys.models import FollowUp, SurveyInvitation
from tests.conftest import DATABASE
from tests.helpers import phone_login
from tests.integration.test_care_education import article
from tests.integration.test_care_surveys import RATINGS, discharged_stay, second_family


def _ids():  # type: ignore[no-untyped-def]
    with DATABASE.session() as s:
        return s.scalars(select(SurveyInvitation.id)).one()


def test_survey_answered_once_through_the_page(client, sms, session):
    discharged_stay(session)
    inv = _ids()
    token = phone_login(client, sms, "13600000011")
    assert "/phone/surveys" in client.get("/phone/").text
    page = client.get(f"/phone/surveys/{inv}")
    assert page.status_code == 200 and 'data-testid="survey-form"' in page.text
    assert client.get("/phone/surveys").status_code == 200
    # No token: refused, nothing saved.
    r = client.post(f"/phone/surveys/{inv}", data=RATINGS)
    assert r.status_code == 403
    r = client.post(f"/phone/surveys/{inv}", data={**RATINGS, "overall": "7", "csrf_token": token})
    assert r.status_code == 422 and 'data-code="answer_not_a_rating"' in r.text
    r = client.post(
        f"/phone/surveys/{inv}",
        data={**RATINGS, "comments": "很好", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert 'data-testid="survey-done"' in client.get(r.headers["location"]).text
    r = client.post(f"/phone/surveys/{inv}", data={**RATINGS, "csrf_token": token})
    assert r.status_code == 409 and 'data-code="survey_answered"' in r.text
    with DATABASE.session() as s:
        assert s.get(SurveyInvitation, inv).answers["comments"] == "很好"  # type: ignore[index,union-attr]


def test_another_family_gets_not_found(client, sms, session):
    stay = discharged_stay(session, days_ago=7)
    leaving = article("discharge", "出院带药")
    with DATABASE.session() as s:
        from bedside.education import service as education
        from bedside.education.service import Stage

        education.push_stage(
            s,
            patient_id=stay.patient_id,
            notice_id=stay.notice_id,
            department_id=stay.adm.world.department.id,
            stage=Stage.DISCHARGE,
        )
        s.commit()
        followup.create_due(s, local_today())
        fu = s.scalars(select(FollowUp.id)).one()
    inv = _ids()
    second_family(session, stay.adm.world, "13700000022")
    token = phone_login(client, sms, "13700000022")
    for url in (f"/phone/surveys/{inv}", f"/phone/followups/{fu}", f"/phone/education/{leaving}"):
        r = client.get(url)
        assert r.status_code == 404, url
    r = client.post(f"/phone/surveys/{inv}", data={**RATINGS, "csrf_token": token})
    assert r.status_code == 404
    r = client.post(
        f"/phone/followups/{fu}",
        data={"feeling": "worse", "symptoms": "some", "medication": "yes", "csrf_token": token},
    )
    assert r.status_code == 404
    lists = client.get("/phone/surveys").text + client.get("/phone/education").text
    assert (
        f"/phone/surveys/{inv}" not in lists
        and f"/phone/followups/{fu}" not in lists
        and "出院带药" not in lists
    )
    with DATABASE.session() as s:
        assert s.get(SurveyInvitation, inv).answered_at is None  # type: ignore[union-attr]
        assert s.get(FollowUp, fu).answered_at is None  # type: ignore[union-attr]
        assert s.scalars(select(EducationRead)).all() == []


def test_article_page_renders_markdown_escapes_html_and_records_the_read(client, sms, session):
    from bedside.education import service as education
    from bedside.education.service import Stage
    from tests.integration.test_care_education import EDITOR

    stay = discharged_stay(session)
    with DATABASE.session() as s:
        row = education.create(
            s,
            EDITOR,
            education.ArticleIn(
                "伤口护理",
                None,
                "discharge",
                "zh_CN",
                "# 伤口护理\n\n**保持干燥**\n\n<script>alert(1)</script>",
            ),
        )
        education.set_published(s, EDITOR, row.id, True)
        education.push_stage(
            s,
            patient_id=stay.patient_id,
            notice_id=stay.notice_id,
            department_id=stay.adm.world.department.id,
            stage=Stage.DISCHARGE,
        )
        s.commit()
    phone_login(client, sms, "13600000011")
    listing = client.get("/phone/education")
    assert listing.status_code == 200 and f"/phone/education/{row.id}" in listing.text
    page = client.get(f"/phone/education/{row.id}")
    assert page.status_code == 200
    assert "<strong>保持干燥</strong>" in page.text
    assert (
        "<script>alert(1)</script>" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    )
    client.get(f"/phone/education/{row.id}")
    with DATABASE.session() as s:
        assert len(s.scalars(select(EducationRead)).all()) == 1


def test_follow_up_answered_through_the_page(client, sms, session):
    discharged_stay(session, days_ago=7)
    with DATABASE.session() as s:
        followup.create_due(s, local_today())
        fu = s.scalars(select(FollowUp.id)).one()
    token = phone_login(client, sms, "13600000011")
    listing = client.get("/phone/surveys").text
    assert f"/phone/followups/{fu}" in listing
    r = client.post(f"/phone/followups/{fu}", data={"feeling": "meh", "csrf_token": token})
    assert r.status_code == 422 and 'data-code="answer_unknown_option"' in r.text
    r = client.post(
        f"/phone/followups/{fu}",
        data={"feeling": "same", "symptoms": "some", "medication": "yes", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert 'data-testid="follow-up-flagged"' in client.get(f"/phone/followups/{fu}").text
    with DATABASE.session() as s:
        assert s.get(FollowUp, fu).flagged  # type: ignore[union-attr]
    # a field far too long is refused, not stored
    r = client.post(f"/phone/followups/{fu}", data={"notes": "x" * 3000, "csrf_token": token})
    assert r.status_code in (409, 422)
