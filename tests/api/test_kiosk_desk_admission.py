"""Admission without a phone, through the real app: at the kiosk (one form for the bed request,
details and insurance; the health questions with "none of these"; each step leads to the next)
and at the admission desk by a clerk (audited as entered for the patient); the nurse's part of
the assessment on the ward. Bad input changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bedside.admissions import beds, stay
from bedside.admissions.models import AdmissionNotice, AssessmentRecord
from bedside.core.audit import SYSTEM, AuditEvent
from bedside.kiosks import service as kiosks_service
from tests.conftest import DATABASE
from tests.helpers import csrf, kiosk_login, staff_login
from tests.integration.admissions.conftest import DETAILS, make_admission

FORM = {**DETAILS, "insurance_type": "resident", "room_preference": "any"}
NONE_OF_THESE = {"none_apply": "1", "height_cm": "160", "weight_kg": "55"}


def _kiosk(session):  # type: ignore[no-untyped-def]
    _, key = kiosks_service.register(
        session,
        SYSTEM,
        code="K-ADM",
        name="入院机",
        location="大厅",
        model="ZK",
        serial="S-ADM",
        modules=["id_reader", "pin_pad", "wristband_printer"],
    )
    return key


def test_kiosk_steps_lead_one_to_the_next(client, session):
    adm = make_admission(session)
    key = _kiosk(session)
    kiosk_login(client, key, adm.patient.resident_id)
    token = csrf(client, "/kiosk/patient")
    n = adm.notice.id
    # Nothing done yet: the stay page starts the first form.
    r = client.get(f"/kiosk/stays/{n}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/kiosk/stays/{n}/details"
    page = client.get(f"/kiosk/stays/{n}/details")
    assert page.status_code == 200 and 'data-testid="intake-bed"' in page.text
    # A card on the reader that is not the patient's: refused, nothing saved.
    r = client.post(
        f"/kiosk/stays/{n}/details",
        data={**FORM, "card_resident_id": "110101190001011237", "csrf_token": token},
    )
    assert r.status_code == 422 and 'data-code="id_card_not_patient"' in r.text
    # A bad field: refused, and neither the bed request nor the insurance is half-saved.
    r = client.post(f"/kiosk/stays/{n}/details", data={**FORM, "emergency_phone": "12", "csrf_token": token})
    assert r.status_code == 422
    with DATABASE.session() as s:
        notice = s.get(AdmissionNotice, n)
        assert notice.state == "issued" and notice.insurance_type is None and stay.details(s, n) is None
    r = client.post(
        f"/kiosk/stays/{n}/details",
        data={**FORM, "card_resident_id": adm.patient.resident_id, "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == f"/kiosk/stays/{n}/assessment"
    r = client.post(f"/kiosk/stays/{n}/assessment", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 422  # no answers, no "none of these"
    r = client.post(
        f"/kiosk/stays/{n}/assessment", data={**NONE_OF_THESE, "csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == f"/kiosk/deposit/{n}"
    with DATABASE.session() as s:
        notice = s.get(AdmissionNotice, n)
        assert notice.state == "bed_requested" and notice.insurance_type == "resident"
        ready = stay.readiness(s, notice)
        assert ready.details and ready.assessments
        padua = s.scalar(select(AssessmentRecord).where(AssessmentRecord.questionnaire == "padua_vte"))
        assert padua.answers["bmi"] == 21.5 and padua.answers["active_cancer"] == "no"
    # The stay page no longer redirects once only the deposit is left.
    assert client.get(f"/kiosk/stays/{n}", follow_redirects=False).status_code == 200


def test_another_patients_stay_is_not_found_at_the_kiosk(client, session):
    adm = make_admission(session)
    from bedside.admissions import service as admissions_service
    from bedside.admissions.schemas import NoticeIn
    from tests import factories

    stranger = factories.patient(session, name="黄忠", phone="13600000012")
    other = admissions_service.issue(
        session,
        SYSTEM,
        NoticeIn(
            patient_id=stranger.id,
            department_id=adm.world.department.id,
            diagnosis="肺炎",
            expected_date=factories.tomorrow(),
        ),
    )
    key = _kiosk(session)
    kiosk_login(client, key, adm.patient.resident_id)
    token = csrf(client, "/kiosk/patient")
    for path in ("details", "assessment"):
        assert client.get(f"/kiosk/stays/{other.id}/{path}").status_code == 404
        r = client.post(f"/kiosk/stays/{other.id}/{path}", data={**FORM, "csrf_token": token})
        assert r.status_code == 404


@pytest.fixture
def clerk_done(client, session):  # type: ignore[no-untyped-def]
    adm = make_admission(session)
    token = staff_login(client, "clerk.bed")
    n = adm.notice.id
    r = client.post(f"/console/desk/stays/{n}/details", data={**FORM, "csrf_token": token})
    assert r.status_code == 200, r.text
    answers = {"morse_fall.history_of_falling": "yes", "morse_fall.secondary_diagnosis": "no"}
    answers |= {"morse_fall.ambulatory_aid": "none_bed_rest_nurse_assist", "height_cm": "170"}
    answers |= {"weight_kg": "60"} | {
        f"padua_vte.{k}": "no"
        for k in ("active_cancer", "previous_vte", "known_thrombophilia", "recent_trauma_or_surgery")
    }
    r = client.post(f"/console/desk/stays/{n}/assessment", data={**answers, "csrf_token": token})
    assert r.status_code == 422 and 'data-field="hormonal_treatment"' in r.text  # one left out
    answers["padua_vte.hormonal_treatment"] = "no"
    r = client.post(f"/console/desk/stays/{n}/assessment", data={**answers, "csrf_token": token})
    assert r.status_code == 200
    return adm, token


def test_the_clerk_enters_the_steps_for_the_patient_audited(client, session, clerk_done):
    adm, token = clerk_done
    n = adm.notice.id
    with DATABASE.session() as s:
        notice = s.get(AdmissionNotice, n)
        assert notice.state == "bed_requested" and stay.readiness(s, notice).assessments
        rows = s.scalars(select(AuditEvent).where(AuditEvent.action == "admission.entered_for_patient")).all()
        assert {r.detail["step"] for r in rows} == {"details", "assessment"}
        assert all(r.actor_kind == "staff" and r.patient_id == adm.patient.id for r in rows)
        beds.assign(s, adm.clerk, n, adm.world.beds[0].id)
    page = client.get(f"/console/desk/stays/{n}")
    assert 'data-state="registered"' in page.text
    # A deposit without a method, or an amount out of range: refused, no order.
    r = client.post(
        f"/console/desk/stays/{n}/deposit",
        data={"amount": "2000", "method": "", "request_key": "desk-key-0001", "csrf_token": token},
    )
    assert r.status_code == 422 and 'data-code="invalid_method"' in r.text
    r = client.post(
        f"/console/desk/stays/{n}/deposit",
        data={"amount": "-5", "method": "card", "request_key": "desk-key-0002", "csrf_token": token},
    )
    assert r.status_code == 422
    r = client.post(f"/console/desk/stays/{n}/admit", data={"csrf_token": token})
    assert r.status_code == 409 and 'data-code="deposit_below_minimum"' in r.text


def test_desk_and_nurse_screens_refuse_other_roles(client, session):
    adm = make_admission(session)
    from tests import factories

    factories.staff(session, "cash.ier", "cashier")
    staff_login(client, "cash.ier")
    for path in (
        "/console/desk",
        f"/console/desk/stays/{adm.notice.id}",
        f"/console/stays/{adm.notice.id}/assessment",
    ):
        assert client.get(path).status_code == 403


def test_the_nurse_completes_her_part_after_admission(client, session, clerk_done):
    adm, _ = clerk_done
    n = adm.notice.id
    with DATABASE.session() as s:
        beds.assign(s, adm.clerk, n, adm.world.beds[0].id)
        s.get(AdmissionNotice, n).state = "admitted"  # the admission itself is tested elsewhere
        s.commit()
    client.post("/console/logout", data={"csrf_token": csrf(client, "/console/")})
    token = staff_login(client, "nurse.w01")
    page = client.get(f"/console/stays/{n}/assessment")
    assert page.status_code == 200 and 'data-testid="kept-bmi"' in page.text
    nurse = {
        "morse_fall.iv_or_heparin_lock": "yes",
        "morse_fall.gait": "weak",
        "morse_fall.mental_status": "oriented_to_own_ability",
        "padua_vte.reduced_mobility": "no",
        "padua_vte.heart_or_respiratory_failure": "no",
        "padua_vte.acute_mi_or_ischemic_stroke": "no",
    }
    r = client.post(f"/console/stays/{n}/assessment", data={**nurse, "csrf_token": token})
    assert r.status_code == 422  # acute infection left out
    nurse["padua_vte.acute_infection_or_rheumatologic"] = "no"
    # The patient's answers come back with the form (prefilled on the page).
    patient = {
        "morse_fall.history_of_falling": "yes",
        "morse_fall.secondary_diagnosis": "no",
        "morse_fall.ambulatory_aid": "none_bed_rest_nurse_assist",
        "padua_vte.bmi": "20.8",
    } | {
        f"padua_vte.{k}": "no"
        for k in (
            "active_cancer",
            "previous_vte",
            "known_thrombophilia",
            "recent_trauma_or_surgery",
            "hormonal_treatment",
        )
    }
    r = client.post(
        f"/console/stays/{n}/assessment",
        data={**patient, **nurse, "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    with DATABASE.session() as s:
        done = stay.assessments(s, n)
        assert done["morse_fall"].complete and done["morse_fall"].score == 25 + 20 + 10
        assert done["padua_vte"].complete
