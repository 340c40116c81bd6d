"""Signing a patient in at a kiosk. A number alone never does: knowing someone's resident ID
or card number must not open their bill. What signs in is one of

- a card read the kiosk's device agent signed (the card is in the reader: card_reads),
- the one-use QR code the patient's signed-in phone shows,
- a typed inpatient number with the last six characters of the resident ID, or
- any other typed number with a code texted to the patient's phone on file.

Every failure counts against the kiosk's and the address's guess limits; every second factor
also against the patient's, so guesses spread over many kiosks still stop.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from bedside.accounts import service as accounts_service
from bedside.accounts.models import Account, AccountPatient, Relation
from bedside.core import audit, ratelimit
from bedside.core.auth import token_digest
from bedside.core.db import utcnow
from bedside.core.errors import DomainError, InvalidInput
from bedside.core.i18n import N_
from bedside.core.pii import mask_phone
from bedside.kiosks import card_reads
from bedside.kiosks.models import Kiosk, KioskLoginCode
from bedside.kiosks.service import (
    LOGIN_KINDS,
    PHONE_CODE_PREFIX,
    PHONE_QR,
    KioskLoginFailed,
    actor_for,
    count_failed_guess,
    limit_guesses,
    open_patient_session,
)
from bedside.patients import service as patients_service
from bedside.patients.models import CredentialKind, Patient
from bedside.settings import get_settings

KEYPAD = "keypad"
# Factors recorded in the audit row of the sign-in.
CARD_READ, PHONE_CODE, ID_LAST6, SMS_CODE = "card_read", "phone_qr", "id_last6", "sms_code"


class SmsCodeSent(DomainError):
    """Not a failure: the page asks for the code that was just texted."""

    status = 409
    code = "kiosk_code_sent"
    message = N_("A code was sent to the patient's phone %(phone)s. Type it to sign in.")


class NoPhoneOnFile(DomainError):
    status = 409
    code = "kiosk_no_phone"
    message = N_(
        "No phone is on file for this patient, so no code can be sent. Place the card on the "
        "reader, sign in with the inpatient number, or ask staff for help."
    )


def _second_factor_rule() -> ratelimit.Rule:
    return ratelimit.Rule(
        "kiosk_second_factor_patient",
        get_settings().rate_limit_kiosk_second_factor_per_patient,
        N_("Too many failed sign-ins for this patient. Please wait a few minutes or ask staff for help."),
        "kiosk_second_factor_limited",
    )


def _redeem_phone_code(session: Session, kiosk: Kiosk, scanned: str) -> Patient | None:
    if not scanned.startswith(PHONE_CODE_PREFIX):
        return None
    row = session.scalar(
        select(KioskLoginCode)
        .where(KioskLoginCode.code_hash == token_digest(scanned.removeprefix(PHONE_CODE_PREFIX)))
        .with_for_update()
    )
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        return None
    row.used_at, row.used_by_kiosk_id = utcnow(), kiosk.id
    return patients_service.get(session, row.patient_id)


def phone_for_code(session: Session, patient: Patient) -> str | None:
    """The patient's phone on file, else the phone of the account that is the patient's own."""
    if patient.phone:
        return patient.phone
    return session.scalar(
        select(Account.phone)
        .join(AccountPatient, AccountPatient.account_id == Account.id)
        .where(AccountPatient.patient_id == patient.id, AccountPatient.relation == Relation.SELF)
    )


def _failed(session: Session, kiosk: Kiosk, kind: str, patient: Patient | None = None) -> None:
    audit.record(session, actor_for(kiosk), "kiosk.patient_login_failed", "kiosk", kiosk.id, kind=kind)
    session.commit()
    count_failed_guess(kiosk)
    if patient is not None:
        ratelimit.limiter().count(_second_factor_rule(), str(patient.id))


def _check_id_last6(session: Session, kiosk: Kiosk, patient: Patient, kind: str, last6: str) -> None:
    last6 = (last6 or "").strip().upper()
    if not (
        patient.resident_id and len(last6) == 6 and secrets.compare_digest(patient.resident_id[-6:], last6)
    ):
        _failed(session, kiosk, kind, patient)
        raise KioskLoginFailed()


def _check_sms_code(
    session: Session, kiosk: Kiosk, patient: Patient, kind: str, code: str, locale: str
) -> None:
    phone = phone_for_code(session, patient)
    if not phone:
        raise NoPhoneOnFile()
    purpose = f"kiosk:{kiosk.id}:{patient.id}"
    if not code.strip():
        accounts_service.send_code(session, phone, purpose, locale)
        audit.record(
            session, actor_for(kiosk), "kiosk.login_code_sent", "patient", patient.id, patient_id=patient.id
        )
        session.commit()
        raise SmsCodeSent(params={"phone": mask_phone(phone)})
    try:
        accounts_service.verify_code(session, phone, purpose, code)
    except accounts_service.OtpInvalid:
        _failed(session, kiosk, kind, patient)
        raise


def patient_login(
    session: Session,
    kiosk: Kiosk,
    kind: str,
    value: str,
    id_last6: str | None = None,
    *,
    source: str = KEYPAD,
    read: str | None = None,
    sms_code: str | None = None,
    elderly: bool = False,
    locale: str = "zh_CN",
) -> tuple[Patient, str]:
    """Signs a patient in at this kiosk, or raises SmsCodeSent when a typed number needs the
    code just texted (the page then asks for it and sends everything again)."""
    if kind not in {k.value for k in LOGIN_KINDS} and kind != PHONE_QR:
        raise InvalidInput(N_("Unknown kind of card."), code="invalid_credential_kind")
    value = (value or "").strip().upper() if kind == CredentialKind.RESIDENT_ID else (value or "").strip()
    if not value:
        raise InvalidInput(N_("Fill in every field."), code="field_required", field="value")
    limit_guesses(kiosk)
    patient: Patient | None
    if kind == PHONE_QR:
        factor = PHONE_CODE
        patient = _redeem_phone_code(session, kiosk, value)
    elif read or source in card_reads.DEVICE_KINDS:
        factor = CARD_READ
        try:
            card_reads.verify(session, kiosk, read or "", source=source, kind=kind, value=value)
        except DomainError:
            session.rollback()
            _failed(session, kiosk, kind)
            raise
        patient = patients_service.find_by_credential(session, kind, value)
    else:
        source = KEYPAD
        patient = patients_service.find_by_credential(session, kind, value)
        if patient is not None:
            ratelimit.limiter().check(_second_factor_rule(), str(patient.id))
            if kind == CredentialKind.INPATIENT_NO:
                factor = ID_LAST6
                _check_id_last6(session, kiosk, patient, kind, id_last6 or "")
            else:
                factor = SMS_CODE
                _check_sms_code(session, kiosk, patient, kind, sms_code or "", locale)
    if patient is None:
        session.rollback()  # an unused read or phone code stays unspent
        _failed(session, kiosk, kind)
        raise KioskLoginFailed()
    token = open_patient_session(session, kiosk, patient, kind, source=source, elderly=elderly, factor=factor)
    session.commit()
    return patient, token
