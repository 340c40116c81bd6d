"""Education in the reader's language: one topic group (department + stage) written in both
languages is listed once, in the page's language (or the account's, or the hospital's); a
group in one language only is still shown; each account is told only of its language's
version."""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import select

from bedside.accounts.models import Account
from bedside.education import service as education
from bedside.education.service import Stage
from bedside.notifications.models import InboxMessage
from tests.conftest import DATABASE
from tests.helpers import phone_login
from tests.integration.test_care_education import EDITOR
from tests.integration.test_care_surveys import discharged_stay


def _a(id: int, locale: str, stage: str = "discharge", department_id: int | None = None):  # type: ignore[no-untyped-def]  # noqa: A002
    return SimpleNamespace(id=id, locale=locale, stage=stage, department_id=department_id)


def test_rule_per_topic_group():
    rows = [
        _a(1, "zh_CN"),
        _a(2, "en"),
        _a(3, "zh_CN", "surgery"),  # no English version: shown to everybody
        _a(4, "en", "in_stay"),  # English only: shown to everybody
        _a(5, "zh_CN", department_id=7),
        _a(6, "en", department_id=7),
    ]
    assert education.in_language(rows, "en", "zh_CN") == {2, 3, 4, 6}  # type: ignore[arg-type]
    assert education.in_language(rows, "zh_CN", "zh_CN") == {1, 3, 4, 5}  # type: ignore[arg-type]
    assert education.in_language([], "en", "zh_CN") == set()


def _publish(title: str, locale: str) -> int:
    with DATABASE.session() as s:
        row = education.create(s, EDITOR, education.ArticleIn(title, None, "discharge", locale, f"# {title}"))
        education.set_published(s, EDITOR, row.id, True)
        return row.id


def test_phone_lists_one_version_in_the_readers_language(client, sms, session):
    stay = discharged_stay(session)
    zh = _publish("伤口护理", "zh_CN")
    en = _publish("Caring for the wound", "en")
    with DATABASE.session() as s:
        account = s.get(Account, stay.account.id)
        assert account is not None
        account.locale = "en"  # this account reads its messages in English
        s.commit()
        sent = education.push_stage(
            s,
            patient_id=stay.patient_id,
            notice_id=stay.notice_id,
            department_id=stay.adm.world.department.id,
            stage=Stage.DISCHARGE,
        )
        s.commit()
        assert sent == 2  # both are the patient's; each account hears of one
        links = s.scalars(
            select(InboxMessage.link).where(
                InboxMessage.account_id == stay.account.id, InboxMessage.template == "education_ready"
            )
        ).all()
        assert links == [f"/phone/education/{en}"]
    phone_login(client, sms, "13600000011")
    listing = client.get("/phone/education")  # no language picked on the page: the account's
    assert f"/phone/education/{en}" in listing.text and f"/phone/education/{zh}" not in listing.text
    client.cookies.set("bs_lang", "zh_CN")  # picked on the page: that one wins
    listing = client.get("/phone/education")
    assert f"/phone/education/{zh}" in listing.text and f"/phone/education/{en}" not in listing.text
    assert listing.text.count('data-testid="article"') == 1
    # Both versions stay readable by their link (an old message, a shared link).
    assert client.get(f"/phone/education/{en}").status_code == 200
