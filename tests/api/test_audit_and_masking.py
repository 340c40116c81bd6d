"""Writes and staff reads of personal data leave audit rows; screens and logs are masked."""

from __future__ import annotations

import logging

from sqlalchemy import select

from bedside.core.audit import AuditEvent
from tests import factories
from tests.conftest import DATABASE
from tests.helpers import staff_login


def _actions(_session, **where):
    query = select(AuditEvent).order_by(AuditEvent.id)
    for key, value in where.items():
        query = query.where(getattr(AuditEvent, key) == value)
    with DATABASE.session() as fresh:  # a new snapshot that sees the app's commits
        return list(fresh.scalars(query))


def test_issuing_a_notice_is_audited_with_who_what_when_where(client, session):
    world = factories.hospital(session)
    doctor = factories.staff(session, "dr.li", "doctor", department_id=world.department.id)
    patient = factories.patient(session)
    token = staff_login(client, "dr.li")
    r = client.post(
        "/api/v1/admission-notices",
        headers={"X-CSRF-Token": token, "X-Request-ID": "req-42"},
        json={
            "patient_id": patient.id,
            "department_id": world.department.id,
            "diagnosis": "心绞痛",
            "expected_date": factories.tomorrow().isoformat(),
        },
    )
    assert r.status_code == 201
    row = _actions(session, action="admission_notice.issue")[0]
    assert (row.actor_kind, row.actor_id) == ("staff", doctor.id)
    assert row.patient_id == patient.id and row.entity_id == str(r.json()["id"])
    assert row.ip == "testclient" and row.request_id == "req-42"
    assert row.at is not None and row.at.tzinfo is not None


def test_staff_reads_of_personal_data_are_audited(client, session):
    factories.hospital(session)
    nurse = factories.staff(session, "rn.wang", "nurse")
    patient = factories.patient(session)
    staff_login(client, "rn.wang")
    page = client.get(f"/console/patients/{patient.id}")
    assert page.status_code == 200
    assert patient.resident_id not in page.text
    assert patient.resident_id[:6] + "********" + patient.resident_id[-4:] in page.text
    assert patient.phone not in page.text
    reads = _actions(session, action="patient.read", patient_id=patient.id)
    assert [(r.actor_id, r.detail["purpose"]) for r in reads] == [(nurse.id, "view")]
    full = client.get(f"/console/patients/{patient.id}?reveal=1")
    assert patient.resident_id in full.text
    assert _actions(session, action="patient.read")[-1].detail["purpose"] == "reveal"
    client.get(f"/console/patients?q={patient.resident_id}")
    assert _actions(session, action="patient.search")[-1].detail["query"].count("*") == 8


def test_roles_without_patient_data_cannot_open_patients(client, session):
    factories.hospital(session)
    factories.staff(session, "ops1", "ops_engineer")
    patient = factories.patient(session)
    staff_login(client, "ops1")
    assert client.get(f"/console/patients/{patient.id}").status_code == 403
    assert _actions(session, action="patient.read") == []


def test_logs_mask_ids_and_phones(client, session, caplog):
    from bedside.core.logging import _scrub

    event = {"event": "lookup 11010519491231002X by 13812345678"}
    assert _scrub(None, "info", event)["event"] == "lookup 110105********002X by 138****5678"
    with caplog.at_level(logging.WARNING, logger="bedside.sms"):
        from bedside.accounts.sms import LogSmsGateway

        LogSmsGateway(demo=True).send("13812345678", "code 123456", code="123456")
    assert "13812345678" not in caplog.text and "138****5678" in caplog.text
