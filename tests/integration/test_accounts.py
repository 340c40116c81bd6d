"""Phone accounts: SMS codes, limits, and the consent needed to act for a patient."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bedside.accounts import service as accounts_service
from bedside.accounts.models import AccountPatient
from bedside.core.errors import Conflict, InvalidInput, RateLimited
from bedside.core.resident_id import check_digit
from tests import factories


def test_code_login_creates_the_account_once(session, sms):
    accounts_service.send_code(session, "13800001111")
    code = sms.last_code("13800001111")
    account, token = accounts_service.login(session, "13800001111", code)
    assert token and account.phone == "13800001111"
    with pytest.raises(accounts_service.OtpInvalid):
        accounts_service.login(session, "13800001111", code)  # one use


def test_wrong_codes_burn_the_code(session, sms, monkeypatch):
    accounts_service.send_code(session, "13800001112")
    code = sms.last_code("13800001112")
    for _ in range(5):
        with pytest.raises(accounts_service.OtpInvalid):
            accounts_service.login(session, "13800001112", "000000" if code != "000000" else "111111")
    with pytest.raises(accounts_service.OtpInvalid):
        accounts_service.login(session, "13800001112", code)


def test_resend_is_rate_limited(session, sms):
    accounts_service.send_code(session, "13800001113")
    with pytest.raises(RateLimited):
        accounts_service.send_code(session, "13800001113")


def test_invalid_phone_is_refused(session, sms):
    with pytest.raises(InvalidInput):
        accounts_service.send_code(session, "12345")


def _account_actor(session, sms, phone):
    accounts_service.send_code(session, phone)
    account, _ = accounts_service.login(session, phone, sms.last_code(phone))
    return accounts_service.actor_for(account)


def test_adding_a_new_patient_creates_the_record(session, sms):
    actor = _account_actor(session, sms, "13800002222")
    rid = factories.make_resident_id()
    patient = accounts_service.add_patient(session, actor, relation="self", name="赵六", resident_id=rid)
    assert patient.phone == "13800002222"
    assert accounts_service.require_patient(session, actor, patient.id).id == patient.id


def test_existing_patient_with_another_phone_needs_their_sms_consent(session, sms):
    factories.hospital(session)
    mother = factories.patient(session, name="钱秀英", phone="13900003333", male=False)
    actor = _account_actor(session, sms, "13800004444")
    with pytest.raises(accounts_service.ConsentRequired):
        accounts_service.add_patient(
            session, actor, relation="parent", name="钱秀英", resident_id=mother.resident_id
        )
    assert session.scalar(select(AccountPatient).where(AccountPatient.patient_id == mother.id)) is None
    with pytest.raises(accounts_service.OtpInvalid):
        accounts_service.add_patient(
            session,
            actor,
            relation="parent",
            name="钱秀英",
            resident_id=mother.resident_id,
            consent_code="999999x",
        )
    code = sms.last_code("13900003333")
    accounts_service.add_patient(
        session, actor, relation="parent", name="钱秀英", resident_id=mother.resident_id, consent_code=code
    )
    link = session.scalar(select(AccountPatient).where(AccountPatient.patient_id == mother.id))
    assert link is not None and link.consent == "sms_to_patient"


def test_name_must_match_the_hospital_record(session, sms):
    p = factories.patient(session, name="孙七", phone="13900005555")
    actor = _account_actor(session, sms, "13900005555")
    with pytest.raises(InvalidInput):
        accounts_service.add_patient(session, actor, relation="self", name="孙八", resident_id=p.resident_id)


def test_bad_resident_id_is_refused_and_nothing_changes(session, sms):
    actor = _account_actor(session, sms, "13800006666")
    bad = "11010519491231002" + ("1" if check_digit("11010519491231002") != "1" else "2")
    with pytest.raises(InvalidInput) as info:
        accounts_service.add_patient(session, actor, relation="self", name="周九", resident_id=bad)
    assert info.value.code == "invalid_resident_id"
    assert accounts_service.patients_of(session, actor.id) == []


def test_only_one_self_per_account(session, sms):
    actor = _account_actor(session, sms, "13800007777")
    accounts_service.add_patient(
        session, actor, relation="self", name="吴十", resident_id=factories.make_resident_id()
    )
    with pytest.raises(Conflict):
        accounts_service.add_patient(
            session, actor, relation="self", name="吴十一", resident_id=factories.make_resident_id()
        )
