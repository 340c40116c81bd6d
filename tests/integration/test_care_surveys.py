"""The satisfaction survey: a real discharge (nurse: "the patient has left the ward") opens the
stay's survey and sends one "please rate" message with the survey's link to every account
acting for the patient; it is answered once; results by ward and month.

Also the builders the other care tests share."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bedside.accounts.models import Account
from bedside.admissions.models import AdmissionNotice
from bedside.charges import service as charges
from bedside.core import events
from bedside.core.audit import Actor
from bedside.core.clock import local_today
from bedside.core.db import utcnow
from bedside.core.errors import Conflict, InvalidInput, NotFound
from bedside.core.events import dispatch_pending
from bedside.discharge import service as discharge
from bedside.discharge.events import Discharged
from bedside.discharge.models import Discharge
from bedside.notifications.models import InboxMessage
from bedside.surveys import rules
from bedside.surveys import service as surveys
from bedside.surveys.models import SurveyInvitation
from tests import factories
from tests.conftest import DATABASE
from tests.integration.admissions.conftest import Admission, make_admission
from tests.integration.discharge.conftest import HIS, admitted, line, signature

RATINGS = {"overall": "5", "doctors": "4", "nurses": "5", "environment": "3", "process": "4"}


def dispatch() -> None:
    while dispatch_pending(DATABASE.session_factory):
        pass


@dataclass
class Stay:
    adm: Admission
    notice_id: int
    patient_id: int
    account: Account
    me: Actor


def discharged_stay(session, *, days_ago: int = 0, at: datetime | None = None) -> Stay:  # type: ignore[no-untyped-def]
    """A stay discharged `days_ago` (as discharge.leave leaves it), its Discharged event emitted
    and dispatched. The full discharge path is in test_real_discharge_invites_once."""
    adm = make_admission(session)
    left = at or utcnow() - timedelta(days=days_ago)
    with DATABASE.session() as s:
        n = s.get(AdmissionNotice, adm.notice.id)
        assert n is not None
        n.state, n.ward_id, n.inpatient_no = "admitted", adm.world.ward.id, f"ZY2026{n.id:05d}"
        n.admitted_at = left - timedelta(days=5)
        s.add(
            Discharge(
                notice_id=n.id,
                state="discharged",
                planned_date=left.date(),
                ordered_by="dr.adm",
                cleared_at=left,
                discharged_at=left,
            )
        )
        events.emit(s, Discharged(notice_id=n.id, patient_id=n.patient_id))
        s.commit()
    dispatch()
    return Stay(adm, adm.notice.id, adm.patient.id, adm.account, adm.me)


def second_family(session, world: factories.World, phone: str = "13700000022") -> Actor:  # type: ignore[no-untyped-def]
    other = factories.patient(session, name="钱多多", phone=phone)
    account = factories.account_for(session, phone, other)
    return Actor(kind="account", id=account.id, label="phone")


def _messages(account_id: int) -> list[InboxMessage]:
    with DATABASE.session() as s:
        return list(s.scalars(select(InboxMessage).where(InboxMessage.account_id == account_id)))


def test_real_discharge_invites_once_with_a_link(session):
    ip = admitted(session)
    proxy = factories.account_for(session, "13900000099")
    with DATABASE.session() as s:
        from bedside.accounts.models import AccountPatient

        s.add(
            AccountPatient(
                account_id=proxy.id, patient_id=ip.adm.patient.id, relation="child", consent="staff"
            )
        )
        s.commit()
        charges.post(s, HIS, ip.notice_id, [line("1", "A", 100000, "bed")])
        discharge.order(s, ip.doctor, ip.notice_id, local_today())
        discharge.clear_ward(s, ip.nurse, ip.notice_id, no_pending_orders=True, charges_posted=True)
        if discharge.get(s, ip.notice_id).state == "ward_cleared":
            discharge.review(s, ip.officer, ip.notice_id, "approve")
        discharge.settle(s, ip.adm.me, ip.notice_id, signature(), "care-settle-0001")
        discharge.leave(s, ip.nurse, ip.notice_id)
    dispatch()
    with DATABASE.session() as s:
        inv = s.scalars(select(SurveyInvitation)).one()
        assert (inv.notice_id, inv.patient_id, inv.answered_at) == (ip.notice_id, ip.adm.patient.id, None)
        assert inv.ward_id == ip.adm.world.ward.id and inv.discharged_on == local_today()
    for account_id in (ip.adm.account.id, proxy.id):
        rate = [m for m in _messages(account_id) if m.template == "please_rate"]
        assert len(rate) == 1 and rate[0].link == f"/phone/surveys/{inv.id}"
    # The event delivered again (a retry, a second worker) changes nothing.
    with DATABASE.session() as s:
        surveys.invite(s, ip.notice_id)
        s.commit()
    with DATABASE.session() as s:
        assert len(list(s.scalars(select(SurveyInvitation)))) == 1
    assert len([m for m in _messages(proxy.id) if m.template == "please_rate"]) == 1


def test_answered_once_by_an_account_acting_for_the_patient(session):
    stay = discharged_stay(session)
    other = second_family(session, stay.adm.world)
    with DATABASE.session() as s:
        inv = s.scalars(select(SurveyInvitation)).one()
        assert [p.kind for p in surveys.pending_for_patient(s, stay.patient_id)] == ["satisfaction"]
        with pytest.raises(NotFound):
            surveys.answer(s, other, inv.id, RATINGS)
        with pytest.raises(InvalidInput) as err:
            surveys.answer(s, stay.me, inv.id, {**RATINGS, "overall": "9"}, "en")
        assert err.value.code == "answer_not_a_rating" and err.value.field == "overall"
        assert "Overall, how satisfied" in err.value.localized("en")
        row = surveys.answer(s, stay.me, inv.id, {**RATINGS, "comments": "护士很耐心"})
        assert row.answers == {**{k: int(v) for k, v in RATINGS.items()}, "comments": "护士很耐心"}
        with pytest.raises(Conflict) as again:
            surveys.answer(s, stay.me, inv.id, RATINGS)
        assert again.value.code == "survey_answered"
        assert surveys.pending_for_patient(s, stay.patient_id) == []


def test_survey_closes_after_a_month(session):
    stay = discharged_stay(session, days_ago=surveys.SURVEY_OPEN_DAYS + 1)
    with DATABASE.session() as s:
        inv = s.scalars(select(SurveyInvitation)).one()
        assert surveys.pending_for_patient(s, stay.patient_id) == []
        with pytest.raises(Conflict) as err:
            surveys.answer(s, stay.me, inv.id, RATINGS)
        assert err.value.code == "survey_closed"


def test_results_by_ward_and_month(session):
    stay = discharged_stay(session)
    with DATABASE.session() as s:
        inv = s.scalars(select(SurveyInvitation)).one()
        surveys.answer(s, stay.me, inv.id, {**RATINGS, "comments": "病房很安静"})
        month = rules.month_of(inv.discharged_on)
        data = surveys.results(s, month)
        assert len(data.rows) == 1
        row = data.rows[0]
        assert (row.ward_name, row.invited, row.answered, row.rate) == ("心内一病区", 1, 1, 1.0)
        assert {q.code: q.average for q in row.questions}["environment"] == 3.0
        assert [c.text for c in data.comments] == ["病房很安静"]
        first, _ = rules.month_range(month)
        earlier = rules.month_of(first - timedelta(days=1))
        assert surveys.results(s, earlier).rows == []
        assert surveys.results(s, month, ward_id=stay.adm.world.ward.id + 1000).rows == []
        with pytest.raises(InvalidInput):
            surveys.results(s, "2026-13")


def test_questionnaire_versions(session):
    admin = Actor(kind="staff", id=1, label="admin", roles=frozenset({"admin"}))
    with DATABASE.session() as s:
        with pytest.raises(InvalidInput) as err:
            surveys.save_version(s, admin, "satisfaction", '{"title_zh": "x"}')
        assert err.value.code == "invalid_questionnaire" and "title_en" in err.value.localized("en")
        s.rollback()
        rating = {"code": "overall", "kind": "rating", "text_zh": "总体", "text_en": "Overall"}
        text = json.dumps({"title_zh": "新版", "title_en": "New", "questions": [rating]})
        row = surveys.save_version(s, admin, "satisfaction", text)
        assert row.version == 2 and surveys.current(s, "satisfaction").id == row.id  # type: ignore[union-attr]
    stay = discharged_stay(session)
    with DATABASE.session() as s:
        inv = s.scalars(select(SurveyInvitation)).one()
        assert inv.questionnaire_id == row.id
        surveys.answer(s, stay.me, inv.id, {"overall": "2"})


def test_invitation_month_is_the_local_discharge_day(session):
    # 23:30 UTC on 31 January is 1 February in Shanghai.
    discharged_stay(session, at=datetime(2026, 1, 31, 23, 30, tzinfo=UTC))
    with DATABASE.session() as s:
        inv = s.scalars(select(SurveyInvitation)).one()
        assert inv.discharged_on == date(2026, 2, 1)
