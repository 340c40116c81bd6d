"""Phone login by one-time SMS code, and the patients an account may act for."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bedside.accounts.models import Account, AccountPatient, OtpCode, Relation
from bedside.accounts.sms import get_gateway
from bedside.accounts.sms import user_error as sms_user_error
from bedside.core import audit, ratelimit
from bedside.core.audit import Actor
from bedside.core.auth import close_session, keyed_digest, open_session
from bedside.core.db import utcnow
from bedside.core.errors import Conflict, DomainError, InvalidInput, NotFound, RateLimited
from bedside.core.i18n import N_, gettext
from bedside.core.pii import mask_phone
from bedside.patients import service as patients_service
from bedside.patients.models import Patient
from bedside.settings import get_settings
from bedside.sms.port import SmsError

SESSION_KIND = "account"
LOGIN = "login"


class OtpInvalid(DomainError):
    status = 422
    code = "otp_invalid"
    message = N_("The verification code is wrong or has expired.")


class ConsentRequired(DomainError):
    status = 409
    code = "consent_required"
    message = N_("A code was sent to the patient's phone %(phone)s. Enter it to confirm.")


def actor_for(account: Account) -> Actor:
    return Actor(kind="account", id=account.id, label=mask_phone(account.phone))


def _digest(phone: str, purpose: str, code: str) -> str:
    return keyed_digest(get_settings().secret_key, f"otp:{phone}:{purpose}:{code}")


def _send_rules() -> tuple[ratelimit.Rule, ratelimit.Rule]:
    settings = get_settings()
    return (
        ratelimit.Rule(
            "otp_send_address",
            settings.rate_limit_otp_send_per_address,
            N_("Too many codes were asked for from this network. Please try again in %(minutes)s minutes."),
            "otp_address_limit",
        ),
        # Every text costs the hospital money: a cap on all of them bounds what a script spread
        # over many addresses can send.
        ratelimit.Rule(
            "otp_send_total",
            settings.rate_limit_otp_send_total,
            N_("The hospital is sending too many codes right now. Please try again in %(minutes)s minutes."),
            "otp_total_limit",
        ),
    )


def _guess_rule() -> ratelimit.Rule:
    return ratelimit.Rule(
        "otp_guess_address",
        get_settings().rate_limit_otp_guess_per_address,
        N_("Too many wrong codes from this network. Please try again in %(minutes)s minutes."),
        "otp_guess_limit",
    )


def send_code(session: Session, phone: str, purpose: str = LOGIN, locale: str = "zh_CN") -> None:
    """Sends a 6-digit code, limited per number (resend wait and a daily cap), per client
    address and in total."""
    settings = get_settings()
    phone = patients_service.check_phone(phone)
    per_address, total = _send_rules()
    address = ratelimit.client_address()
    limiter = ratelimit.limiter()
    limiter.check(per_address, address)
    limiter.check(total)
    now = utcnow()
    last = session.scalar(select(func.max(OtpCode.created_at)).where(OtpCode.phone == phone))
    if last is not None and now - last < timedelta(seconds=settings.otp_resend_seconds):
        wait = settings.otp_resend_seconds - int((now - last).total_seconds())
        raise RateLimited(
            N_("Please wait %(seconds)s seconds before asking for another code."),
            code="otp_too_soon",
            params={"seconds": max(1, wait)},
            retry_after=max(1, wait),
        )
    sent_today = session.scalar(
        select(func.count())
        .select_from(OtpCode)
        .where(OtpCode.phone == phone, OtpCode.created_at > now - timedelta(days=1))
    )
    if (sent_today or 0) >= settings.otp_daily_limit:
        raise RateLimited(N_("Too many codes were sent to this number today."), code="otp_daily_limit")
    limiter.count(per_address, address)
    limiter.count(total)
    code = f"{secrets.randbelow(10**6):06d}"
    row = OtpCode(
        phone=phone,
        purpose=purpose,
        code_hash=_digest(phone, purpose, code),
        expires_at=now + timedelta(seconds=settings.otp_ttl_seconds),
    )
    session.add(row)
    session.commit()
    row_id = row.id
    minutes = settings.otp_ttl_seconds // 60
    text = gettext(
        locale,
        "[%(hospital)s] Your verification code is %(code)s, valid for %(minutes)s minutes. Do not share it.",
        hospital=settings.hospital_name,
        code=code,
        minutes=minutes,
    )
    try:
        get_gateway().send_login_code(phone, code, minutes=minutes, text=text)
    except SmsError as exc:
        # A code the provider did not send must not hold the number's resend wait or count
        # towards its daily cap; the per-address and total counts stay, as they bound abuse.
        session.execute(delete(OtpCode).where(OtpCode.id == row_id))
        session.commit()
        raise sms_user_error(exc) from exc


N_("[%(hospital)s] Your verification code is %(code)s, valid for %(minutes)s minutes. Do not share it.")


def _consume(session: Session, phone: str, purpose: str, code: str) -> None:
    settings = get_settings()
    guesses, address = _guess_rule(), ratelimit.client_address()
    ratelimit.limiter().check(guesses, address)
    now = utcnow()
    row = session.scalar(
        select(OtpCode)
        .where(
            OtpCode.phone == phone,
            OtpCode.purpose == purpose,
            OtpCode.used_at.is_(None),
            OtpCode.expires_at > now,
        )
        .order_by(OtpCode.created_at.desc())
        .limit(1)
        .with_for_update()
    )
    code = (code or "").strip()
    if row is None or row.attempts >= settings.otp_max_attempts:
        ratelimit.limiter().count(guesses, address)
        raise OtpInvalid(field="code")
    if not secrets.compare_digest(row.code_hash, _digest(phone, purpose, code)):
        ratelimit.limiter().count(guesses, address)
        row.attempts += 1
        session.commit()
        raise OtpInvalid(field="code")
    row.used_at = now


def verify_code(session: Session, phone: str, purpose: str, code: str) -> None:
    """Spends a code `send_code` sent for `purpose`, in the caller's transaction (the kiosk's
    second factor)."""
    _consume(session, phone, purpose, code)


def login(session: Session, phone: str, code: str) -> tuple[Account, str]:
    phone = patients_service.check_phone(phone)
    _consume(session, phone, LOGIN, code)
    now = utcnow()
    account = session.scalar(select(Account).where(Account.phone == phone))
    created = account is None
    if account is None:
        account = Account(phone=phone, verified_at=now)
        session.add(account)
        session.flush()
    account.last_login_at = now
    token = open_session(session, SESSION_KIND, account.id, timedelta(days=get_settings().phone_session_days))
    audit.record(
        session, actor_for(account), "account.create" if created else "account.login", "account", account.id
    )
    session.commit()
    return account, token


def logout(session: Session, actor: Actor, token: str | None) -> None:
    close_session(session, SESSION_KIND, token)
    audit.record(session, actor, "account.logout", "account", actor.id)
    session.commit()


def get(session: Session, account_id: int) -> Account:
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound()
    return account


def patients_of(session: Session, account_id: int) -> list[tuple[AccountPatient, Patient]]:
    rows = session.execute(
        select(AccountPatient, Patient)
        .join(Patient, Patient.id == AccountPatient.patient_id)
        .where(AccountPatient.account_id == account_id)
        .order_by(AccountPatient.relation != Relation.SELF, AccountPatient.id)
    )
    return [(link, patient) for link, patient in rows]


def patient_ids_of(session: Session, account_id: int) -> set[int]:
    return set(
        session.scalars(select(AccountPatient.patient_id).where(AccountPatient.account_id == account_id))
    )


def account_ids_for(session: Session, patient_id: int) -> set[int]:
    """Every account acting for the patient: their own and their proxies' (family members)."""
    return set(
        session.scalars(select(AccountPatient.account_id).where(AccountPatient.patient_id == patient_id))
    )


