"""Money fixtures: a patient with an issued admission notice (the stay) and the sandbox."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bedside.accounts.models import Account
from bedside.admissions import service as admissions_service
from bedside.admissions.models import AdmissionNotice
from bedside.admissions.schemas import NoticeIn
from bedside.core.audit import Actor
from bedside.patients.models import Patient
from bedside.payments import registry
from bedside.staff import service as staff_service
from tests import factories


@dataclass
class Stay:
    patient: Patient
    notice: AdmissionNotice
    phone_account: Account
    actor: Actor


@pytest.fixture(autouse=True)
def _fresh_adapters():
    registry.reset()  # the sandbox keys live in the (emptied) database; re-read them
    yield
    registry.reset()


@pytest.fixture
def stay(session) -> Stay:
    return make_stay(session)


def make_stay(session) -> Stay:  # type: ignore[no-untyped-def]
    world = factories.hospital(session)
    doctor = factories.staff(session, "dr.pay", "doctor", department_id=world.department.id)
    patient = factories.patient(session, phone="13600000001")
    account = factories.account_for(session, "13600000001", patient)
    notice = admissions_service.issue(
        session,
        staff_service.actor_for(doctor),
        NoticeIn(
            patient_id=patient.id,
            department_id=world.department.id,
            diagnosis="冠心病",
            expected_date=factories.tomorrow(),
        ),
    )
    actor = Actor(kind="account", id=account.id, label="138****0001")
    return Stay(patient, notice, account, actor)
