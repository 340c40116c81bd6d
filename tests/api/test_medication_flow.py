"""Discharge medication through the real app: the doctor orders, the nurse confirms or
returns, the pharmacist accepts (the drugs are charged), substitutes or returns, packs (the
label PDF), dispatches a run; the nurse's scan refuses a wrong ward or patient; counselling
lets the ward clearance pass; the patient's phone shows the guide, only to their accounts.
Bad input is a clear 4xx that changes nothing; the HIS can send the order."""

from __future__ import annotations

import itertools
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bedside.admissions.models import AdmissionNotice
from bedside.charges.models import ChargeLine
from bedside.core.audit import SYSTEM, AuditEvent
from bedside.core.clock import local_today
from bedside.core.db import utcnow
from bedside.discharge import service as discharge_service
from bedside.hospital.models import Bed, Room, Ward
from bedside.integrations import service as integrations
from bedside.medication.models import MedicationOrder, MedicationTransition
from bedside.staff.models import StaffUser
from tests import factories
from tests.conftest import DATABASE
from tests.helpers import phone_login, staff_login

_numbers = itertools.count(1)


def _stay(session, world, bed, name="赵云"):  # type: ignore[no-untyped-def]
    patient = factories.patient(session, name=name)
    notice = AdmissionNotice(
        patient_id=patient.id,
        department_id=world.department.id,
        diagnosis="高血压",
        kind="elective",
        priority="routine",
        expected_date=local_today(),
        state="admitted",
        inpatient_no=f"ZY7{next(_numbers):07d}",
        admitted_at=utcnow(),
        ward_id=bed.ward_id,
        bed_id=bed.id,
    )
    session.add(notice)
    session.commit()
    return patient, notice


@pytest.fixture
def ward_world(session):  # type: ignore[no-untyped-def]
    return build_ward_world(session)


def build_ward_world(session):  # type: ignore[no-untyped-def]
    """Two wards with a patient each, a doctor, a ward nurse of the first ward, a pharmacist."""
    world = factories.hospital(session)
    other = Ward(
        campus_id=world.ward.campus_id, department_id=world.department.id, code="W02", name="心内二病区"
    )
    session.add(other)
    session.flush()
    room = Room(ward_id=other.id, code="601", gender="M")
    session.add(room)
    session.flush()
    other_bed = Bed(room_id=room.id, ward_id=other.id, code="601-1")
    session.add(other_bed)
    session.commit()
    factories.staff(session, "doc", "doctor", department_id=world.department.id)
    nurse = factories.staff(session, "nurse", "nurse", department_id=world.department.id)
    factories.staff(session, "pharm", "pharmacist")
    session.get(StaffUser, nurse.id).ward_id = world.ward.id  # type: ignore[union-attr]
    session.commit()
    patient, notice = _stay(session, world, world.beds[0])
    other_patient, other_notice = _stay(session, world, other_bed, name="马超")
    return world, other, patient, notice, other_patient, other_notice


def _client(app, username):  # type: ignore[no-untyped-def]
    c = TestClient(app, base_url="http://testserver")
    return c, staff_login(c, username)


ORDER = {
    "drug_code_0": "AML5",
    "quantity_0": "2",
    "dose_0": "5mg",
    "frequency_0": "qd",
    "days_0": "14",
    "instructions_0": "早饭后",
    "drug_code_1": "ATV20",
    "quantity_1": "1",
    "dose_1": "20mg",
    "frequency_1": "qn",
    "days_1": "7",
}


def _order_id(notice_id: int) -> int:
    with DATABASE.session() as s:
        return s.scalar(select(MedicationOrder.id).where(MedicationOrder.notice_id == notice_id))  # type: ignore[return-value]


def _state(order_id: int) -> str:
    with DATABASE.session() as s:
        return s.get(MedicationOrder, order_id).state  # type: ignore[union-attr]


def _counts() -> tuple[int, int, int]:
    with DATABASE.session() as s:
        return (
            s.scalar(select(func.count()).select_from(MedicationOrder)) or 0,
            s.scalar(select(func.count()).select_from(MedicationTransition)) or 0,
            s.scalar(select(func.count()).select_from(ChargeLine)) or 0,
        )


