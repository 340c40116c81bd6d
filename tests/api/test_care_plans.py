"""Follow-up plans edited in the console (admins and managers; validation is a 4xx that saves
nothing; every change audited; follow-ups already sent keep their schedule), follow-up
appointments changed and cancelled by the ward (the patient is told; a changed one is
reminded again, a cancelled one never), and the stay page's links to education and follow-up."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bedside.core.audit import AuditEvent
from bedside.core.clock import local_today
from bedside.notifications.models import InboxMessage
from bedside.surveys import followup
from bedside.surveys.models import FollowUp, FollowUpAppointment, FollowUpPlan, FollowUpPlanItem
from tests.api.test_care_console import discharged_stay_in, world  # noqa: F401 - the fixture
from tests.conftest import DATABASE
from tests.helpers import staff_login


def _plans() -> dict[int | None, list[tuple[int, str, int]]]:
    with DATABASE.session() as s:
        return {
            p.department_id: [
                (i.day_offset, i.questionnaire_code, i.remind_after_days)
                for i in p.items
                if i.retired_at is None
            ]
            for p in s.scalars(select(FollowUpPlan))
        }


def _audits(prefix: str) -> list[str]:
    with DATABASE.session() as s:
        return list(
            s.scalars(
                select(AuditEvent.action).where(AuditEvent.action.like(f"{prefix}%")).order_by(AuditEvent.id)
            )
        )


def _plan_id(department_id: int | None) -> int:
    with DATABASE.session() as s:
        plan_id = s.scalar(
            select(FollowUpPlan.id).where(
                FollowUpPlan.department_id.is_(None)
                if department_id is None
                else FollowUpPlan.department_id == department_id
            )
        )
        assert plan_id is not None
        return plan_id


def test_manager_creates_a_department_plan_and_edits_it(client, world):  # noqa: F811
    token = staff_login(client, "manager.c")
    assert client.get("/console/followup/plans").status_code == 200  # makes the default plan
    default = _plans()[None]
    assert default == [(7, "follow_up_day7", 2), (30, "follow_up_day30", 3)]
    dept = world.department.id
    r = client.post(
        "/console/followup/plans", data={"department_id": "999999", "name": "x", "csrf_token": token}
    )
    assert r.status_code == 422 and 'data-code="invalid_department"' in r.text
    r = client.post(
        "/console/followup/plans", data={"department_id": str(dept), "name": " ", "csrf_token": token}
    )
    assert r.status_code == 422 and 'data-code="invalid_plan_name"' in r.text
    assert (
        client.post("/console/followup/plans", data={"department_id": str(dept), "name": "x"}).status_code
        == 403
    )
    assert set(_plans()) == {None}
    r = client.post(
        "/console/followup/plans",
        data={"department_id": str(dept), "name": "心内科随访", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert _plans()[dept] == default  # starts as a copy of the default
    r = client.post(
        "/console/followup/plans", data={"department_id": str(dept), "name": "again", "csrf_token": token}
    )
    assert r.status_code == 409 and 'data-code="follow_up_plan_exists"' in r.text

    plan_id = _plan_id(dept)
    url = f"/console/followup/plans/{plan_id}/items"
    good = {
        "day_offset": "14",
        "questionnaire_code": "follow_up_day7",
        "remind_after_days": "2",
        "csrf_token": token,
    }
    for bad, code in [
        ({"day_offset": "0"}, "invalid_day_offset"),
        ({"day_offset": "366"}, "invalid_day_offset"),
        ({"day_offset": "-3"}, "invalid_day_offset"),
        ({"day_offset": "1e3"}, "invalid_day_offset"),
        ({"remind_after_days": "0"}, "invalid_remind_after"),
        ({"remind_after_days": "31"}, "invalid_remind_after"),
        ({"questionnaire_code": "nope"}, "invalid_questionnaire_code"),
        ({"questionnaire_code": "satisfaction"}, "invalid_questionnaire_code"),
        ({"day_offset": "7"}, "day_offset_taken"),
    ]:
        r = client.post(url, data={**good, **bad})
        assert r.status_code == 422 and f'data-code="{code}"' in r.text, (bad, r.status_code)
    assert client.post("/console/followup/plans/99999/items", data=good).status_code == 404
    assert _plans()[dept] == default  # nothing saved
    assert client.post(url, data=good, follow_redirects=False).status_code == 303
    assert _plans()[dept] == [*default[:1], (14, "follow_up_day7", 2), default[1]]
    assert _plans()[None] == default  # the default plan is untouched

    with DATABASE.session() as s:
        day30 = s.scalar(
            select(FollowUpPlanItem.id).where(
                FollowUpPlanItem.plan_id == plan_id, FollowUpPlanItem.day_offset == 30
            )
        )
    r = client.post(f"/console/followup/plans/{plan_id}/items/{day30}/remove", data={"csrf_token": token})
    assert r.status_code == 200
    assert _plans()[dept] == [default[0], (14, "follow_up_day7", 2)]
    assert (
        client.post(
            f"/console/followup/plans/{plan_id}/items/{day30}/remove", data={"csrf_token": token}
        ).status_code
        == 404
    )
    assert _audits("follow_up_plan.") == [
        "follow_up_plan.create",
        "follow_up_plan.add_item",
        "follow_up_plan.remove_item",
    ]


def test_error_message_in_english(client, world):  # noqa: F811
    token = staff_login(client, "admin.c")
    client.get("/console/followup/plans")
    client.cookies.set("bs_lang", "en")
    r = client.post(
        f"/console/followup/plans/{_plan_id(None)}/items",
        data={
            "day_offset": "400",
            "questionnaire_code": "follow_up_day7",
            "remind_after_days": "2",
            "csrf_token": token,
        },
    )
    assert r.status_code == 422 and "Give the day after discharge, from 1 to 365." in r.text


@pytest.mark.parametrize("username", ["nurse.c", "doctor.c", "cashier.c"])
def test_only_admins_and_managers_edit_plans(client, world, username):  # noqa: F811
    token = staff_login(client, username)
    assert client.get("/console/followup/plans").status_code == 403
    r = client.post(
        "/console/followup/plans",
        data={"department_id": str(world.department.id), "name": "x", "csrf_token": token},
    )
    assert r.status_code == 403
    assert (
        client.post("/console/followup/plans/1/items/1/remove", data={"csrf_token": token}).status_code == 403
    )


def test_sent_follow_ups_keep_their_schedule_when_the_plan_changes(client, session, world):  # noqa: F811
    stay = discharged_stay_in(session, world, days_ago=7)
    with DATABASE.session() as s:
        assert followup.create_due(s, local_today()) == 1  # day 7 from the default plan
        sent = s.scalars(select(FollowUp)).one()
        before = (sent.day_offset, sent.due_on, sent.remind_after_days, sent.plan_item_id)
    token = staff_login(client, "admin.c")
    default_id = _plan_id(None)
    with DATABASE.session() as s:
        day7 = s.scalar(
            select(FollowUpPlanItem.id).where(
                FollowUpPlanItem.plan_id == default_id, FollowUpPlanItem.day_offset == 7
            )
        )
    # The used item is removed (kept only for the sent follow-up), and the department gets
    # its own plan with day 7 again: the stay is not asked a second time.
    r = client.post(f"/console/followup/plans/{default_id}/items/{day7}/remove", data={"csrf_token": token})
    assert r.status_code == 200 and (7, "follow_up_day7", 2) not in _plans()[None]
    client.post(
        "/console/followup/plans",
        data={"department_id": str(world.department.id), "name": "p", "csrf_token": token},
    )
    client.post(
        f"/console/followup/plans/{_plan_id(world.department.id)}/items",
        data={
            "day_offset": "7",
            "questionnaire_code": "follow_up_day7",
            "remind_after_days": "5",
            "csrf_token": token,
        },
    )
    with DATABASE.session() as s:
        assert followup.create_due(s, local_today()) == 0
        row = s.scalars(select(FollowUp)).one()
        assert (row.day_offset, row.due_on, row.remind_after_days, row.plan_item_id) == before
        assert (
            s.scalar(select(func.count()).select_from(FollowUpPlanItem).where(FollowUpPlanItem.id == day7))
            == 1
        )
        # Its reminder still comes by the wait it was sent with.
        assert followup.send_reminders(s, row.due_on + timedelta(days=2)) == 1
    with DATABASE.session() as s:
        detail = (
            s.scalars(select(AuditEvent).where(AuditEvent.action == "follow_up_plan.remove_item"))
            .one()
            .detail
        )
        assert detail["retired"] is True and detail["day_offset"] == 7
    assert stay.notice_id


def _appointment_messages(account_id: int) -> list[tuple[str, str]]:
    with DATABASE.session() as s:
        return [
            (m.template, m.params["date"] + " " + m.params["time"])
            for m in s.scalars(
                select(InboxMessage)
                .where(
                    InboxMessage.account_id == account_id,
                    InboxMessage.template.like("follow_up_appointment%"),
                )
                .order_by(InboxMessage.id)
            )
        ]


def test_ward_changes_and_cancels_appointments_and_the_patient_is_told(client, session, world):  # noqa: F811
    stay = discharged_stay_in(session, world, days_ago=3)
    token = staff_login(client, "nurse.c")
    base = f"/console/followup/stays/{stay.notice_id}/appointments"
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    later = (local_today() + timedelta(days=1)).isoformat()
    for day in (tomorrow, (local_today() + timedelta(days=10)).isoformat()):
        r = client.post(
            base,
            data={"day": day, "time": "09:30", "place": "门诊 3 楼", "csrf_token": token},
            follow_redirects=False,
        )
        assert r.status_code == 303
    with DATABASE.session() as s:
        soon, far = s.scalars(select(FollowUpAppointment).order_by(FollowUpAppointment.at)).all()
        assert followup.remind_appointments(s, local_today()) == 1  # tomorrow's, the day before
    assert (
        client.get(f"/console/followup/stays/{stay.notice_id}").text.count('data-testid="change-appointment"')
        == 2
    )

    # Validation: 4xx, nothing changed, nothing sent.
    r = client.post(
        f"{base}/{soon.id}", data={"day": "2026-02-30", "time": "10:00", "place": "x", "csrf_token": token}
    )
    assert r.status_code == 422 and 'data-code="invalid_appointment_time"' in r.text
    r = client.post(
        f"{base}/{soon.id}", data={"day": later, "time": "10:00", "place": " ", "csrf_token": token}
    )
    assert r.status_code == 422 and 'data-code="invalid_place"' in r.text
    wrong = f"/console/followup/stays/{stay.notice_id + 1000}/appointments/{soon.id}"
    assert (
        client.post(
            wrong, data={"day": later, "time": "10:00", "place": "x", "csrf_token": token}
        ).status_code
        == 404
    )
    assert client.post(f"{wrong}/cancel", data={"csrf_token": token}).status_code == 404
    assert (
        client.post(f"{base}/{soon.id}", data={"day": later, "time": "10:00", "place": "x"}).status_code
        == 403
    )
    assert _appointment_messages(stay.account.id) == [("follow_up_appointment", f"{tomorrow} 09:30")]

    # Moved to 10:00: told at once, and reminded again.
    r = client.post(
        f"{base}/{soon.id}",
        data={"day": later, "time": "10:00", "place": "门诊 5 楼", "note": "空腹", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    with DATABASE.session() as s:
        row = s.get(FollowUpAppointment, soon.id)
        assert row is not None and row.reminded_at is None and row.place == "门诊 5 楼" and row.note == "空腹"
        assert followup.remind_appointments(s, local_today()) == 1
        assert followup.remind_appointments(s, local_today()) == 0
    assert _appointment_messages(stay.account.id) == [
        ("follow_up_appointment", f"{tomorrow} 09:30"),
        ("follow_up_appointment_changed", f"{later} 10:00"),
        ("follow_up_appointment", f"{later} 10:00"),
    ]

    # Cancelled: told, and never reminded.
    r = client.post(f"{base}/{far.id}/cancel", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    with DATABASE.session() as s:
        kept = s.get(FollowUpAppointment, far.id)
        assert kept is not None and kept.cancelled_at is not None and kept.cancelled_by
        far_day = far.at.date()
        assert followup.remind_appointments(s, far_day - timedelta(days=1), far.at - timedelta(hours=20)) == 0
    assert [t for t, _ in _appointment_messages(stay.account.id)][-1] == "follow_up_appointment_cancelled"
    again = client.post(f"{base}/{far.id}/cancel", data={"csrf_token": token})
    assert again.status_code == 409 and 'data-code="appointment_cancelled"' in again.text
    page = client.get(f"/console/followup/stays/{stay.notice_id}").text
    assert page.count('data-testid="appointment-cancelled"') == 1
    assert _audits("follow_up.appointment_") == [
        "follow_up.appointment_change",
        "follow_up.appointment_cancel",
    ]

    staff_login(client, "manager.c")
    assert client.post(f"{base}/{soon.id}/cancel", data={"csrf_token": token}).status_code == 403


def test_past_appointment_cannot_be_changed(client, session, world):  # noqa: F811
    stay = discharged_stay_in(session, world, days_ago=3)
    token = staff_login(client, "doctor.c")
    with DATABASE.session() as s:
        row = FollowUpAppointment(
            notice_id=stay.notice_id,
            patient_id=stay.patient_id,
            at=followup.utcnow() - timedelta(hours=1),
            place="门诊",
            created_by="doctor",
        )
        s.add(row)
        s.commit()
        row_id = row.id
    r = client.post(
        f"/console/followup/stays/{stay.notice_id}/appointments/{row_id}/cancel", data={"csrf_token": token}
    )
    assert r.status_code == 409 and 'data-code="appointment_past"' in r.text
    with DATABASE.session() as s:
        assert s.get(FollowUpAppointment, row_id) is not None


@pytest.mark.parametrize(("username", "shown"), [("nurse.c", True), ("doctor.c", True), ("cashier.c", False)])
def test_stay_page_links_to_education_and_follow_up(client, session, world, username, shown):  # noqa: F811
    stay = discharged_stay_in(session, world, days_ago=1)
    staff_login(client, username)
    page = client.get(f"/console/stays/{stay.notice_id}")
    assert page.status_code == 200
    assert (f'href="/console/education/stays/{stay.notice_id}"' in page.text) is shown
    assert (f'href="/console/followup/stays/{stay.notice_id}"' in page.text) is shown
    if shown:
        assert client.get(f"/console/education/stays/{stay.notice_id}").status_code == 200
        assert client.get(f"/console/followup/stays/{stay.notice_id}").status_code == 200