def require_patient(session: Session, actor: Actor, patient_id: int) -> Patient:
    """The patient, if this account acts for them; otherwise 'not found' (no existence leak)."""
    if actor.kind != "account" or patient_id not in patient_ids_of(session, actor.id or 0):
        raise NotFound(N_("Patient not found."), code="patient_not_found")
    return patients_service.get(session, patient_id)


def add_patient(
    session: Session,
    actor: Actor,
    *,
    relation: str,
    name: str,
    resident_id: str,
    phone: str | None = None,
    consent_code: str | None = None,
    locale: str = "zh_CN",
) -> Patient:
    """Links a patient to the account. An existing hospital patient whose phone on file is not
    this account's must confirm with a code sent to that phone (their consent)."""
    if relation not in {r.value for r in Relation}:
        raise InvalidInput(
            N_("Choose how you are related to the patient."), code="invalid_relation", field="relation"
        )
    account = get(session, actor.id or 0)
    rid = patients_service.check_resident_id(resident_id)
    clean_name = patients_service.check_name(name)
    links = patients_of(session, account.id)
    if relation == Relation.SELF and any(link.relation == Relation.SELF for link, _ in links):
        raise Conflict(N_("This account already has its own patient record."), code="self_exists")
    patient = patients_service.by_resident_id(session, rid)
    if patient is not None and any(p.id == patient.id for _, p in links):
        raise Conflict(N_("This patient is already on your list."), code="already_linked")
    if patient is None:
        own_phone = account.phone if relation == Relation.SELF else phone
        patient = patients_service.register(
            session, actor, name=clean_name, resident_id=rid, phone=own_phone or None, commit=False
        )
        consent = "new_record"
    else:
        if patient.name != clean_name:
            raise InvalidInput(
                N_("The name does not match the hospital's record for this ID."),
                code="name_mismatch",
                field="name",
            )
        if patient.phone == account.phone:
            consent = "same_phone"
        elif not patient.phone:
            raise Conflict(
                N_(
                    "This patient has no phone on file. Please link them at a staffed "
                    "window with their ID card."
                ),
                code="consent_at_window",
            )
        else:
            purpose = f"consent:{account.id}:{patient.id}"
            if not consent_code:
                send_code(session, patient.phone, purpose, locale)
                raise ConsentRequired(params={"phone": mask_phone(patient.phone)})
            _consume(session, patient.phone, purpose, consent_code)
            consent = "sms_to_patient"
    session.add(
        AccountPatient(account_id=account.id, patient_id=patient.id, relation=relation, consent=consent)
    )
    audit.record(
        session,
        actor,
        "account.add_patient",
        "patient",
        patient.id,
        patient_id=patient.id,
        relation=relation,
        consent=consent,
    )
    session.commit()
    return patient
