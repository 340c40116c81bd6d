"""The admission console through the real app: roles, the assign form with its errors, the
window-cases queue, and the phone's admission forms refusing bad input with nothing changed."""

from __future__ import annotations

from sqlalchemy import select

from bedside.admissions import stay
from bedside.admissions.models import AdmissionNotice
from bedside.hospital.models import Bed
from tests import factories
from tests.conftest import DATABASE
from tests.helpers import phone_login, staff_login
from tests.integration.admissions.conftest import make_admission


def test_bed_board_roles_and_assignment_errors(client, session):
    adm = make_admission(session)
    factories.staff(session, "cash.ier", "cashier")
    with DATABASE.session() as s:
        stay.request_bed(s, adm.me, adm.notice.id, None, "any")
    token = staff_login(client, "cash.ier")
    assert client.get("/console/beds").status_code == 403
    client.post("/console/logout", data={"csrf_token": token})
    token = staff_login(client, "clerk.bed")
    page = client.get("/console/beds")
    assert page.status_code == 200 and f'data-notice="{adm.notice.id}"' in page.text
    # No bed chosen: a clear error and nothing moves.
    r = client.post(
        "/console/beds/assign", data={"csrf_token": token, "notice_id": adm.notice.id, "bed_id": ""}
    )
    assert r.status_code == 422 and 'data-code="bed_required"' in r.text
    # A forged form (no CSRF token) is refused.
    r = client.post("/console/beds/assign", data={"notice_id": adm.notice.id, "bed_id": adm.world.beds[0].id})
    assert r.status_code == 403
    bed_id = adm.world.beds[0].id
    r = client.post(
        "/console/beds/assign",
        data={"csrf_token": token, "notice_id": adm.notice.id, "bed_id": bed_id},
        follow_redirects=False,
    )
    assert r.status_code == 303
    again = client.post(
        "/console/beds/assign", data={"csrf_token": token, "notice_id": adm.notice.id, "bed_id": bed_id}
    )
    assert again.status_code == 409
    with DATABASE.session() as s:
        assert s.get(Bed, bed_id).state == "reserved"


def test_window_cases_list_out_of_region_insurance(client, session, sms):
    adm = make_admission(session)
    token = phone_login(client, sms, "13600000011")
    r = client.post(
        f"/phone/stays/{adm.notice.id}/details",
        data={
            "csrf_token": token,
            "address": "长沙市开福区",
            "occupation": "退休",
            "marital_status": "married",
            "emergency_name": "赵雨",
            "emergency_phone": "1391234",  # too short
            "emergency_relation": "child",
            "insurance_type": "out_of_region",
        },
    )
    assert r.status_code == 422 and 'data-field="emergency_phone"' in r.text
    with DATABASE.session() as s:
        assert stay.details(s, adm.notice.id) is None
        assert s.get(AdmissionNotice, adm.notice.id).insurance_type is None  # nothing half-saved
    r = client.post(
        f"/phone/stays/{adm.notice.id}/details",
        data={
            "csrf_token": token,
            "address": "长沙市开福区",
            "occupation": "退休",
            "marital_status": "married",
            "emergency_name": "赵雨",
            "emergency_phone": "13912345678",
            "emergency_relation": "child",
            "insurance_type": "out_of_region",
        },
        follow_redirects=True,
    )
    assert r.status_code == 200 and 'data-code="out_of_region_insurance"' in r.text
    client.post("/phone/logout", data={"csrf_token": token})
    staff_login(client, "clerk.bed")
    cases = client.get("/console/window-cases")
    assert 'data-code="out_of_region_insurance"' in cases.text


def test_another_accounts_stay_is_not_found(client, session, sms):
    adm = make_admission(session)
    factories.account_for(session, "13600000099")
    token = phone_login(client, sms, "13600000099")
    for path in (f"/phone/notices/{adm.notice.id}", f"/phone/stays/{adm.notice.id}/details"):
        assert client.get(path).status_code == 404
    r = client.post(f"/phone/stays/{adm.notice.id}/bed", data={"csrf_token": token, "room_preference": "any"})
    assert r.status_code == 404
    with DATABASE.session() as s:
        assert s.scalar(select(AdmissionNotice.state).where(AdmissionNotice.id == adm.notice.id)) == "issued"
