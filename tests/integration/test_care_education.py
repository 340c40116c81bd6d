"""Education pushed by the stay's events: the notice brings the department's pre-admission
reading, admission the in-stay reading, discharge the discharge reading; surgery reading is
sent by the ward. Each article reaches a patient once, whatever is replayed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bedside.admissions import service as admissions_service
from bedside.admissions.events import PatientAdmitted
from bedside.admissions.models import AdmissionNotice
from bedside.admissions.schemas import NoticeIn
from bedside.core import events
from bedside.core.audit import SYSTEM, Actor, AuditEvent
from bedside.core.errors import Forbidden, InvalidInput, NotFound
from bedside.education import service as education
from bedside.education.models import EducationPush, EducationRead
from bedside.notifications.models import InboxMessage
from bedside.staff import service as staff_service
from tests import factories
from tests.conftest import DATABASE
from tests.integration.admissions.conftest import make_admission
from tests.integration.test_care_surveys import discharged_stay, dispatch

EDITOR = Actor(kind="staff", id=1, label="护士长", roles=frozenset({"nurse"}))


def article(stage: str, title: str, department_id: int | None = None, published: bool = True) -> int:
    with DATABASE.session() as s:
        row = education.create(
            s, EDITOR, education.ArticleIn(title, department_id, stage, "zh_CN", f"# {title}\n\n正文")
        )
        if published:
            education.set_published(s, EDITOR, row.id, True)
        return row.id


def _education_messages(account_id: int) -> list[str]:
    with DATABASE.session() as s:
        return sorted(
            m.link or ""
            for m in s.scalars(
                select(InboxMessage).where(
                    InboxMessage.account_id == account_id, InboxMessage.template == "education_ready"
                )
            )
        )


def test_each_stage_pushes_its_articles_once(session):
    world = factories.hospital(session)
    pre_all = article("pre_admission", "入院须知")
    pre_cardio = article("pre_admission", "心内科入院须知", world.department.id)
    article("pre_admission", "骨科入院须知", world.other_department.id)
    article("pre_admission", "草稿", published=False)
    in_stay = article("in_stay", "防跌倒")
    surgery = article("surgery", "术前禁食")
    leaving = article("discharge", "出院带药")

    doctor = factories.staff(session, "dr.e", "doctor", department_id=world.department.id)
    patient = factories.patient(session, phone="13600000011")
    account = factories.account_for(session, "13600000011", patient)
    notice = admissions_service.issue(
        session,
        staff_service.actor_for(doctor),
        NoticeIn(
            patient_id=patient.id,
            department_id=world.department.id,
            diagnosis="冠心病",
            expected_date=factories.tomorrow(),
        ),
    )
    dispatch()
    assert _education_messages(account.id) == sorted(f"/phone/education/{i}" for i in (pre_all, pre_cardio))

    with DATABASE.session() as s:
        n = s.get(AdmissionNotice, notice.id)
        n.state, n.ward_id, n.inpatient_no = "admitted", world.ward.id, "ZY202600001"  # type: ignore[union-attr]
        for _ in range(2):  # delivered twice: still one message
            events.emit(
                s,
                PatientAdmitted(
                    notice_id=notice.id,
                    patient_id=patient.id,
                    bed_id=world.beds[0].id,
                    ward_id=world.ward.id,
                    inpatient_no="ZY202600001",
                ),
            )
        s.commit()
    dispatch()
    assert f"/phone/education/{in_stay}" in _education_messages(account.id)
    assert len(_education_messages(account.id)) == 3

    nurse = staff_service.actor_for(factories.staff(session, "rn.e", "nurse"))
    with DATABASE.session() as s:
        assert education.send_surgery(s, nurse, notice.id) == 1
        assert education.send_surgery(s, nurse, notice.id) == 0
        audit = s.scalars(select(AuditEvent).where(AuditEvent.action == "education.send")).all()
        assert len(audit) == 2 and audit[0].patient_id == patient.id
    assert f"/phone/education/{surgery}" in _education_messages(account.id)

    with DATABASE.session() as s:
        assert {p.article.id for p in education.pushed_to(s, {patient.id})} == {
            pre_all,
            pre_cardio,
            in_stay,
            surgery,
        }
    assert leaving not in {int(x.rsplit("/", 1)[1]) for x in _education_messages(account.id)}


def test_discharge_pushes_discharge_reading(session):
    leaving = article("discharge", "出院伤口护理")
    stay = discharged_stay(session)
    assert _education_messages(stay.account.id) == [f"/phone/education/{leaving}"]


def test_surgery_reading_only_by_ward_staff_for_admitted_patients(session):
    adm = make_admission(session)
    nurse = staff_service.actor_for(factories.staff(session, "rn.x", "nurse"))
    with DATABASE.session() as s:
        with pytest.raises(Forbidden):
            education.send_surgery(s, adm.clerk, adm.notice.id)
        with pytest.raises(InvalidInput) as err:
            education.send_surgery(s, nurse, adm.notice.id)
        assert err.value.code == "not_admitted"


def test_read_receipt_once_per_account_and_only_for_pushed_articles(session):
    first = article("discharge", "出院带药")
    stay = discharged_stay(session)
    unsent = article("discharge", "后来写的")
    with DATABASE.session() as s:
        ids = {stay.patient_id}
        education.open_for_account(s, stay.account.id, ids, first)
        when = s.scalars(select(EducationRead.read_at)).one()
        education.open_for_account(s, stay.account.id, ids, first)
        assert s.scalars(select(EducationRead.read_at)).all() == [when]
        with pytest.raises(NotFound):
            education.open_for_account(s, stay.account.id, ids, unsent)
        with pytest.raises(NotFound):
            education.open_for_account(s, stay.account.id, set(), first)
        education.set_published(s, EDITOR, first, False)
        with pytest.raises(NotFound):
            education.open_for_account(s, stay.account.id, ids, first)
        stats = {r.article.id: (r.pushed, r.read) for r in education.list_with_stats(s)}
        assert stats == {first: (1, 1), unsent: (0, 0)}
        assert s.scalar(select(EducationPush.patient_id)) == stay.patient_id


def test_article_validation_and_roles(session):
    factories.hospital(session)
    with DATABASE.session() as s:
        for data, code in [
            (education.ArticleIn(" ", None, "surgery", "zh_CN", "x"), "invalid_title"),
            (education.ArticleIn("t", None, "surgery", "zh_CN", ""), "invalid_body"),
            (education.ArticleIn("t", None, "later", "zh_CN", "x"), "invalid_stage"),
            (education.ArticleIn("t", None, "surgery", "fr", "x"), "invalid_locale"),
            (education.ArticleIn("t", 99999, "surgery", "zh_CN", "x"), "invalid_department"),
            (education.ArticleIn("x" * 201, None, "surgery", "zh_CN", "x"), "invalid_title"),
        ]:
            with pytest.raises(InvalidInput) as err:
                education.create(s, EDITOR, data)
            assert err.value.code == code
        with pytest.raises(Forbidden):
            education.create(s, SYSTEM, education.ArticleIn("t", None, "surgery", "zh_CN", "x"))
