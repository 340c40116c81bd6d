"""Test clients signed in as one identity each (a phone account, a patient at the kiosk, a staff
member, nobody), each with the CSRF token its cookies call for."""

from __future__ import annotations

import secrets
from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from bedside.accounts.models import Account
from bedside.core import auth
from bedside.core.auth import keyed_digest
from bedside.kiosks import service as kiosks_service
from bedside.kiosks.models import Kiosk
from bedside.patients.models import Patient
from bedside.settings import get_settings
from bedside.staff.models import StaffUser
from bedside.web.deps import KIOSK_COOKIE, KIOSK_PATIENT_COOKIE, PHONE_COOKIE, STAFF_COOKIE
from bedside.web.security import ANON_COOKIE
from tests.conftest import DATABASE
from tests.reliability.world import World


class Signed:
    """A test client with one identity's cookies and the CSRF token that goes with them."""

    def __init__(self, app: FastAPI, label: str) -> None:
        self.label = label
        self.client = TestClient(app, base_url="http://testserver")
        self.client.cookies.set(ANON_COOKIE, secrets.token_urlsafe(24))

    @property
    def token(self) -> str:
        # From the cookie as it is now: a sign-in renews it.
        anon = self.client.cookies.get(ANON_COOKIE) or ""
        return keyed_digest(get_settings().secret_key, "csrf:" + anon)


def anonymous(app: FastAPI) -> Signed:
    return Signed(app, "anonymous")


def phone(app: FastAPI, phone_number: str) -> Signed:
    with DATABASE.session() as s:
        account = s.scalars(select(Account).where(Account.phone == phone_number)).one()
        token = auth.open_session(s, "account", account.id, timedelta(days=1))
        s.commit()
    signed = Signed(app, f"phone {phone_number}")
    signed.client.cookies.set(PHONE_COOKIE, token)
    return signed


def kiosk_patient(app: FastAPI, world: World, patient: Patient) -> Signed:
    with DATABASE.session() as s:
        device = s.get(Kiosk, world.kiosk.id)
        person = s.get(Patient, patient.id)
        assert device is not None and person is not None
        token = kiosks_service.open_patient_session(s, device, person, "resident_id", source="keypad")
        s.commit()
    signed = Signed(app, f"kiosk {patient.name}")
    signed.client.cookies.set(KIOSK_COOKIE, world.kiosk_key)
    signed.client.cookies.set(KIOSK_PATIENT_COOKIE, token)
    return signed


def staff(app: FastAPI, user: StaffUser) -> Signed:
    with DATABASE.session() as s:
        token = auth.open_session(s, "staff", user.id, timedelta(hours=8))
        s.commit()
    signed = Signed(app, f"staff {user.username}")
    signed.client.cookies.set(STAFF_COOKIE, token)
    return signed