def test_the_five_steps_end_to_end(app, session, ward_world, sms):  # type: ignore[no-untyped-def]
    world, other, patient, notice, _, other_notice = ward_world
    discharge_service.order(
        session,
        SYSTEM.__class__(kind="staff", id=1, label="doc", roles=frozenset({"doctor"})),
        notice.id,
        local_today(),
    )
    doc, doc_csrf = _client(app, "doc")
    nurse, nurse_csrf = _client(app, "nurse")
    pharm, pharm_csrf = _client(app, "pharm")

    r = doc.post(f"/console/medication/stays/{notice.id}/order", data={**ORDER, "csrf_token": doc_csrf})
    assert r.status_code == 200 and 'data-testid="med-order"' in r.text, r.text[:500]
    oid = _order_id(notice.id)
    assert _state(oid) == "ordered"

    # The nurse returns it; the doctor amends; the nurse confirms.
    r = nurse.post(
        f"/console/medication/orders/{oid}",
        data={"action": "return", "note": "剂量不对", "csrf_token": nurse_csrf},
    )
    assert r.status_code == 200 and _state(oid) == "returned"
    r = doc.post(
        f"/console/medication/orders/{oid}", data={**ORDER, "action": "amend", "csrf_token": doc_csrf}
    )
    assert r.status_code == 200 and _state(oid) == "ordered"
    nurse.post(f"/console/medication/orders/{oid}", data={"action": "confirm", "csrf_token": nurse_csrf})
    assert _state(oid) == "nurse_confirmed"

    # The pharmacist sees it under its ward, substitutes one drug and accepts: drugs are charged.
    page = pharm.get("/console/medication/pharmacy").text
    assert "心内一病区" in page and patient.name in page
    item_id = re.search(r'name="item_id" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    r = pharm.post(
        f"/console/medication/pharmacy/{oid}",
        data={
            "action": "substitute",
            "item_id": item_id,
            "drug_code": "ASP100",
            "note": "缺货替代",
            "csrf_token": pharm_csrf,
        },
    )
    assert r.status_code == 200 and _state(oid) == "nurse_confirmed"
    pharm.post(f"/console/medication/pharmacy/{oid}", data={"action": "accept", "csrf_token": pharm_csrf})
    assert _state(oid) == "pharmacy_accepted"
    with DATABASE.session() as s:
        lines = list(s.scalars(select(ChargeLine).where(ChargeLine.notice_id == notice.id)))
    assert sorted(line.amount_fen for line in lines) == sorted([1560 * 2, 3220 * 1])
    # Accepting again is refused and posts nothing twice.
    r = pharm.post(f"/console/medication/pharmacy/{oid}", data={"action": "accept", "csrf_token": pharm_csrf})
    assert r.status_code == 409 and _counts()[2] == 2

    pharm.post(f"/console/medication/pharmacy/{oid}", data={"action": "pack", "csrf_token": pharm_csrf})
    assert _state(oid) == "packed"
    with DATABASE.session() as s:
        bag = s.get(MedicationOrder, oid).bag_code  # type: ignore[union-attr]
    pdf = pharm.get(f"/console/medication/pharmacy/{oid}/label.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert (
        pharm.post(
            "/console/medication/runs", data={"ward_id": str(world.ward.id), "csrf_token": pharm_csrf}
        ).status_code
        == 200
    )
    assert _state(oid) == "dispatched"

    # The wrong ward, the wrong wristband and an unknown bag are refused; the right scan passes.
    before = _counts()
    for data, status, code in (
        ({"bag_code": bag, "ward_id": str(other.id)}, 409, "wrong_ward"),
        (
            {"bag_code": bag, "ward_id": str(world.ward.id), "inpatient_no": other_notice.inpatient_no},
            409,
            "wrong_patient",
        ),
        ({"bag_code": "MB999999ZZZZ", "ward_id": str(world.ward.id)}, 404, "bag_not_found"),
        ({"bag_code": "", "ward_id": str(world.ward.id)}, 422, "bag_code_required"),
    ):
        r = nurse.post("/console/medication/receive", data={**data, "csrf_token": nurse_csrf})
        assert r.status_code == status and f'data-code="{code}"' in r.text, (code, r.status_code)
    assert _counts() == before and _state(oid) == "dispatched"
    r = nurse.post(
        "/console/medication/receive",
        data={
            "bag_code": bag.lower(),
            "ward_id": str(world.ward.id),
            "inpatient_no": notice.inpatient_no,
            "csrf_token": nurse_csrf,
        },
    )
    assert r.status_code == 200 and _state(oid) == "received"

    # Clearance is blocked until counselling is recorded.
    r = nurse.post(
        f"/console/stays/{notice.id}/discharge",
        data={
            "action": "clear_ward",
            "no_pending_orders": "1",
            "charges_posted": "1",
            "csrf_token": nurse_csrf,
        },
    )
    assert r.status_code == 409 and 'data-code="ward_clearance_blocked"' in r.text
    r = nurse.post(
        f"/console/medication/orders/{oid}",
        data={"action": "counsel", "note": "每日一次，早饭后服用", "csrf_token": nurse_csrf},
    )
    assert r.status_code == 200 and _state(oid) == "counselled"
    r = nurse.post(
        f"/console/stays/{notice.id}/discharge",
        data={
            "action": "clear_ward",
            "no_pending_orders": "1",
            "charges_posted": "1",
            "csrf_token": nurse_csrf,
        },
    )
    assert r.status_code == 200
    assert discharge_service.find(session, notice.id).state != "ordered"  # type: ignore[union-attr]

    # The patient's phone shows the guide, in Chinese and English; another account sees nothing.
    factories.account_for(session, patient.phone, patient)
    phone = TestClient(app, base_url="http://testserver")
    phone_login(phone, sms, patient.phone)
    page = phone.get(f"/phone/stays/{notice.id}/medication")
    assert page.status_code == 200 and 'data-testid="med-guide-drug"' in page.text
    phone.cookies.set("bs_lang", "en")
    assert "do not crush or chew" in phone.get(f"/phone/stays/{notice.id}/medication").text
    assert phone.get(f"/phone/stays/{other_notice.id}/medication").status_code == 404
    with DATABASE.session() as s:
        actions = set(s.scalars(select(AuditEvent.action).where(AuditEvent.action.like("medication.%"))))
    assert {
        "medication.order",
        "medication.confirm",
        "medication.accept",
        "medication.receive",
        "medication.counsel",
    } <= actions


