"""Green channel (绿色通道) through the real app: the doctor's flag on the console form (or the
HIS's in the feed) admits at once — the bed without the queue, registered on the bed alone,
admitted without a deposit — the ward's list shows the badge and the due time, the deposit is
reminded until paid, and details are still accepted after admission."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bedside.admissions import green, green_notify, stay
from bedside.admissions.events import GreenDepositDue
from bedside.admissions.models import AdmissionNotice
from bedside.core.audit import SYSTEM, AuditEvent
from bedside.core.db import utcnow
from bedside.core.events import OutboxEvent
from bedside.deposits import service as deposits
from bedside.deposits.models import EntryKind
from bedside.integrations import service as integrations
from bedside.notifications import service as notifications
from bedside.staff import service as staff_service
from tests import factories
from tests.conftest import DATABASE
from tests.helpers import staff_login
from tests.integration.admissions.conftest import DETAILS


def _world(session):  # type: ignore[no-untyped-def]
    world = factories.hospital(session)
    factories.staff(session, "dr.er", "doctor", department_id=world.department.id)
    factories.staff(session, "clerk.er", "admission_center")
    factories.staff(session, "rn.w01", "nurse", ward_id=world.ward.id, department_id=world.department.id)
    patient = factories.patient(session, name="马超", phone="13600000021")
    account = factories.account_for(session, "13600000021", patient)
    return world, patient, account


def _issue_on_console(client, patient_id: int, department_id: int, **extra: str) -> AdmissionNotice:  # type: ignore[no-untyped-def]
    token = staff_login(client, "dr.er")
    r = client.post(
        "/console/notices",
        data={
            "csrf_token": token,
            "patient_id": patient_id,
            "department_id": department_id,
            "diagnosis": "急性心肌梗死",
            "kind": "elective",  # the flag makes it an urgent emergency whatever the form says
            "priority": "routine",
            "expected_date": factories.tomorrow().isoformat(),
            **extra,
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    client.post("/console/logout", data={"csrf_token": token})
    with DATABASE.session() as s:
        notice = s.scalar(select(AdmissionNotice).where(AdmissionNotice.patient_id == patient_id))
        assert notice is not None
        s.expunge(notice)
        return notice


def test_green_notice_reaches_the_ward_without_details_or_deposit(client, session):
    world, patient, account = _world(session)
    notice = _issue_on_console(client, patient.id, world.department.id, green_channel="1")
    assert notice.green_channel and notice.kind == "emergency" and notice.priority == "urgent"
    assert notice.deposit_due_at is not None and notice.deposit_due_at > utcnow() + timedelta(hours=71)
    with DATABASE.session() as s:
        assert s.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "admission.green_channel")
        )

    # The admission center sees it among the emergencies, flagged, and assigns straight away.
    token = staff_login(client, "clerk.er")
    board = client.get(f"/console/beds?department={world.department.id}")
    assert f'data-testid="green-{notice.id}"' in board.text
    r = client.post(
        "/console/beds/assign",
        data={"csrf_token": token, "notice_id": notice.id, "bed_id": world.beds[0].id},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    client.post("/console/logout", data={"csrf_token": token})
    with DATABASE.session() as s:
        n = s.get(AdmissionNotice, notice.id)
        # Registered on the bed alone: no details, insurance or questionnaire yet.
        assert n.state == "registered" and n.assignment_expires_at is None
        assert stay.details(s, n.id) is None and stay.blockers(s, n) == []

    # The ward's list: the badge, the deposit's due time, and Admit although nothing is paid.
    token = staff_login(client, "rn.w01")
    ward = client.get("/console/ward-admissions")
    assert f'data-testid="green-{notice.id}"' in ward.text
    assert f'data-testid="deposit-due-{notice.id}"' in ward.text
    assert f'data-testid="admit-{notice.id}"' in ward.text
    r = client.post(f"/console/stays/{notice.id}/admit", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303, r.text
    r = client.post(f"/console/stays/{notice.id}/arrived", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    # Arrived but still owing: the stay stays on the list with its due time.
    ward = client.get("/console/ward-admissions")
    assert f'data-testid="deposit-due-{notice.id}"' in ward.text
    with DATABASE.session() as s:
        n = s.get(AdmissionNotice, notice.id)
        assert n.state == "admitted" and n.inpatient_no and n.arrived_at is not None
        # The details come after arrival, and are still taken.
        stay.save_details(s, SYSTEM, n.id, stay.DetailsIn(**DETAILS))
        assert stay.details(s, n.id) is not None


def test_the_deposit_is_reminded_until_paid(client, session):
    world, patient, account = _world(session)
    notice = _issue_on_console(client, patient.id, world.department.id, green_channel="1")
    clerk = staff_service.actor_for(factories.staff(session, "clerk.two", "admission_center"))
    with DATABASE.session() as s:
        from bedside.admissions import beds

        beds.assign(s, clerk, notice.id, world.beds[0].id)
        # Not admitted yet: nothing to remind.
        assert green.remind_due(s) == 0
        stay.admit(s, clerk, notice.id)
        assert green.remind_due(s) == 1
        assert green.remind_due(s) == 0  # not again before green_reminder_hours
        later = utcnow() + timedelta(hours=13)
        assert green.remind_due(s, later) == 1
        rows = list(s.scalars(select(OutboxEvent).where(OutboxEvent.name == "admissions.green_deposit_due")))
        assert len(rows) == 2
        n = s.get(AdmissionNotice, notice.id)
        due = GreenDepositDue(
            notice_id=n.id,
            patient_id=n.patient_id,
            due_at=n.deposit_due_at,
            amount_fen=500000,
            overdue=False,
            at=utcnow(),
        )
        green_notify.green_deposit_due(s, due)
        s.commit()
        inbox = notifications.inbox(s, account.id, "zh_CN")
        assert any("绿色通道" in m.body or "5,000.00" in m.body for m in inbox), [m.body for m in inbox]
        # Paid: the next pass stops the reminders and clears the due time.
        acct = deposits.account_for_notice(s, n.patient_id, n.id)
        deposits.post(s, acct.id, EntryKind.DEPOSIT, 500000, SYSTEM, memo="first deposit")
        s.commit()
        assert green.remind_due(s, utcnow() + timedelta(hours=30)) == 0
        assert s.get(AdmissionNotice, notice.id).deposit_due_at is None


def test_an_ordinary_stay_is_still_held_to_its_deposit(client, session):
    world, patient, _ = _world(session)
    notice = _issue_on_console(client, patient.id, world.department.id)
    assert not notice.green_channel and notice.deposit_due_at is None
    assert notice.kind == "elective"


def test_the_his_flag_opens_the_green_channel_and_a_resend_is_the_same_notice(client, session):
    world, patient, _ = _world(session)
    with DATABASE.session() as s:
        key = integrations.register(s, SYSTEM, "HIS-green", ["admission_notices"])[1]
    body = {
        "his_ref": "ER-0001",
        "resident_id": patient.resident_id,
        "department_code": world.department.code,
        "diagnosis": "多发伤",
        "expected_date": factories.tomorrow().isoformat(),
        "green_channel": True,
    }
    auth = {"Authorization": f"Bearer {key}"}
    first = client.post("/api/v1/his/admission-notices", json=body, headers=auth)
    assert first.status_code == 201, first.text
    assert first.json()["green_channel"] is True and first.json()["kind"] == "emergency"
    again = client.post("/api/v1/his/admission-notices", json=body, headers=auth)
    assert again.status_code in (200, 201) and again.json()["id"] == first.json()["id"]
    changed = client.post(
        "/api/v1/his/admission-notices", json={**body, "green_channel": False}, headers=auth
    )
    assert changed.status_code == 409, changed.text


def test_a_bad_flag_value_is_refused_on_the_feed(client, session):
    world, patient, _ = _world(session)
    with DATABASE.session() as s:
        key = integrations.register(s, SYSTEM, "HIS-bad", ["admission_notices"])[1]
    body = {
        "his_ref": "ER-0002",
        "resident_id": patient.resident_id,
        "department_code": world.department.code,
        "diagnosis": "多发伤",
        "expected_date": factories.tomorrow().isoformat(),
        "green_channel": "perhaps",
    }
    r = client.post("/api/v1/his/admission-notices", json=body, headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 422
    with DATABASE.session() as s:
        assert s.scalar(select(func.count()).select_from(AdmissionNotice)) == 0
