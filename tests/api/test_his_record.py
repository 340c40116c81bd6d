"""The HIS as the system of record, through the real app: notices for patients Bedside has not
seen, the HIS's inpatient numbers, the patient feed (create, update, merge), the discharge
order feed and the orders-status feed driving the ward-clearance guards."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from bedside.accounts.models import AccountPatient
from bedside.admissions import beds, stay
from bedside.admissions.models import AdmissionNotice
from bedside.core.audit import SYSTEM, Actor, AuditEvent
from bedside.core.clock import local_today
from bedside.core.errors import Conflict, InvalidInput
from bedside.discharge import service as discharge
from bedside.discharge.models import DischargeTransition
from bedside.integrations import service as integrations
from bedside.patients import service as patients
from bedside.patients.models import Patient, PatientCredential
from bedside.staff import service as staff_service
from tests import factories
from tests.conftest import DATABASE
from tests.his_peer import his_record  # noqa: F401 - fixture
from tests.integration.admissions.conftest import DETAILS, MORSE_PATIENT, PADUA_PATIENT, Admission
from tests.integration.discharge.conftest import admitted, pay

pytestmark = pytest.mark.usefixtures("his_record")
SCOPES = ["admission_notices", "patients", "orders"]


def _auth(scopes=SCOPES) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with DATABASE.session() as s:
        key = integrations.register(s, SYSTEM, f"HIS-{len(scopes)}-{'-'.join(scopes)}", scopes)[1]
    return {"Authorization": f"Bearer {key}"}


def _notice(world, rid: str, **extra) -> dict:  # type: ignore[no-untyped-def]
    return {
        "his_ref": extra.pop("his_ref", f"ZYZ-{rid[-6:]}"),
        "resident_id": rid,
        "department_code": world.department.code,
        "diagnosis": "肺炎",
        "expected_date": local_today().isoformat(),
        **extra,
    }


def test_a_notice_for_a_new_patient_creates_them_and_keeps_the_his_inpatient_number(client, session):
    world = factories.hospital(session)
    auth = _auth()
    rid = factories.make_resident_id(date(1975, 3, 9), male=True)
    body = _notice(world, rid, name="姜维", phone="13900001111", inpatient_no="HIS2026000777")
    first = client.post("/api/v1/his/admission-notices", json=body, headers=auth)
    assert first.status_code == 201, first.text
    again = client.post("/api/v1/his/admission-notices", json=body, headers=auth)
    assert again.json()["id"] == first.json()["id"]
    with DATABASE.session() as s:
        patient = patients.by_resident_id(s, rid)
        assert patient is not None and patient.name == "姜维" and patient.gender == "M"
        assert patient.birth_date == date(1975, 3, 9)
        notice = s.get(AdmissionNotice, first.json()["id"])
        assert notice.patient_id == patient.id and notice.inpatient_no == "HIS2026000777"
        assert s.scalar(select(func.count()).select_from(Patient)) == 1
    # The number is the HIS's: another stay may not take it.
    other = _notice(
        world, factories.make_resident_id(), name="马超", inpatient_no="HIS2026000777", his_ref="x2"
    )
    taken = client.post("/api/v1/his/admission-notices", json=other, headers=auth)
    assert taken.status_code == 409 and taken.json()["code"] == "inpatient_no_taken"
    with DATABASE.session() as s:
        assert s.scalar(select(func.count()).select_from(Patient)) == 1

    # Through admission, the stay keeps the HIS's number; it becomes the kiosk credential.
    phone = "13900001111"
    with DATABASE.session() as s:
        patient = patients.by_resident_id(s, rid)
        account = factories.account_for(s, phone, patient)
        notice = s.get(AdmissionNotice, first.json()["id"])
        clerk = staff_service.actor_for(factories.staff(s, "clerk.his", "admission_center"))
        nurse = staff_service.actor_for(factories.staff(s, "nurse.his", "nurse"))
        adm = Admission(
            world, patient, notice, account, Actor(kind="account", id=account.id, label="p"), clerk, nurse
        )
        stay.request_bed(s, adm.me, notice.id, None, "any")
        stay.save_details(s, adm.me, notice.id, stay.DetailsIn(**DETAILS))
        stay.choose_insurance(s, adm.me, notice.id, "self_pay", None)
        stay.save_assessment(s, adm.me, notice.id, "morse_fall", MORSE_PATIENT)
        stay.save_assessment(s, adm.me, notice.id, "padua_vte", PADUA_PATIENT, height_cm=160, weight_kg=55)
        beds.assign(s, clerk, notice.id, world.beds[0].id)
    pay(adm, "wechat", "JSAPI", 500000, "his-deposit-0001", "deposit")
    with DATABASE.session() as s:
        done = stay.admit(s, adm.me, adm.notice.id)
        assert done.state == "admitted" and done.inpatient_no == "HIS2026000777"
        assert patients.find_by_credential(s, "inpatient_no", "HIS2026000777").id == adm.patient.id


def test_a_notice_that_contradicts_the_patient_record_is_refused(client, session):
    world = factories.hospital(session)
    known = factories.patient(session, name="诸葛亮", birth=date(1981, 7, 23))
    auth = _auth()
    wrong_name = client.post(
        "/api/v1/his/admission-notices", json=_notice(world, known.resident_id, name="司马懿"), headers=auth
    )
    assert wrong_name.status_code == 409 and wrong_name.json()["code"] == "patient_mismatch"
    wrong_birth = client.post(
        "/api/v1/his/admission-notices",
        json=_notice(world, known.resident_id, name="诸葛亮", birth_date="1981-07-24"),
        headers=auth,
    )
    assert wrong_birth.status_code == 422 and wrong_birth.json()["code"] == "birth_date_mismatch"
    bad_id = client.post(
        "/api/v1/his/admission-notices",
        json=_notice(
            world, known.resident_id[:-1] + ("1" if known.resident_id[-1] != "1" else "2"), name="诸葛亮"
        ),
        headers=auth,
    )
    assert bad_id.status_code == 422 and bad_id.json()["code"] == "invalid_resident_id"
    right = client.post(
        "/api/v1/his/admission-notices",
        json=_notice(world, known.resident_id, name="诸葛亮", birth_date="1981-07-23"),
        headers=auth,
    )
    assert right.status_code == 201 and right.json()["patient_id"] == known.id
    with DATABASE.session() as s:
        assert s.scalar(select(func.count()).select_from(Patient)) == 1
        assert s.scalar(select(func.count()).select_from(AdmissionNotice)) == 1


def test_without_the_setting_an_unknown_patient_is_still_refused(client, session, monkeypatch):
    from bedside.settings import get_settings

    monkeypatch.setenv("BEDSIDE_HIS_RECORD", "")
    get_settings.cache_clear()
    world = factories.hospital(session)
    r = client.post(
        "/api/v1/his/admission-notices",
        json=_notice(world, factories.make_resident_id(), name="张飞", inpatient_no="HIS0001"),
        headers=_auth(),
    )
    assert r.status_code == 404 and r.json()["code"] == "patient_not_found"
    feed = client.post(
        "/api/v1/his/patients",
        json={"message_id": "p-off", "resident_id": factories.make_resident_id(), "name": "张飞"},
        headers=_auth(["patients"]),
    )
    assert feed.status_code == 409 and feed.json()["code"] == "his_not_system_of_record"


def test_patient_feed_creates_updates_and_is_idempotent_by_message_id(client, session):
    auth = _auth(["patients"])
    rid = factories.make_resident_id(date(1990, 1, 2))
    created = client.post(
        "/api/v1/his/patients", json={"message_id": "p-1", "resident_id": rid, "name": "关羽"}, headers=auth
    )
    assert created.status_code == 200 and created.json()["result"]["outcome"] == "created"
    resent = client.post(
        "/api/v1/his/patients", json={"message_id": "p-1", "resident_id": rid, "name": "关羽"}, headers=auth
    )
    assert resent.json()["replayed"] is True and resent.json()["result"] == created.json()["result"]
    reused = client.post(
        "/api/v1/his/patients", json={"message_id": "p-1", "resident_id": rid, "name": "关云长"}, headers=auth
    )
    assert reused.status_code == 409 and reused.json()["code"] == "message_id_reused"
    updated = client.post(
        "/api/v1/his/patients",
        json={"message_id": "p-2", "resident_id": rid, "name": "关云长", "phone": "13700002222"},
        headers=auth,
    )
    assert updated.json()["result"] == {
        "patient_id": created.json()["result"]["patient_id"],
        "outcome": "updated",
        "changed": ["name", "phone"],
    }
    bad = client.post(
        "/api/v1/his/patients",
        json={"message_id": "p-3", "resident_id": rid, "name": "关羽", "phone": "12345"},
        headers=auth,
    )
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_phone"
    with DATABASE.session() as s:
        p = patients.by_resident_id(s, rid)
        assert (p.name, p.phone) == ("关云长", "13700002222")
        assert (
            s.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "patient.update")
            )
            == 1
        )


def test_merge_moves_stays_accounts_and_cards_to_the_survivor(client, session):
    world = factories.hospital(session)
    doctor = staff_service.actor_for(factories.staff(session, "dr.merge", "doctor"))
    survivor = factories.patient(session, name="刘备", phone="13600000001")
    merged = factories.patient(session, name="刘玄德", phone="13600000002")
    own = factories.account_for(session, "13600000001", survivor)
    theirs = factories.account_for(session, "13600000002", merged)
    both = factories.account_for(session, "13600000003", survivor, merged, relation="child")
    patients.add_credential(session, SYSTEM, merged.id, "health_card", "HC-0099")
    from bedside.admissions import service as admissions
    from bedside.admissions.schemas import NoticeIn

    notice = admissions.issue(
        session,
        doctor,
        NoticeIn(
            patient_id=merged.id,
            department_id=world.department.id,
            diagnosis="胃炎",
            expected_date=local_today(),
        ),
    )
    auth = _auth(["patients"])
    body = {
        "message_id": "m-1",
        "survivor_resident_id": survivor.resident_id,
        "merged_resident_id": merged.resident_id,
    }
    r = client.post("/api/v1/his/patients/merge", json=body, headers=auth)
    assert r.status_code == 200, r.text
    assert r.json()["result"]["moved"]["admission_notices"] == 1
    assert client.post("/api/v1/his/patients/merge", json=body, headers=auth).json()["replayed"] is True
    with DATABASE.session() as s:
        assert s.get(AdmissionNotice, notice.id).patient_id == survivor.id
        links = s.scalars(
            select(AccountPatient.account_id).where(AccountPatient.patient_id == survivor.id)
        ).all()
        # Its own account, the merged one's, and the family account once (its second link dropped).
        assert sorted(links) == sorted({own.id, theirs.id, both.id})
        assert not s.scalars(select(AccountPatient).where(AccountPatient.patient_id == merged.id)).all()
        card = s.scalar(select(PatientCredential).where(PatientCredential.value == "HC-0099"))
        assert card.patient_id == survivor.id
        assert patients.by_resident_id(s, body["merged_resident_id"]) is None
        audit = s.scalar(select(AuditEvent).where(AuditEvent.action == "patient.merge"))
        assert audit is not None and audit.entity_id == str(survivor.id)
    same = client.post(
        "/api/v1/his/patients/merge",
        json={**body, "message_id": "m-2", "merged_resident_id": survivor.resident_id},
        headers=auth,
    )
    assert same.status_code == 422 and same.json()["code"] == "merge_same_patient"


def test_discharge_order_and_orders_status_drive_ward_clearance(client, session):
    ip = admitted(session, insurance="self_pay")
    with DATABASE.session() as s:
        inpatient_no = s.get(AdmissionNotice, ip.notice_id).inpatient_no
    auth = _auth(["orders"])
    base = f"/api/v1/his/stays/{inpatient_no}"
    order = {"message_id": "d-1", "planned_date": local_today().isoformat(), "doctor": "王医生"}
    late = {**order, "message_id": "d-0", "planned_date": (local_today() + timedelta(days=40)).isoformat()}
    refused = client.post(f"{base}/discharge-order", json=late, headers=auth)
    assert refused.status_code == 422 and refused.json()["code"] == "invalid_planned_date"
    assert client.post("/api/v1/his/stays/NOPE1/discharge-order", json=order, headers=auth).status_code == 404
    r = client.post(f"{base}/discharge-order", json=order, headers=auth)
    assert r.status_code == 200 and r.json()["result"]["state"] == "ordered", r.text
    assert client.post(f"{base}/discharge-order", json=order, headers=auth).json()["replayed"] is True

    # Nothing reported yet: the nurse's ticks do not count.
    with DATABASE.session() as s:
        with pytest.raises(Conflict) as err:
            discharge.clear_ward(s, ip.nurse, ip.notice_id, no_pending_orders=True, charges_posted=True)
        assert err.value.params["missing"] == ["pending_orders", "charges_not_posted"]
    status = {"message_id": "o-1", "pending_orders": 2, "charges_closed": False}
    assert client.post(f"{base}/orders-status", json=status, headers=auth).status_code == 200
    assert (
        client.post(
            f"{base}/orders-status", json={**status, "message_id": "o-x", "pending_orders": -1}, headers=auth
        ).status_code
        == 422
    )
    with DATABASE.session() as s:
        with pytest.raises(Conflict) as err:
            discharge.clear_ward(s, ip.nurse, ip.notice_id)
        assert err.value.params["missing"] == ["pending_orders", "charges_not_posted"]
        s.rollback()
    status = {"message_id": "o-2", "pending_orders": 0, "charges_closed": False}
    assert client.post(f"{base}/orders-status", json=status, headers=auth).status_code == 200
    with DATABASE.session() as s:
        with pytest.raises(Conflict) as err:
            discharge.clear_ward(s, ip.nurse, ip.notice_id)
        assert err.value.params["missing"] == ["charges_not_posted"]
        s.rollback()
        with pytest.raises(InvalidInput):
            discharge.clear_ward(s, ip.nurse, ip.notice_id, override_reason="x")
        s.rollback()
    # The nurse overrides on the console with a reason: audited, on the transition too.
    from tests.helpers import staff_login

    token = staff_login(client, "nurse.w01")
    page = client.get(f"/console/stays/{ip.notice_id}")
    assert 'data-testid="his-pending-orders">0<' in page.text and 'name="no_pending_orders"' not in page.text
    reason = "HIS 结算接口故障，收费处已电话确认"
    done = client.post(
        f"/console/stays/{ip.notice_id}/discharge",
        data={"action": "clear_ward", "override_reason": reason, "csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    with DATABASE.session() as s:
        assert discharge.get(s, ip.notice_id).state == "ready_to_settle"
        audit = s.scalar(select(AuditEvent).where(AuditEvent.action == "discharge.clear_ward_override"))
        assert audit is not None and audit.detail["overridden"] == ["charges_not_posted"]
        assert audit.detail["reason"] == reason
        moved = s.scalar(select(DischargeTransition).where(DischargeTransition.action == "clear_ward"))
        assert moved.reason == reason


def test_clearance_passes_on_the_his_report_alone(client, session):
    ip = admitted(session, insurance="self_pay")
    with DATABASE.session() as s:
        inpatient_no = s.get(AdmissionNotice, ip.notice_id).inpatient_no
        discharge.order(s, ip.doctor, ip.notice_id, local_today())
    auth = _auth(["orders"])
    status = {"message_id": "o-9", "pending_orders": 0, "charges_closed": True}
    assert (
        client.post(f"/api/v1/his/stays/{inpatient_no}/orders-status", json=status, headers=auth).status_code
        == 200
    )
    with DATABASE.session() as s:
        assert discharge.charges_closed(s, ip.notice_id)
        assert discharge.clear_ward(s, ip.nurse, ip.notice_id).state == "ready_to_settle"
        assert not s.scalar(select(AuditEvent).where(AuditEvent.action == "discharge.clear_ward_override"))