def test_roles_and_bad_input_change_nothing(app, session, ward_world):  # type: ignore[no-untyped-def]
    _, _, _, notice, _, _ = ward_world
    doc, doc_csrf = _client(app, "doc")
    nurse, nurse_csrf = _client(app, "nurse")
    for data, code in (
        ({}, "invalid_drug_count"),
        ({**ORDER, "quantity_0": "0"}, "invalid_drug"),
        ({**ORDER, "frequency_0": "hourly"}, "invalid_drug"),
        ({**ORDER, "days_0": "abc"}, "invalid_drug"),
        ({**ORDER, "drug_code_0": "NOPE"}, "unknown_drug"),
        ({**ORDER, "drug_code_0": "<script>"}, "invalid_drug"),
    ):
        r = doc.post(f"/console/medication/stays/{notice.id}/order", data={**data, "csrf_token": doc_csrf})
        assert r.status_code == 422 and f'data-code="{code}"' in r.text, (code, r.status_code)
    assert _counts() == (0, 0, 0)
    # A nurse cannot order; the pharmacist pages are the pharmacist's.
    assert (
        nurse.post(
            f"/console/medication/stays/{notice.id}/order", data={**ORDER, "csrf_token": nurse_csrf}
        ).status_code
        == 403
    )
    assert nurse.get("/console/medication/pharmacy").status_code == 403
    doc.post(f"/console/medication/stays/{notice.id}/order", data={**ORDER, "csrf_token": doc_csrf})
    oid = _order_id(notice.id)
    # A second order while one is in progress, a return without a reason, a doctor confirming.
    r = doc.post(f"/console/medication/stays/{notice.id}/order", data={**ORDER, "csrf_token": doc_csrf})
    assert r.status_code == 409
    r = nurse.post(
        f"/console/medication/orders/{oid}", data={"action": "return", "note": "", "csrf_token": nurse_csrf}
    )
    assert r.status_code == 422
    r = doc.post(f"/console/medication/orders/{oid}", data={"action": "confirm", "csrf_token": doc_csrf})
    assert r.status_code == 403
    r = nurse.post(f"/console/medication/orders/{oid}", data={"action": "receive", "csrf_token": nurse_csrf})
    assert r.status_code == 422
    assert _state(oid) == "ordered" and _counts()[1] == 0


