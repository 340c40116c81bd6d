"""Discharge settlement through the national insurance platform: Bedside's real client and
the bundled peer over HTTP (tests/insurance_peer.py), the platform's books read from the peer."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import func, select

from bedside.charges import service as charges
from bedside.connections import check_insurance
from bedside.core.clock import local_today
from bedside.core.errors import Conflict
from bedside.core.events import dispatch_pending
from bedside.discharge import service as discharge
from bedside.discharge.models import Settlement
from bedside.insurance import stays
from bedside.insurance.client import HsaPlatform
from bedside.insurance.models import InsuranceFeeDetail, InsuranceSettlement, InsuranceVisit
from bedside.insurance.platform import PlatformError
from bedside.settings import get_settings
from tests.conftest import DATABASE
from tests.integration.discharge.conftest import HIS, admitted, line, signature


def _ready(ip) -> None:  # type: ignore[no-untyped-def]
    with DATABASE.session() as s:
        discharge.order(s, ip.doctor, ip.notice_id, local_today())
        discharge.clear_ward(s, ip.nurse, ip.notice_id, no_pending_orders=True, charges_posted=True)
        if discharge.get(s, ip.notice_id).state == "ward_cleared":
            discharge.review(s, ip.officer, ip.notice_id, "approve")


def _psn(ip) -> str:  # type: ignore[no-untyped-def]
    with DATABASE.session() as s:
        return str(discharge.notices.get(s, ip.notice_id).insurance_no)


def _on_file(notice_id: int) -> dict[str, bool]:
    with DATABASE.session() as s:
        rows = s.scalars(select(InsuranceFeeDetail).where(InsuranceFeeDetail.notice_id == notice_id))
        return {r.feedetl_sn: r.on_file for r in rows}


def _settlements() -> int:
    with DATABASE.session() as s:
        return int(s.scalar(select(func.count()).select_from(Settlement)) or 0)


def _insured_stay(session, charged=((("1", "A", 600000, "bed")),)):  # type: ignore[no-untyped-def]
    ip = admitted(session)
    with DATABASE.session() as s:
        charges.post(s, HIS, ip.notice_id, [line(*c) for c in charged])
    _ready(ip)
    return ip


def test_stay_goes_through_the_platform_from_admission_to_discharge(session, platform):
    ip = admitted(session)
    dispatch_pending(DATABASE.session_factory)  # PatientAdmitted → 2401
    assert len(platform.calls("2401")) == 1
    with DATABASE.session() as s:
        mdtrt_id = s.scalar(select(InsuranceVisit.mdtrt_id).where(InsuranceVisit.notice_id == ip.notice_id))
    assert mdtrt_id and mdtrt_id.startswith("MDT")

    with DATABASE.session() as s:
        charges.post(
            s,
            HIS,
            ip.notice_id,
            [
                line("1", "A", 600000, "bed"),
                line("2", "B", 200000, "material"),
                line("3", "C", 50000, "lab"),
                line("4", "A", 10000, "western_drug", unit_price_fen=5000, quantity="2"),
            ],
        )
    dispatch_pending(DATABASE.session_factory)  # ChargesPosted → one 2301 batch
    assert len(platform.calls("2301")) == 1
    assert list(_on_file(ip.notice_id).values()) == [True] * 4
    with DATABASE.session() as s:
        charges.post(
            s,
            HIS,
            ip.notice_id,
            [
                line("3R", "C", -50000, "lab", reverses_his_line_id="3", quantity="-1", unit_price_fen=50000),
            ],
        )
    dispatch_pending(DATABASE.session_factory)
    # The reversal takes line 3 off the platform (2302) rather than uploading a negative line.
    assert len(platform.calls("2302")) == 1
    assert len(platform.calls("2301")) == 1
    assert sorted(_on_file(ip.notice_id).values()) == [False, True, True, True]

    _ready(ip)
    with DATABASE.session() as s:
        pre = discharge.pre_settle(s, ip.notice_id)
    # total 810,000: A 610,000, B 200,000 (10 % first = 20,000): in policy 790,000, deductible
    # 120,000, fund 85 % of 670,000 = 569,500; the account pays the 240,500 left.
    assert (pre.total_fen, pre.fund_fen, pre.personal_account_fen, pre.cash_fen) == (
        810000,
        569500,
        240500,
        0,
    )
    assert pre.refund_fen == 500000
    with DATABASE.session() as s:
        row = discharge.settle(s, ip.adm.me, ip.notice_id, signature(), "platform-settle-01")
        stored = s.scalar(select(InsuranceSettlement))
        assert row.setl_id is not None and row.setl_id.startswith("SET")
        assert (stored.setl_id, stored.mdtrt_id, stored.state) == (row.setl_id, mdtrt_id, "settled")
        assert (stored.fund_fen, stored.personal_account_fen, stored.cash_fen) == (569500, 240500, 0)
    assert platform.person(_psn(ip)) == (300000 - 240500, 569500)

    with DATABASE.session() as s:
        discharge.reverse(s, ip.cashier, ip.notice_id, "wrong bed days")
        assert s.scalar(select(InsuranceSettlement.state)) == "reversed"
    assert platform.person(_psn(ip)) == (300000, 0)
    assert not any(_on_file(ip.notice_id).values())  # the platform dropped them with the 2305

    with DATABASE.session() as s:
        again = discharge.settle(s, ip.adm.me, ip.notice_id, signature(), "platform-settle-02")
    assert again.setl_id != row.setl_id
    assert len(platform.calls("2301")) == 2  # the details went up again before the 2304
    assert platform.person(_psn(ip)) == (300000 - 240500, 569500)

    with DATABASE.session() as s:
        discharge.leave(s, ip.nurse, ip.notice_id)
    dispatch_pending(DATABASE.session_factory)  # Discharged → 2402
    assert len(platform.calls("2402")) == 1
    with DATABASE.session() as s:
        assert s.scalar(select(InsuranceVisit.discharge_registered_at)) is not None


def test_timeout_at_settlement_is_revoked_then_the_retry_settles_once(session, platform):
    ip = _insured_stay(session)
    before = None
    with DATABASE.session() as s:
        discharge.pre_settle(s, ip.notice_id)
    before = platform.person(_psn(ip))
    # The platform settles, but its answer comes after the client has given up.
    platform.fault("2304", "timeout_after", delay=3.0)
    with DATABASE.session() as s:
        with pytest.raises(Conflict) as err:
            discharge.settle(s, ip.adm.me, ip.notice_id, signature(), "platform-timeout-1")
    assert err.value.code == "insurance_unavailable"
    assert len(platform.calls("2601")) == 1  # the lost 2304 was revoked before the answer
    assert platform.person(_psn(ip)) == before
    assert _settlements() == 0
    with DATABASE.session() as s:
        row = discharge.settle(s, ip.adm.me, ip.notice_id, signature(), "platform-timeout-1")
        assert s.scalar(select(func.count()).select_from(InsuranceSettlement)) == 1
    assert row.setl_id
    fund, acct = row.fund_fen, row.personal_account_fen
    assert platform.person(_psn(ip)) == (before[0] - acct, before[1] + fund)


def test_a_platform_error_is_a_clear_message_and_settles_nothing(session, platform):
    ip = _insured_stay(session)
    platform.fault("2304", "error", message="医保中心系统繁忙")
    with DATABASE.session() as s:
        with pytest.raises(Conflict) as err:
            discharge.settle(s, ip.adm.me, ip.notice_id, signature(), "platform-error-01")
    assert err.value.code == "platform_refused"
    assert "医保中心系统繁忙" in err.value.params["reason"]
    assert "window" in err.value.message
    assert _settlements() == 0
    assert platform.person(_psn(ip)) == (300000, 0)
    platform.fault("2303", "timeout", delay=3.0)
    with DATABASE.session() as s:
        with pytest.raises(Conflict) as err:
            discharge.pre_settle(s, ip.notice_id)
    assert err.value.code == "insurance_unavailable"
    with DATABASE.session() as s:
        assert discharge.settle(s, ip.adm.me, ip.notice_id, signature(), "platform-error-01").setl_id


def test_self_pay_stays_never_reach_the_platform(session, platform):
    ip = admitted(session, insurance="self_pay")
    with DATABASE.session() as s:
        charges.post(s, HIS, ip.notice_id, [line("1", "A", 100000, "bed")])
    dispatch_pending(DATABASE.session_factory)
    _ready(ip)
    with DATABASE.session() as s:
        row = discharge.settle(s, ip.adm.me, ip.notice_id, signature(), "self-pay-settle-1")
    assert row.setl_id is None
    assert [c["infno"] for c in platform.calls() if c["infno"] != "9001"] == []


def test_bad_signatures_and_replayed_msgids_are_refused(platform):
    good = stays.client()
    assert good is not None
    for wrong in ({"paas_secret": "not-the-secret"}, {"sign_key": "not-the-key"}):
        client = HsaPlatform(dataclasses.replace(good.config, **wrong))
        with pytest.raises(PlatformError) as err:
            client.sign_in()
        assert err.value.code == "refused"
        assert "签名" in err.value.message
    msgid = good.new_msgid()
    good.call("9001", {"signIn": {"opter_no": "x"}}, msgid=msgid, sign_no="")
    with pytest.raises(PlatformError) as err:
        good.call("9001", {"signIn": {"opter_no": "x"}}, msgid=msgid, sign_no="")
    assert "报文ID重复" in err.value.message
    unsigned = HsaPlatform(good.config)
    with pytest.raises(PlatformError) as err:  # a transaction without a sign-in number
        unsigned.call("2303", {"data": {}}, sign_no="0")
    assert "签到" in err.value.message


def test_check_connections_signs_in(platform):
    check = check_insurance(get_settings())
    assert check.status == "ok", check.detail
    broken = check_insurance(get_settings().model_copy(update={"insurance_paas_secret": "wrong"}))
    assert broken.status == "failed"


def test_a_timeout_that_cannot_be_revoked_is_adopted_by_the_retry_not_doubled(session, platform):
    ip = _insured_stay(session)
    platform.fault("2304", "timeout_after", delay=3.0)
    platform.fault("2601", "http_503")
    with DATABASE.session() as s:
        with pytest.raises(Conflict) as err:
            discharge.settle(s, ip.adm.me, ip.notice_id, signature(), "platform-lost-0001")
    assert err.value.code == "insurance_unavailable"
    settled_on_platform = platform.person(_psn(ip))
    assert settled_on_platform != (300000, 0)  # the platform did settle
    with DATABASE.session() as s:
        row = discharge.settle(s, ip.adm.me, ip.notice_id, signature(), "platform-lost-0001")
        with pytest.raises(Conflict):  # and no other key settles the stay again
            discharge.settle(s, ip.adm.me, ip.notice_id, signature(), "platform-lost-0002")
    assert row.setl_id
    assert platform.person(_psn(ip)) == settled_on_platform
    assert len(platform.calls("2304")) == 2
