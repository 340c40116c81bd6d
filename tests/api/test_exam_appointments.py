"""Exam appointments through the HIS feed: keyed by scope, idempotent on his_ref, a moved or
cancelled exam updates the one row, bad input refused with nothing changed; the phone page
shows an exam only to the accounts acting for the patient."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bedside.admissions.models import AdmissionNotice
from bedside.core.audit import SYSTEM
from bedside.core.clock import local_today
from bedside.core.db import utcnow
from bedside.core.events import OutboxEvent
from bedside.deposits import service as deposits
from bedside.deposits.models import EntryKind
from bedside.hospital.models import Department
from bedside.integrations import service as integrations
from bedside.kiosks import service as kiosks_service
from bedside.patients.models import Patient
from bedside.reports.models import ExamAppointment
from tests import factories
from tests.conftest import DATABASE
from tests.helpers import card_read, csrf, phone_login

_numbers = itertools.count(1)


def admitted_stay(session, patient: Patient | None = None) -> AdmissionNotice:  # type: ignore[no-untyped-def]
    """A stay with an inpatient number, without walking the admission journey."""
    dept_id = session.scalar(select(Department.id).order_by(Department.id).limit(1))
    if dept_id is None:
        dept_id = factories.hospital(session).department.id
    patient = patient or factories.patient(session, name="黄忠")
    notice = AdmissionNotice(
        patient_id=patient.id,
        department_id=dept_id,
        diagnosis="胆囊结石",
        kind="elective",
        priority="routine",
        expected_date=local_today(),
        state="admitted",
        inpatient_no=f"ZY2026{next(_numbers):06d}",
        admitted_at=utcnow(),
    )
    session.add(notice)
    session.commit()
    return notice


def _key(scopes: list[str]) -> str:
    with DATABASE.session() as s:
        return integrations.register(s, SYSTEM, f"HIS-{'-'.join(scopes)}", scopes)[1]


def _at(hours: float) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


def _counts() -> tuple[int, int]:
    with DATABASE.session() as s:
        return (
            s.scalar(select(func.count()).select_from(ExamAppointment)) or 0,
            s.scalar(
                select(func.count()).select_from(OutboxEvent).where(OutboxEvent.name.like("reports.exam%"))
            )
            or 0,
        )


def test_feed_books_moves_and_cancels_one_row(client, session):
    stay = admitted_stay(session)
    auth = {"Authorization": f"Bearer {_key(['reports'])}"}
    url = f"/api/v1/his/inpatients/{stay.inpatient_no}/exam-appointments"
    body = {
        "his_ref": "PACS-1",
        "title": "腹部超声",
        "place": "3楼 超声科",
        "scheduled_at": _at(20),
        "preparation": "检查前禁食 8 小时",
    }
    first = client.post(url, json=body, headers=auth)
    assert first.status_code == 201, first.text
    assert first.json()["outcome"] == "created" and first.json()["state"] == "scheduled"
    again = client.post(url, json=body, headers=auth)
    assert again.status_code == 200 and again.json() == {**first.json(), "outcome": "unchanged"}
    assert _counts() == (1, 1)

    moved = client.post(url, json={**body, "place": "4楼 超声科"}, headers=auth)
    assert moved.status_code == 200 and moved.json()["outcome"] == "changed"
    assert moved.json()["id"] == first.json()["id"]
    assert (
        client.post(url, json={**body, "place": "4楼 超声科"}, headers=auth).json()["outcome"] == "unchanged"
    )
    assert _counts() == (1, 2)

    cancel = client.post(url, json={"his_ref": "PACS-1", "cancelled": True}, headers=auth)
    assert cancel.status_code == 200 and cancel.json()["state"] == "cancelled"
    assert cancel.json()["outcome"] == "cancelled"
    assert client.post(url, json={"his_ref": "PACS-1", "cancelled": True}, headers=auth).json()[
        "outcome"
    ] == ("unchanged")
    # A cancelled exam is not moved back to life under the same reference.
    revive = client.post(url, json={**body, "scheduled_at": _at(30)}, headers=auth)
    assert revive.status_code == 409 and revive.json()["code"] == "exam_cancelled"
    assert _counts() == (1, 3)
    with DATABASE.session() as s:
        row = s.scalar(select(ExamAppointment))
        assert row is not None and row.place == "4楼 超声科" and row.revision == 2


def test_done_exam_is_closed_without_a_message(client, session):
    stay = admitted_stay(session)
    auth = {"Authorization": f"Bearer {_key(['reports'])}"}
    url = f"/api/v1/his/inpatients/{stay.inpatient_no}/exam-appointments"
    body = {"his_ref": "PACS-9", "title": "胸部 CT", "place": "1楼 放射科", "scheduled_at": _at(-2)}
    assert client.post(url, json=body, headers=auth).status_code == 201
    done = client.post(url, json={"his_ref": "PACS-9", "done": True}, headers=auth)
    assert done.status_code == 200 and done.json()["state"] == "done"
    late_cancel = client.post(url, json={"his_ref": "PACS-9", "cancelled": True}, headers=auth)
    assert late_cancel.status_code == 409 and late_cancel.json()["code"] == "exam_done"
    assert _counts() == (1, 1)


def test_bad_input_is_refused_and_changes_nothing(client, session):
    stay = admitted_stay(session)
    auth = {"Authorization": f"Bearer {_key(['reports'])}"}
    url = f"/api/v1/his/inpatients/{stay.inpatient_no}/exam-appointments"
    body = {"his_ref": "PACS-2", "title": "心脏彩超", "place": "3楼 超声科", "scheduled_at": _at(3)}

    def refused(status: int, code: str, payload: dict, target: str = url) -> None:  # type: ignore[type-arg]
        r = client.post(target, json=payload, headers=auth)
        assert r.status_code == status, r.text
        assert r.json()["code"] == code

    refused(404, "stay_not_found", body, "/api/v1/his/inpatients/ZY000/exam-appointments")
    refused(404, "stay_not_found", body, f"/api/v1/his/inpatients/{'9' * 40}/exam-appointments")
    refused(422, "exam_time_past", {**body, "scheduled_at": _at(-25)})
    refused(422, "exam_time_too_far", {**body, "scheduled_at": _at(24 * 400)})
    refused(422, "naive_time", {**body, "scheduled_at": "2030-01-01T10:30:00"})
    refused(422, "invalid_place", {**body, "place": "   "})
    refused(422, "invalid_exam_title", {**body, "title": None})
    refused(422, "invalid_exam_time", {k: v for k, v in body.items() if k != "scheduled_at"})
    refused(422, "validation_error", {**body, "scheduled_at": "tomorrow"})
    refused(422, "validation_error", {**body, "his_ref": ""})
    refused(422, "validation_error", {**body, "place": "x" * 201})
    refused(422, "invalid_exam_state", {**body, "cancelled": True, "done": True})
    refused(404, "exam_not_found", {"his_ref": "PACS-unknown", "cancelled": True})
    assert _counts() == (0, 0)

    # A booked exam is not moved by a bad update, and its reference is not reused for another stay.
    assert client.post(url, json=body, headers=auth).status_code == 201
    refused(422, "exam_time_past", {**body, "scheduled_at": _at(-48)})
    other = admitted_stay(session, factories.patient(session, name="魏延", birth=factories.date(1970, 1, 1)))
    refused(409, "exam_ref_conflict", body, f"/api/v1/his/inpatients/{other.inpatient_no}/exam-appointments")
    assert _counts() == (1, 1)


def test_keys_and_scopes(client, session):
    stay = admitted_stay(session)
    url = f"/api/v1/his/inpatients/{stay.inpatient_no}/exam-appointments"
    body = {"his_ref": "PACS-3", "title": "胃镜", "place": "2楼 内镜中心", "scheduled_at": _at(5)}
    assert client.post(url, json=body).status_code == 401
    assert client.post(url, json=body, headers={"Authorization": "Bearer bi_nope_x"}).status_code == 401
    charges_only = {"Authorization": f"Bearer {_key(['charges'])}"}
    assert client.post(url, json=body, headers=charges_only).status_code == 403
    assert _counts() == (0, 0)


def test_phone_page_shows_the_exam_only_to_the_patients_accounts(client, session, sms):
    patient = factories.patient(session, name="马超", phone="13600000071")
    factories.account_for(session, "13600000071", patient)
    stranger = factories.patient(session, name="张任", phone="13600000072", birth=factories.date(1975, 3, 3))
    factories.account_for(session, "13600000072", stranger)
    stay = admitted_stay(session, patient)
    auth = {"Authorization": f"Bearer {_key(['reports'])}"}
    url = f"/api/v1/his/inpatients/{stay.inpatient_no}/exam-appointments"
    body = {
        "his_ref": "PACS-4",
        "title": "腹部超声",
        "place": "3楼 超声科",
        "scheduled_at": _at(20),
        "preparation": "检查前禁食 8 小时",
    }
    assert client.post(url, json=body, headers=auth).status_code == 201
    assert (
        client.post(
            url,
            json={**body, "his_ref": "PACS-5", "title": "已取消的检查", "scheduled_at": _at(22)},
            headers=auth,
        ).status_code
        == 201
    )
    client.post(url, json={"his_ref": "PACS-5", "cancelled": True}, headers=auth)

    phone_login(client, sms, "13600000071")
    client.get("/lang/en")
    page = client.get(f"/phone/patients/{patient.id}/reports")
    assert page.status_code == 200
    assert "Upcoming exams" in page.text and page.text.count('data-testid="exam"') == 1
    assert "3楼 超声科" in page.text and "检查前禁食 8 小时" in page.text
    assert "已取消的检查" not in page.text

    client.cookies.clear()
    phone_login(client, sms, "13600000072")
    assert client.get(f"/phone/patients/{patient.id}/reports").status_code == 404
    own = client.get(f"/phone/patients/{stranger.id}/reports")
    assert own.status_code == 200 and 'data-testid="exam"' not in own.text


def test_kiosk_reports_page_lists_the_exam(client, session):
    factories.hospital(session)
    _, kiosk_key = kiosks_service.register(
        session, SYSTEM, code="K-1", name="一号机", location="大厅", model="ZK-43", serial="SN1", modules=[]
    )
    patient = factories.patient(session, name="姜维")
    stay = admitted_stay(session, patient)
    auth = {"Authorization": f"Bearer {_key(['reports'])}"}
    body = {"his_ref": "PACS-6", "title": "头颅 MRI", "place": "1楼 磁共振室", "scheduled_at": _at(6)}
    url = f"/api/v1/his/inpatients/{stay.inpatient_no}/exam-appointments"
    assert client.post(url, json=body, headers=auth).status_code == 201
    token = csrf(client, "/kiosk/activate")
    client.post("/kiosk/activate", data={"key": kiosk_key, "csrf_token": token})
    token = csrf(client, "/kiosk/login")
    client.post(
        "/kiosk/login",
        data={**card_read(kiosk_key, "resident_id", patient.resident_id), "csrf_token": token},
        follow_redirects=False,
    )
    page = client.get("/kiosk/reports")
    assert page.status_code == 200 and page.text.count('data-testid="exam"') == 1
    assert "1楼 磁共振室" in page.text


def test_the_home_card_names_the_exam_and_drops_it_when_cancelled(client, session, sms):
    patient = factories.patient(session, name="黄忠", phone="13700000031")
    factories.account_for(session, "13700000031", patient)
    stay = admitted_stay(session, patient)
    with DATABASE.session() as s:  # a deposit above the line, so "top up" does not come first
        account = deposits.account_for_notice(s, patient.id, stay.id)
        deposits.post(s, account.id, EntryKind.DEPOSIT, 300000, SYSTEM, memo="first deposit")
        s.commit()
    auth = {"Authorization": f"Bearer {_key(['reports'])}"}
    url = f"/api/v1/his/inpatients/{stay.inpatient_no}/exam-appointments"
    when = datetime.now(UTC) + timedelta(hours=2)
    body = {
        "his_ref": "PACS-HOME",
        "title": "腹部超声",
        "place": "3楼 超声科",
        "scheduled_at": when.isoformat(),
    }
    assert client.post(url, json=body, headers=auth).status_code == 201
    phone_login(client, sms, "13700000031")
    home = client.get("/phone/").text
    assert 'data-step="exam_soon"' in home
    assert "3楼 超声科" in home and "腹部超声" in home
    assert f'href="/phone/patients/{patient.id}/reports"' in home
    assert client.post(url, json={"his_ref": "PACS-HOME", "cancelled": True}, headers=auth).status_code == 200
    assert 'data-step="exam_soon"' not in client.get("/phone/").text