def test_the_his_sends_the_order_once(client, session, ward_world):  # type: ignore[no-untyped-def]
    _, _, _, notice, _, _ = ward_world
    with DATABASE.session() as s:
        key = integrations.register(s, SYSTEM, "HIS-orders", ["orders"])[1]
    body = {
        "message_id": "MSG-MED-1",
        "doctor": "张医生",
        "drugs": [
            {
                "drug_code": "X01",
                "drug_name": "复方丹参滴丸",
                "spec": "27mg×180",
                "unit": "瓶",
                "quantity": 1,
                "dose": "10丸",
                "frequency": "tid",
                "days": 30,
                "unit_price_fen": 4500,
            }
        ],
    }
    url = f"/api/v1/his/stays/{notice.inpatient_no}/discharge-medication"
    headers = {"Authorization": f"Bearer {key}"}
    r = client.post(url, json=body, headers=headers)
    assert r.status_code == 200 and r.json()["result"]["state"] == "ordered", r.text
    again = client.post(url, json=body, headers=headers)
    assert again.json()["replayed"] is True and _counts()[0] == 1
    bad = {
        **body,
        "message_id": "MSG-MED-2",
        "drugs": [{**body["drugs"][0], "unit_price_fen": None, "drug_code": "X02"}],
    }
    r = client.post(url, json=bad, headers=headers)
    assert r.status_code in (409, 422) and _counts()[0] == 1
    assert (
        client.post(url, json={**body, "message_id": "M3", "drugs": []}, headers=headers).status_code == 422
    )
    assert client.post(url, json=body).status_code == 401


def test_figures_for_the_dashboard(app, session, ward_world):  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from bedside.core.audit import Actor
    from bedside.discharge.models import Discharge
    from bedside.medication import delivery, figures
    from bedside.medication import service as medication
    from bedside.medication.schemas import DrugIn

    world, _, _, notice, _, other_notice = ward_world
    doc = Actor(kind="staff", id=1, label="doc", roles=frozenset({"doctor"}))
    nurse = Actor(kind="staff", id=2, label="nurse", roles=frozenset({"nurse"}))
    pharm = Actor(kind="staff", id=3, label="pharm", roles=frozenset({"pharmacist"}))
    drug = DrugIn(drug_code="MET500", quantity=1, dose="0.5g", frequency="bid", days=10)
    row = medication.order(session, doc, notice.id, [drug])
    session.commit()
    for who, action in ((nurse, "confirm"), (pharm, "accept")):
        medication.act(session, who, row.id, action)
    bag = delivery.pack(session, pharm, row.id).bag_code
    delivery.dispatch(session, pharm, world.ward.id)
    delivery.receive(session, nurse, bag or "", world.ward.id)
    medication.act(session, nurse, row.id, "counsel", "饭后服用")
    now = utcnow()
    for n in (notice, other_notice):
        session.add(
            Discharge(
                notice_id=n.id,
                planned_date=local_today(),
                ordered_by="doc",
                state="discharged",
                discharged_at=now,
            )
        )
    session.commit()
    got = figures.figures(session, now - timedelta(days=1), now + timedelta(minutes=1))
    assert (got.discharges, got.ward_delivered, got.ward_delivery_share) == (2, 1, 0.5)
    assert got.median_delivery_minutes is not None and got.median_delivery_minutes >= 0
    factories.staff(session, "boss", "manager")
    manager, _ = _client(app, "boss")
    page = manager.get("/console/medication/figures?days=7")
    assert page.status_code == 200 and 'data-testid="fig-ward-share">1 (50%)' in page.text
    assert manager.get("/console/medication/figures?days=0").status_code == 422
