"""Follow-up after discharge: the job sends each plan item on its day (once), reminds once,
worrying answers flag the ward's nurses until acknowledged, appointments are reminded the
day before."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bedside.core.audit import AuditEvent
from bedside.core.clock import local_today
from bedside.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from bedside.core.events import OutboxEvent
from bedside.notifications.models import InboxMessage
from bedside.staff import service as staff_service
from bedside.surveys import followup
from bedside.surveys import service as surveys
from bedside.surveys.models import FollowUp, FollowUpPlan, FollowUpPlanItem
from tests import factories
from tests.conftest import DATABASE
from tests.integration.test_care_surveys import discharged_stay, second_family

CALM = {"feeling": "better", "symptoms": "none", "medication": "yes"}
WORRYING = {"feeling": "worse", "symptoms": "none", "medication": "yes", "notes": "夜里胸闷"}


def _templates(account_id: int) -> list[str]:
    with DATABASE.session() as s:
        return [
            m.template
            for m in s.scalars(
                select(InboxMessage).where(InboxMessage.account_id == account_id).order_by(InboxMessage.id)
            )
            if m.template.startswith("follow_up")
        ]


def _run(fn, day_offset: int) -> int:  # type: ignore[no-untyped-def]
    with DATABASE.session() as s:
        return int(fn(s, local_today() + timedelta(days=day_offset)))


def test_day_7_and_30_sent_on_their_day_once_and_reminded_once(session):
    stay = discharged_stay(session, days_ago=6)
    assert _run(followup.create_due, 0) == 0  # day 6
    assert _run(followup.create_due, 1) == 1  # day 7
    assert _run(followup.create_due, 1) == 0
    assert _run(followup.create_due, 2) == 0
    with DATABASE.session() as s:
        fu = s.scalars(select(FollowUp)).one()
        assert (fu.day_offset, fu.due_on) == (7, local_today() + timedelta(days=1))
        msg = s.scalars(select(InboxMessage).where(InboxMessage.template == "follow_up_due")).one()
        assert msg.link == f"/phone/followups/{fu.id}" and msg.params["days"] == 7
        pending = surveys.pending_for_patient(s, stay.patient_id, local_today() + timedelta(days=1))
        assert [(p.kind, p.url) for p in pending] == [
            ("satisfaction", pending[0].url),
            ("follow_up", f"/phone/followups/{fu.id}"),
        ]
        assert surveys.pending_for_patient(s, stay.patient_id, local_today())[-1].kind == "satisfaction"
    assert _run(followup.send_reminders, 2) == 0  # one day after: the plan waits two
    assert _run(followup.send_reminders, 3) == 1
    assert _run(followup.send_reminders, 4) == 0
    assert _templates(stay.account.id) == ["follow_up_due", "follow_up_reminder"]
    assert _run(followup.create_due, 24) == 1  # day 30
    assert _templates(stay.account.id)[-1] == "follow_up_due"


def test_answered_follow_up_is_not_reminded(session):
    stay = discharged_stay(session, days_ago=7)
    _run(followup.create_due, 0)
    with DATABASE.session() as s:
        fu = s.scalars(select(FollowUp)).one()
        followup.answer(s, stay.me, fu.id, CALM)
    assert _run(followup.send_reminders, 5) == 0
    assert _templates(stay.account.id) == ["follow_up_due"]


def test_late_stays_beyond_the_grace_window_are_not_sent(session):
    discharged_stay(session, days_ago=20)
    assert _run(followup.create_due, 0) == 0  # day 7 was 13 days ago
    assert _run(followup.create_due, 10) == 1  # day 30


def test_department_plan_replaces_the_default(session):
    stay = discharged_stay(session, days_ago=3)
    with DATABASE.session() as s:
        surveys.ensure_defaults(s)
        s.add(
            FollowUpPlan(
                department_id=stay.adm.world.department.id,
                name="心内科随访",
                items=[
                    FollowUpPlanItem(day_offset=3, questionnaire_code="follow_up_day7", remind_after_days=1)
                ],
            )
        )
        s.commit()
    assert _run(followup.create_due, 0) == 1
    assert _run(followup.create_due, 4) == 0  # no default day 7 for this department
    with DATABASE.session() as s:
        assert s.scalars(select(FollowUp.day_offset)).all() == [3]


def test_worrying_answer_flags_the_wards_nurses_until_acknowledged(session):
    stay = discharged_stay(session, days_ago=7)
    _run(followup.create_due, 0)
    ward_nurse = factories.staff(session, "rn.w01", "nurse")
    with DATABASE.session() as s:
        ward_nurse = s.merge(ward_nurse)
        ward_nurse.ward_id = stay.adm.world.ward.id
        s.commit()
    other_nurse = factories.staff(
        session, "rn.ortho", "nurse", department_id=stay.adm.world.other_department.id
    )
    other = second_family(session, stay.adm.world)
    with DATABASE.session() as s:
        fu = s.scalars(select(FollowUp)).one()
        with pytest.raises(NotFound):
            followup.answer(s, other, fu.id, WORRYING)
        with pytest.raises(InvalidInput) as err:
            followup.answer(s, stay.me, fu.id, {"feeling": "worse"})
        assert err.value.code == "answer_required" and err.value.field == "symptoms"
        row = followup.answer(s, stay.me, fu.id, WORRYING)
        assert row.flagged and row.flag_items == [{"question": "feeling", "answer": "worse"}]
        with pytest.raises(Conflict):
            followup.answer(s, stay.me, fu.id, CALM)
        assert s.scalars(
            select(OutboxEvent.name).where(OutboxEvent.name == "surveys.follow_up_flagged")
        ).all()
        nurse = staff_service.get_user(s, ward_nurse.id)
        assert [f.id for f in followup.flags_for(s, nurse)] == [fu.id]
        assert followup.open_flag_count(s, nurse) == 1
        stranger = staff_service.get_user(s, other_nurse.id)
        assert followup.flags_for(s, stranger) == []
        with pytest.raises(NotFound):
            followup.acknowledge(s, staff_service.actor_for(stranger), stranger, fu.id)
        with pytest.raises(Forbidden):
            followup.acknowledge(s, stay.me, nurse, fu.id)
        followup.acknowledge(s, staff_service.actor_for(nurse), nurse, fu.id)
        followup.acknowledge(s, staff_service.actor_for(nurse), nurse, fu.id)  # twice: still one
        assert followup.flags_for(s, nurse) == []
        assert [f.id for f in followup.flags_for(s, nurse, acknowledged=True)] == [fu.id]
        acks = s.scalars(select(AuditEvent).where(AuditEvent.action == "follow_up.acknowledge")).all()
        assert len(acks) == 1 and acks[0].patient_id == stay.patient_id


def test_calm_answer_flags_nobody(session):
    stay = discharged_stay(session, days_ago=7)
    _run(followup.create_due, 0)
    with DATABASE.session() as s:
        fu = s.scalars(select(FollowUp)).one()
        assert not followup.answer(s, stay.me, fu.id, CALM).flagged


def test_appointment_reminded_the_day_before_once(session):
    stay = discharged_stay(session, days_ago=1)
    nurse = staff_service.actor_for(factories.staff(session, "rn.appt", "nurse"))
    tomorrow = local_today() + timedelta(days=1)
    later = local_today() + timedelta(days=5)
    with DATABASE.session() as s:
        for day, time, place, code in [
            ("2026-02-30", "09:00", "门诊", "invalid_appointment_time"),
            (tomorrow.isoformat(), "25:00", "门诊", "invalid_appointment_time"),
            ((local_today() - timedelta(days=1)).isoformat(), "09:00", "门诊", "invalid_appointment_time"),
            (tomorrow.isoformat(), "09:00", " ", "invalid_place"),
        ]:
            with pytest.raises(InvalidInput) as err:
                followup.add_appointment(s, nurse, stay.notice_id, followup.AppointmentIn(day, time, place))
            assert err.value.code == code
            s.rollback()
        with pytest.raises(Forbidden):
            followup.add_appointment(
                s, stay.me, stay.notice_id, followup.AppointmentIn(tomorrow.isoformat(), "09:30", "门诊")
            )
        soon = followup.add_appointment(
            s,
            nurse,
            stay.notice_id,
            followup.AppointmentIn(tomorrow.isoformat(), "09:30", "门诊楼 3 楼心内科 2 诊室"),
        )
        followup.add_appointment(
            s, nurse, stay.notice_id, followup.AppointmentIn(later.isoformat(), "14:00", "门诊楼")
        )
        assert len(followup.appointments_for_patients(s, {stay.patient_id})) == 2
    assert _run(followup.remind_appointments, 0) == 1
    assert _run(followup.remind_appointments, 0) == 0
    with DATABASE.session() as s:
        msg = s.scalars(select(InboxMessage).where(InboxMessage.template == "follow_up_appointment")).one()
        assert msg.params["time"] == "09:30" and msg.params["date"] == tomorrow.isoformat()
        assert msg.dedupe_key.startswith(f"appointment_reminder:{soon.id}:")


def test_the_job_runs_all_three(session):
    discharged_stay(session, days_ago=7)
    followup.run(DATABASE.session_factory, today=local_today())
    with DATABASE.session() as s:
        assert len(s.scalars(select(FollowUp)).all()) == 1
