"""The HIS feed over HTTP: a key per client and scope, admission notices idempotent on the
HIS reference, charges idempotent on the HIS line id, bad input refused with nothing changed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from typer.testing import CliRunner

from bedside.charges.models import ChargeLine
from bedside.cli import app as cli
from bedside.core.audit import SYSTEM
from bedside.core.clock import local_today
from bedside.integrations import service as integrations
from tests import factories
from tests.conftest import DATABASE
from tests.integration.discharge.conftest import admitted


def _key(scopes):
    with DATABASE.session() as s:
        return integrations.register(s, SYSTEM, f"HIS-{'-'.join(scopes)}", scopes)[1]


def test_notice_intake_is_idempotent_and_keyed(client, session):
    world = factories.hospital(session)
    patient = factories.patient(session, name="诸葛亮")
    key = _key(["admission_notices"])
    body = {
        "his_ref": "ZYZ-2026-0001",
        "resident_id": patient.resident_id,
        "department_code": world.department.code,
        "diagnosis": "肺炎",
        "kind": "emergency",
        "expected_date": local_today().isoformat(),
    }
    assert client.post("/api/v1/his/admission-notices", json=body).status_code == 401
    assert (
        client.post(
            "/api/v1/his/admission-notices", json=body, headers={"Authorization": "Bearer bi_nope_x"}
        ).status_code
        == 401
    )
    auth = {"Authorization": f"Bearer {key}"}
    first = client.post("/api/v1/his/admission-notices", json=body, headers=auth)
    assert first.status_code == 201, first.text
    again = client.post("/api/v1/his/admission-notices", json=body, headers=auth)
    assert again.json()["id"] == first.json()["id"]
    bad = client.post(
        "/api/v1/his/admission-notices",
        # Any other last character breaks the GB 11643 checksum.
        json={
            **body,
            "his_ref": "x2",
            "resident_id": patient.resident_id[:-1] + ("1" if patient.resident_id[-1] != "1" else "2"),
        },
        headers=auth,
    )
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_resident_id"
    # A charges-only client may not issue notices.
    other = {"Authorization": f"Bearer {_key(['charges'])}"}
    assert (
        client.post(
            "/api/v1/his/admission-notices", json={**body, "his_ref": "x3"}, headers=other
        ).status_code
        == 403
    )


def test_charges_feed(client, session):
    ip = admitted(session)
    with DATABASE.session() as s:
        inpatient_no = s.get(type(ip.adm.notice), ip.notice_id).inpatient_no
    auth = {"Authorization": f"Bearer {_key(['charges'])}"}
    day = (local_today() - timedelta(days=1)).isoformat()
    line = {
        "his_line_id": "L1",
        "code": "250101001",
        "name": "血常规",
        "category": "lab",
        "insurance_class": "A",
        "unit_price_fen": 2500,
        "quantity": "2",
        "amount_fen": 5000,
        "service_date": day,
    }
    url = f"/api/v1/his/inpatients/{inpatient_no}/charges"
    r = client.post(url, json={"lines": [line]}, headers=auth)
    assert r.status_code == 200 and r.json() == {"created": 1, "duplicates": 0}
    assert client.post(url, json={"lines": [line]}, headers=auth).json() == {"created": 0, "duplicates": 1}
    wrong = client.post(
        url, json={"lines": [{**line, "his_line_id": "L2", "amount_fen": 5001}]}, headers=auth
    )
    assert wrong.status_code == 422 and wrong.json()["code"] == "amount_mismatch"
    assert (
        client.post("/api/v1/his/inpatients/ZY000/charges", json={"lines": [line]}, headers=auth).status_code
        == 404
    )
    with DATABASE.session() as s:
        assert s.scalar(select(func.count()).select_from(ChargeLine)) == 1


def test_cli_creates_a_client_and_shows_the_key_once():
    runner = CliRunner()
    out = runner.invoke(
        cli, ["create-integration", "HIS-main", "--scope", "charges", "--scope", "admission_notices"]
    )
    assert out.exit_code == 0, out.output
    assert "bi_" in out.output
    bad = runner.invoke(cli, ["create-integration", "HIS-x", "--scope", "everything"])
    assert bad.exit_code == 1 and "invalid_scope" in bad.output


def test_reports_reach_the_patient_and_nobody_else(client, session, sms):
    import base64

    from bedside.core.db import utcnow
    from tests.helpers import phone_login

    patient = factories.patient(session, name="庞统", phone="13600000055")
    factories.account_for(session, "13600000055", patient)
    auth = {"Authorization": f"Bearer {_key(['reports'])}"}
    body = {
        "his_ref": "LIS-1",
        "resident_id": patient.resident_id,
        "kind": "lab",
        "title": "血常规",
        "department": "检验科",
        "reported_at": utcnow().isoformat(),
        "result_text": "白细胞 6.1 ×10^9/L",
        "pdf_base64": base64.b64encode(b"%PDF-1.4 report").decode(),
    }
    r = client.post("/api/v1/his/reports", json=body, headers=auth)
    assert r.status_code == 201 and r.json()["created"] is True
    assert client.post("/api/v1/his/reports", json=body, headers=auth).json()["created"] is False
    bad = client.post(
        "/api/v1/his/reports", json={**body, "his_ref": "LIS-2", "pdf_base64": "bm90IGEgcGRm"}, headers=auth
    )
    assert bad.status_code == 422 and bad.json()["code"] == "not_a_pdf"
    fix = client.post(
        "/api/v1/his/reports",
        json={**body, "his_ref": "LIS-3", "supersedes_his_ref": "LIS-1", "result_text": "白细胞 6.2 ×10^9/L"},
        headers=auth,
    )
    assert fix.status_code == 201
    phone_login(client, sms, "13600000055")
    listing = client.get(f"/phone/patients/{patient.id}/reports")
    assert listing.text.count('data-testid="report"') == 1  # the correction replaces the original
    one = client.get(f"/phone/reports/{fix.json()['id']}")
    assert "6.2" in one.text
    assert client.get(f"/phone/reports/{fix.json()['id']}/report.pdf").content.startswith(b"%PDF")
    other = factories.patient(session, name="徐庶", birth=factories.date(1966, 6, 6))
    assert client.get(f"/phone/patients/{other.id}/reports").status_code == 404
