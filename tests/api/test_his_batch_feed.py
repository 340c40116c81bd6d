"""The HIS's batch endpoints over HTTP: charge lines, exam appointments and reports sent many at
a time, answered item by item, a resend or an overlap storing only what is new, and one bad
item refused with the batch's number of it and nothing stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bedside.charges.models import ChargeLine
from bedside.core.clock import local_today
from bedside.reports.models import ExamAppointment, Report
from tests import factories
from tests.api.test_exam_appointments import _key, admitted_stay
from tests.conftest import DATABASE


def _count(model) -> int:  # type: ignore[no-untyped-def]
    with DATABASE.session() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def _charge(ref: str, fen: int = 500) -> dict:  # type: ignore[type-arg]
    return {
        "his_line_id": ref,
        "code": "250101001",
        "name": "血常规",
        "category": "lab",
        "insurance_class": "A",
        "unit_price_fen": fen,
        "quantity": "1",
        "amount_fen": fen,
        "service_date": local_today().isoformat(),
    }


def test_a_charge_batch_over_http_counts_what_was_new(client, session):
    stay = admitted_stay(session)
    auth = {"Authorization": f"Bearer {_key(['charges'])}"}
    url = f"/api/v1/his/inpatients/{stay.inpatient_no}/charges"
    first = client.post(url, json={"lines": [_charge(f"L{i}") for i in range(500)]}, headers=auth)
    assert first.status_code == 200 and first.json() == {"created": 500, "duplicates": 0}
    overlap = client.post(url, json={"lines": [_charge(f"L{i}") for i in range(400, 600)]}, headers=auth)
    assert overlap.json() == {"created": 100, "duplicates": 100}
    bad = [_charge(f"L{i}") for i in range(600, 700)] + [{**_charge("X"), "amount_fen": 1}]
    refused = client.post(url, json={"lines": bad}, headers=auth)
    assert refused.status_code == 422 and refused.json()["code"] == "amount_mismatch"
    assert _count(ChargeLine) == 600


def _exam(ref: str, **kw) -> dict:  # type: ignore[no-untyped-def,type-arg]
    at = (datetime.now(UTC) + timedelta(hours=20)).replace(microsecond=0).isoformat()
    return {"his_ref": ref, "title": "腹部超声", "place": "3楼 超声科", "scheduled_at": at, **kw}


def test_an_exam_batch_over_http_answers_each_appointment(client, session):
    stay = admitted_stay(session)
    auth = {"Authorization": f"Bearer {_key(['reports'])}"}
    url = f"/api/v1/his/inpatients/{stay.inpatient_no}/exam-appointments/batch"
    booked = client.post(url, json={"appointments": [_exam("P1"), _exam("P2")]}, headers=auth)
    assert booked.status_code == 200, booked.text
    assert [(a["his_ref"], a["outcome"]) for a in booked.json()["appointments"]] == [
        ("P1", "created"),
        ("P2", "created"),
    ]
    batch = [_exam("P1", place="4楼 超声科"), {"his_ref": "P2", "cancelled": True}, _exam("P3")]
    moved = client.post(url, json={"appointments": batch}, headers=auth).json()["appointments"]
    assert [(a["outcome"], a["state"]) for a in moved] == [
        ("changed", "scheduled"),
        ("cancelled", "cancelled"),
        ("created", "scheduled"),
    ]
    twice = client.post(url, json={"appointments": [_exam("P4"), _exam("P4")]}, headers=auth)
    assert twice.status_code == 422 and twice.json()["code"] == "duplicate_exam"
    dead = client.post(url, json={"appointments": [_exam("P5"), _exam("P2", place="5楼")]}, headers=auth)
    assert dead.status_code == 409 and dead.json()["code"] == "exam_cancelled"
    assert _count(ExamAppointment) == 3
    other = admitted_stay(session, factories.patient(session, name="魏延", birth=factories.date(1970, 1, 1)))
    foreign = f"/api/v1/his/inpatients/{other.inpatient_no}/exam-appointments/batch"
    taken = client.post(foreign, json={"appointments": [_exam("P1")]}, headers=auth)
    assert taken.status_code == 409 and taken.json()["code"] == "exam_ref_conflict"
    empty = client.post(url, json={"appointments": []}, headers=auth)
    assert empty.status_code == 422


def _report(ref: str, resident_id: str, **kw) -> dict:  # type: ignore[no-untyped-def,type-arg]
    return {
        "his_ref": ref,
        "resident_id": resident_id,
        "kind": "lab",
        "title": "血常规",
        "department": "检验科",
        "reported_at": datetime.now(UTC).isoformat(),
        "result_text": "白细胞 6.1 ×10^9/L",
        **kw,
    }


def test_a_report_batch_over_http_stores_it_whole_or_not_at_all(client, session):
    patient = factories.patient(session, name="庞统")
    auth = {"Authorization": f"Bearer {_key(['reports'])}"}
    url = "/api/v1/his/reports/batch"
    first = client.post(
        url, json={"reports": [_report(f"LIS-{i}", patient.resident_id) for i in range(3)]}, headers=auth
    )
    assert first.status_code == 200 and (first.json()["created"], first.json()["duplicates"]) == (3, 0)
    correction = _report("LIS-9", patient.resident_id, supersedes_his_ref="LIS-0")
    again = client.post(
        url, json={"reports": [_report("LIS-2", patient.resident_id), correction]}, headers=auth
    )
    assert [(r["his_ref"], r["created"]) for r in again.json()["reports"]] == [
        ("LIS-2", False),
        ("LIS-9", True),
    ]
    assert again.json()["reports"][0]["id"] == first.json()["reports"][2]["id"]
    stranger = _report("LIS-10", "110101199003070000")
    refused = client.post(
        url, json={"reports": [_report("LIS-11", patient.resident_id), stranger]}, headers=auth
    )
    assert refused.status_code == 422 and refused.json()["code"] == "invalid_resident_id"
    assert _count(Report) == 4
    charges_only = {"Authorization": f"Bearer {_key(['charges'])}"}
    assert (
        client.post(
            url, json={"reports": [_report("LIS-12", patient.resident_id)]}, headers=charges_only
        ).status_code
        == 403
    )
