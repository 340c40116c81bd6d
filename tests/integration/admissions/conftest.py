"""Admission fixtures: a hospital with beds, a doctor, an admission center clerk, a patient
with a phone account and an issued notice."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bedside.accounts.models import Account
from bedside.admissions import service as admissions_service
from bedside.admissions.models import AdmissionNotice
from bedside.admissions.schemas import NoticeIn
from bedside.core.audit import Actor
from bedside.patients.models import Patient
from bedside.staff import service as staff_service
from tests import factories

MORSE_PATIENT = {"history_of_falling": "yes", "secondary_diagnosis": "yes", "ambulatory_aid": "furniture"}
PADUA_PATIENT = {
    "active_cancer": "no",
    "previous_vte": "no",
    "known_thrombophilia": "no",
    "recent_trauma_or_surgery": "no",
    "hormonal_treatment": "no",
}
DETAILS = {
    "address": "湖南省长沙市岳麓区麓山南路 1 号",
    "emergency_name": "张丽",
    "emergency_phone": "13912345678",
    "emergency_relation": "spouse",
    "occupation": "教师",
    "marital_status": "married",
    "allergies": "青霉素",
}


@dataclass
class Admission:
    world: factories.World
    patient: Patient
    notice: AdmissionNotice
    account: Account
    me: Actor
    clerk: Actor
    nurse: Actor


def make_admission(session, *, male: bool = True, kind: str = "elective", phone: str = "13600000011"):  # type: ignore[no-untyped-def]
    world = factories.hospital(session)
    doctor = factories.staff(session, "dr.adm", "doctor", department_id=world.department.id)
    clerk = factories.staff(session, "clerk.bed", "admission_center")
    nurse = factories.staff(session, "nurse.w01", "nurse")
    patient = factories.patient(session, name="赵云", phone=phone, male=male)
    account = factories.account_for(session, phone, patient)
    notice = admissions_service.issue(
        session,
        staff_service.actor_for(doctor),
        NoticeIn(
            patient_id=patient.id,
            department_id=world.department.id,
            diagnosis="冠心病",
            kind=kind,
            expected_date=factories.tomorrow(),
        ),
    )
    return Admission(
        world,
        patient,
        notice,
        account,
        Actor(kind="account", id=account.id, label="phone"),
        staff_service.actor_for(clerk),
        staff_service.actor_for(nurse),
    )


@pytest.fixture
def adm(session) -> Admission:
    return make_admission(session)
