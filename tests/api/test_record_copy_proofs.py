"""Proofs for a mailed record copy through the real app: the phone uploads the ID card photo
(checked by what the file is, re-encoded, kept in the database), never sees it back and
nobody else can reach it; only the record office views it (audited, not cached), and
"identity verified" waits for it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bedside.core.audit import AuditEvent
from bedside.records.models import RecordCopyProof
from tests import factories
from tests.api.test_record_copies import PHONE, _form
from tests.conftest import DATABASE
from tests.helpers import phone_login, staff_login
from tests.integration.discharge.conftest import Inpatient, admitted

MAIL = {
    "delivery": "mail",
    "recipient_name": "赵云",
    "recipient_phone": "13912345678",
    "province": "湖南省",
    "city": "长沙市",
    "address": "岳麓区麓山南路 1 号",
}


@pytest.fixture
def ip(session) -> Inpatient:
    return admitted(session)


def _mailed(client, ip: Inpatient, token: str, key: str = "api-proof-0001", **over: object) -> int:  # type: ignore[no-untyped-def]
    r = client.post("/phone/records", data=_form(ip, token, key, **{**MAIL, **over}), follow_redirects=False)
    assert r.status_code == 303, r.text
    return int(r.headers["location"].rsplit("/", 1)[1])


def _upload(client, request_id: int, token: str, data: bytes, kind: str = "id_card", name: str = "id.jpg"):  # type: ignore[no-untyped-def]
    return client.post(
        f"/phone/records/{request_id}/proofs",
        data={"csrf_token": token, "kind": kind},
        files={"file": (name, data, "image/jpeg")},
        follow_redirects=False,
    )


def _proofs(request_id: int) -> list[RecordCopyProof]:
    with DATABASE.session() as s:
        return list(s.scalars(select(RecordCopyProof).where(RecordCopyProof.request_id == request_id)))


def test_the_phone_uploads_the_id_card_photo_and_never_gets_it_back(client, sms, ip):
    token = phone_login(client, sms, PHONE)
    request_id = _mailed(client, ip, token)
    page = client.get(f"/phone/records/{request_id}")
    assert 'data-proof="id_card" data-given="no"' in page.text
    assert 'data-proof="authorization"' not in page.text  # the patient asks for themself

    photo = factories.jpeg()
    r = _upload(client, request_id, token, photo)
    assert r.status_code == 303 and r.headers["location"] == f"/phone/records/{request_id}"
    page = client.get(f"/phone/records/{request_id}")
    assert 'data-proof="id_card" data-given="yes"' in page.text
    assert "/proofs/" not in page.text.replace(f"/phone/records/{request_id}/proofs", "")  # no link back
    (row,) = _proofs(request_id)
    assert (row.kind, row.content_type) == ("id_card", "image/jpeg")
    assert row.data != photo and row.size == len(row.data)  # re-encoded, not stored as sent
    assert client.get(f"/phone/records/{request_id}/proofs/{row.id}").status_code in (404, 405)

    # A second photo replaces the first; one proof of a kind is kept.
    assert _upload(client, request_id, token, factories.jpeg(800, 500)).status_code == 303
    (again,) = _proofs(request_id)
    assert again.sha256 != row.sha256


@pytest.mark.parametrize(
    "kind, data, code",
    [
        ("id_card", b"MZ\x90\x00 not a photo", "invalid_proof_file"),
        ("id_card", b"", "invalid_proof_file"),
        ("id_card", b"\xff\xd8\xff" + b"\0" * (5 * 1024 * 1024 + 10), "invalid_proof_file"),
        ("authorization", factories.jpeg(), "invalid_proof_kind"),  # not asked of a self request
        ("passport", factories.jpeg(), "invalid_proof_kind"),
    ],
    ids=["exe", "empty", "too-large", "not-asked", "unknown-kind"],
)
def test_bad_uploads_are_refused_and_change_nothing(client, sms, ip, kind, data, code):
    token = phone_login(client, sms, PHONE)
    request_id = _mailed(client, ip, token)
    r = _upload(client, request_id, token, data, kind)
    assert r.status_code == 422 and f'data-code="{code}"' in r.text
    assert _proofs(request_id) == []


def test_a_picked_up_copy_asks_for_no_upload(client, sms, ip):
    token = phone_login(client, sms, PHONE)
    r = client.post("/phone/records", data=_form(ip, token, "api-proof-0002"), follow_redirects=False)
    request_id = int(r.headers["location"].rsplit("/", 1)[1])
    assert 'data-testid="proofs"' not in client.get(f"/phone/records/{request_id}").text
    r = _upload(client, request_id, token, factories.jpeg())
    assert r.status_code == 422 and 'data-code="invalid_proof_kind"' in r.text


def test_only_the_record_office_sees_a_proof(client, sms, ip, session):
    token = phone_login(client, sms, PHONE)
    request_id = _mailed(client, ip, token)
    assert _upload(client, request_id, token, factories.jpeg()).status_code == 303
    (row,) = _proofs(request_id)
    other = _mailed(client, ip, token, "api-proof-0003")
    client.cookies.clear()

    stranger = factories.patient(session, name="路人乙", phone="13800000098")
    factories.account_for(session, "13800000098", stranger)
    token = phone_login(client, sms, "13800000098")
    assert _upload(client, request_id, token, factories.jpeg()).status_code == 404
    assert client.get(
        f"/console/records/{request_id}/proofs/{row.id}", follow_redirects=False
    ).status_code in (
        303,
        401,
        403,
    )
    client.cookies.clear()

    factories.staff(session, "nurse.p", "nurse")
    factories.staff(session, "records.p", "records_office")
    staff_login(client, "nurse.p")
    assert client.get(f"/console/records/{request_id}/proofs/{row.id}").status_code == 403
    client.cookies.clear()
    staff_login(client, "records.p")
    detail = client.get(f"/console/records/{request_id}")
    assert f'src="/console/records/{request_id}/proofs/{row.id}"' in detail.text
    shown = client.get(f"/console/records/{request_id}/proofs/{row.id}")
    assert shown.status_code == 200 and shown.content == row.data
    assert shown.headers["content-type"] == "image/jpeg"
    assert (
        "no-store" in shown.headers["cache-control"] and shown.headers["x-content-type-options"] == "nosniff"
    )
    assert client.get(f"/console/records/{other}/proofs/{row.id}").status_code == 404  # not that request's
    with DATABASE.session() as s:
        views = s.scalars(select(AuditEvent).where(AuditEvent.action == "record_copy.proof_viewed")).all()
        assert len(views) == 1 and views[0].patient_id == ip.adm.patient.id
