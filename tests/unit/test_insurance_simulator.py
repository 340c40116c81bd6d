"""The built-in platform simulator: inpatient transactions 2401/2301/2302/2303/2304/2305/2402.
Expected splits are worked out by hand in the comments (fen; half up = (x × bp + 5000) // 10000)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from bedside.insurance.mechanics import PersonState
from bedside.insurance.platform import (
    AdmissionRegistration,
    DischargeRegistration,
    FeeDetail,
    FeeDetailCancel,
    FeeDetailUpload,
    Platform,
    PlatformError,
    PreSettlementRequest,
    SettlementRequest,
    SettlementReversal,
    fen_to_yuan,
    yuan_to_fen,
)
from bedside.insurance.schemes import scheme_from_dict
from bedside.simulators.insurance_books import InMemoryStore, PlatformSimulator


def _scheme(code: str, deductible: int, rate: int, cap: int, account: bool):
    return scheme_from_dict(
        {
            "code": code,
            "name_zh": code,
            "name_en": code,
            "levels": {"3A": {"deductible_fen": deductible, "rate_bp": rate}},
            "b_self_ratio_bp": 1000,
            "annual_cap_fen": cap,
            "personal_account": account,
        }
    )


# Employee 3A: deductible 1,200 yuan, 85 %, B self part 10 %, cap 500,000 yuan, with account.
# Resident 3A: deductible 1,000 yuan, 60 %, B self part 10 %, cap 300,000 yuan, no account.
SCHEMES = {
    "employee": _scheme("employee", 120_000, 8500, 50_000_000, True),
    "resident": _scheme("resident", 100_000, 6000, 30_000_000, False),
}
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
ADMITTED = NOW - timedelta(days=7)


@pytest.fixture
def sim() -> PlatformSimulator:
    simulator = PlatformSimulator(hospital_level="3A", schemes=SCHEMES, clock=lambda: NOW)
    simulator.enroll(PersonState("E0001", "employee", 500_000, 0))
    simulator.enroll(PersonState("R0001", "resident", 0, 0))
    return simulator


def fee(
    sn: str,
    cls: str,
    amount: int,
    *,
    category: str = "西药费",
    code: str | None = None,
    init: str | None = None,
) -> FeeDetail:
    count = Decimal(1 if amount >= 0 else -1)
    return FeeDetail(
        feedetl_sn=sn,
        med_list_codg=code or f"item-{sn}",
        medins_list_codg=code or f"h-{sn}",
        item_name=code or f"item {sn}",
        category=category,
        insurance_class=cls,  # type: ignore[arg-type]
        det_item_fee_sumamt=amount,
        cnt=count,
        pric=abs(amount),
        fee_ocur_time=ADMITTED + timedelta(hours=1),
        init_feedetl_sn=init,
    )


# A 10,000.00 + B 3,000.05 + C 800.00 yuan = 13,800.05 yuan
MIXED = (
    fee("1", "A", 1_000_000),
    fee("2", "B", 300_005, category="检查费"),
    fee("3", "C", 80_000, category="卫生材料费"),
)


def admit(sim: PlatformSimulator, psn_no: str = "E0001", ipt_no: str = "ZY0001") -> str:
    return sim.register_admission(
        AdmissionRegistration(psn_no=psn_no, insutype="310", ipt_no=ipt_no, begntime=ADMITTED)
    ).mdtrt_id


def upload(sim: PlatformSimulator, mdtrt_id: str, *details: FeeDetail, psn_no: str = "E0001"):
    return sim.upload_fee_details(FeeDetailUpload(mdtrt_id, psn_no, details))


def pre(sim: PlatformSimulator, mdtrt_id: str, total: int, psn_no: str = "E0001", account: bool = True):
    return sim.pre_settle(
        PreSettlementRequest(psn_no=psn_no, mdtrt_id=mdtrt_id, medfee_sumamt=total, acct_used_flag=account)
    )


def settle(
    sim: PlatformSimulator,
    mdtrt_id: str,
    total: int,
    request_id: str,
    psn_no: str = "E0001",
    account: bool = True,
):
    return sim.settle(
        SettlementRequest(
            psn_no=psn_no,
            mdtrt_id=mdtrt_id,
            medfee_sumamt=total,
            acct_used_flag=account,
            request_id=request_id,
        )
    )


def reverse(sim: PlatformSimulator, mdtrt_id: str, setl_id: str, request_id: str, psn_no: str = "E0001"):
    return sim.reverse_settlement(
        SettlementReversal(psn_no=psn_no, mdtrt_id=mdtrt_id, setl_id=setl_id, request_id=request_id)
    )


def refused(code: str):
    return pytest.raises(PlatformError, match=f"^{code}")


def test_simulator_is_a_platform(sim):
    platform: Platform = sim
    assert platform is sim


def test_settle_reverse_and_settle_again(sim):
    mdtrt_id = admit(sim)
    upload(sim, mdtrt_id, *MIXED)

    # total = 1,380,005; B self part = 300,005 × 10 % = 30,000.5 → 30,001
    # in-policy = 1,000,000 + 300,005 − 30,001 = 1,270,004; deductible 120,000; base 1,150,004
    # fund = 1,150,004 × 85 % = 977,503.4 → 977,503
    # patient share = 1,380,005 − 977,503 = 402,502, of which class C 80,000 stays cash
    # account pays 402,502 − 80,000 = 322,502 from 500,000 → balance after 177,498
    quote = pre(sim, mdtrt_id, 1_380_005)
    assert quote.setl_id is None and quote.setl_time is None
    assert (quote.medfee_sumamt, quote.fulamt_ownpay_amt, quote.preselfpay_amt) == (1_380_005, 80_000, 30_001)
    assert (quote.inscp_scp_amt, quote.act_pay_dedc, quote.hifp_pay) == (1_270_004, 120_000, 977_503)
    assert (quote.fund_pay_sumamt, quote.psn_part_amt) == (977_503, 402_502)
    assert (quote.acct_pay, quote.psn_cash_pay, quote.balc) == (322_502, 80_000, 177_498)
    assert quote.split is not None and quote.split.coinsurance_fen == 172_501
    # a pre-settlement changes nothing
    assert sim.person("E0001") == PersonState("E0001", "employee", 500_000, 0)

    done = settle(sim, mdtrt_id, 1_380_005, "req-1")
    assert done.setl_id is not None and done.setl_time == NOW
    assert (done.hifp_pay, done.acct_pay, done.psn_cash_pay, done.balc) == (977_503, 322_502, 80_000, 177_498)
    assert sim.person("E0001") == PersonState("E0001", "employee", 177_498, 977_503)

    # retried with the same request id: the same answer, no second debit
    assert settle(sim, mdtrt_id, 1_380_005, "req-1") == done
    assert sim.person("E0001") == PersonState("E0001", "employee", 177_498, 977_503)
    # a new request on a settled visit is refused, and so are changes to its details
    with refused("already_settled"):
        settle(sim, mdtrt_id, 1_380_005, "req-2")
    with refused("already_settled"):
        pre(sim, mdtrt_id, 1_380_005)
    with refused("already_settled"):
        upload(sim, mdtrt_id, fee("4", "A", 100))
    with refused("already_settled"):
        sim.cancel_fee_details(FeeDetailCancel(mdtrt_id, "E0001", ("1",)))

    # the reversal gives back exactly what the settlement took
    undone = reverse(sim, mdtrt_id, done.setl_id, "rev-1")
    assert undone.init_setl_id == done.setl_id and undone.setl_id != done.setl_id
    assert (undone.medfee_sumamt, undone.hifp_pay, undone.fund_pay_sumamt) == (-1_380_005, -977_503, -977_503)
    assert (undone.acct_pay, undone.psn_cash_pay, undone.balc) == (-322_502, -80_000, 500_000)
    assert sim.person("E0001") == PersonState("E0001", "employee", 500_000, 0)
    assert reverse(sim, mdtrt_id, done.setl_id, "rev-1") == undone  # a retry
    with refused("already_reversed"):
        reverse(sim, mdtrt_id, done.setl_id, "rev-2")
    assert sim.person("E0001") == PersonState("E0001", "employee", 500_000, 0)

    # the details went with the settlement: nothing is on file until they are uploaded again
    with refused("total_mismatch"):
        settle(sim, mdtrt_id, 1_380_005, "req-3")
    # corrected charges, without the class C stent: total 1,300,005
    # B self part 30,001, in-policy 1,270,004, fund 977,503 as before
    # patient share = 1,300,005 − 977,503 = 322,502, all in policy → all from the account
    upload(sim, mdtrt_id, *MIXED[:2])
    again = settle(sim, mdtrt_id, 1_300_005, "req-3")
    assert again.setl_id not in (done.setl_id, undone.setl_id)
    assert (again.hifp_pay, again.acct_pay, again.psn_cash_pay, again.balc) == (977_503, 322_502, 0, 177_498)
    assert sim.person("E0001") == PersonState("E0001", "employee", 177_498, 977_503)
    # the first settlement is still answered for its own request id
    assert settle(sim, mdtrt_id, 1_380_005, "req-1") == done


def test_account_short(sim):
    # same stay, balance 100,000: account 100,000, cash = 402,502 − 100,000 = 302,502
    sim.enroll(PersonState("E0001", "employee", 100_000, 0))
    mdtrt_id = admit(sim)
    upload(sim, mdtrt_id, *MIXED)
    done = settle(sim, mdtrt_id, 1_380_005, "req-1")
    assert (done.acct_pay, done.psn_cash_pay, done.balc) == (100_000, 302_502, 0)
    assert sim.person("E0001") == PersonState("E0001", "employee", 0, 977_503)


def test_patient_declines_the_account(sim):
    mdtrt_id = admit(sim)
    upload(sim, mdtrt_id, *MIXED)
    done = settle(sim, mdtrt_id, 1_380_005, "req-1", account=False)
    assert (done.hifp_pay, done.acct_pay, done.psn_cash_pay, done.balc) == (977_503, 0, 402_502, 500_000)
    assert sim.person("E0001").personal_account_fen == 500_000


def test_resident_pays_cash(sim):
    # resident 3A: B self part 30,001, in-policy 1,270,004, deductible 100,000 → base 1,170,004
    # fund = 1,170,004 × 60 % = 702,002.4 → 702,002; coinsurance 468,002
    # patient share = 1,380,005 − 702,002 = 678,003 = 80,000 + 30,001 + 100,000 + 468,002,
    # all cash: the scheme has no personal account
    mdtrt_id = admit(sim, "R0001")
    upload(sim, mdtrt_id, *MIXED, psn_no="R0001")
    done = settle(sim, mdtrt_id, 1_380_005, "req-r", psn_no="R0001")
    assert (done.act_pay_dedc, done.hifp_pay, done.acct_pay, done.psn_cash_pay) == (
        100_000,
        702_002,
        0,
        678_003,
    )
    assert sim.person("R0001") == PersonState("R0001", "resident", 0, 702_002)


def test_annual_cap_across_visits_and_reversal(sim):
    # 49,500,000 already paid this year: 500,000 left of the cap
    sim.enroll(PersonState("E0001", "employee", 0, 49_500_000))
    first = admit(sim, ipt_no="ZY0001")
    upload(sim, first, fee("1", "A", 1_000_000))
    # A 1,000,000: deductible 120,000, base 880,000, uncapped fund 748,000
    # → fund 500,000 (the rest of the cap), patient 1,000,000 − 500,000 = 500,000 in cash
    one = settle(sim, first, 1_000_000, "req-1")
    assert (one.hifp_pay, one.psn_cash_pay) == (500_000, 500_000)
    assert one.split is not None and one.split.over_cap_fen == 248_000
    assert sim.person("E0001").year_fund_paid_fen == 50_000_000

    # a second stay in the same year finds the cap used up: fund 0, all 1,000,000 cash
    second = admit(sim, ipt_no="ZY0002")
    upload(sim, second, fee("1", "A", 1_000_000))
    assert (pre(sim, second, 1_000_000).hifp_pay, pre(sim, second, 1_000_000).psn_cash_pay) == (0, 1_000_000)

    # reversing the first stay gives its 500,000 back to the year's room under the cap
    reverse(sim, first, one.setl_id, "rev-1")
    assert sim.person("E0001").year_fund_paid_fen == 49_500_000
    assert pre(sim, second, 1_000_000).hifp_pay == 500_000


def test_fee_details_are_idempotent_per_serial_number(sim):
    mdtrt_id = admit(sim)
    first = upload(sim, mdtrt_id, *MIXED)
    assert [(r.feedetl_sn, r.chrgitm_lv, r.duplicate) for r in first.results] == [
        ("1", "01", False),
        ("2", "02", False),
        ("3", "03", False),
    ]
    again = upload(sim, mdtrt_id, *MIXED)
    assert all(r.duplicate for r in again.results)
    assert pre(sim, mdtrt_id, 1_380_005).medfee_sumamt == 1_380_005

    # a batch with one conflicting serial number is refused whole: "4" is not stored either
    with refused("detail_conflict"):
        upload(sim, mdtrt_id, fee("4", "A", 500), fee("1", "A", 999))
    assert pre(sim, mdtrt_id, 1_380_005).medfee_sumamt == 1_380_005
    with refused("total_mismatch"):
        pre(sim, mdtrt_id, 1_380_505)


def test_cancel_fee_details(sim):
    mdtrt_id = admit(sim)
    upload(sim, mdtrt_id, *MIXED)
    gone = sim.cancel_fee_details(FeeDetailCancel(mdtrt_id, "E0001", ("3", "no-such")))
    assert gone.cancelled == ("3",)
    assert pre(sim, mdtrt_id, 1_300_005).medfee_sumamt == 1_300_005
    # cancelling again is harmless (a retried 2302)
    assert sim.cancel_fee_details(FeeDetailCancel(mdtrt_id, "E0001", ("3",))).cancelled == ()
    # a cancelled serial number may be used again, with other content
    upload(sim, mdtrt_id, fee("3", "C", 1_000))
    assert pre(sim, mdtrt_id, 1_301_005).fulamt_ownpay_amt == 1_000
    everything = sim.cancel_fee_details(FeeDetailCancel(mdtrt_id, "E0001"))
    assert everything.cancelled == ("1", "2", "3")
    assert pre(sim, mdtrt_id, 0).medfee_sumamt == 0


def test_reversal_lines(sim):
    mdtrt_id = admit(sim)
    upload(
        sim, mdtrt_id, fee("1", "A", 50_000, code="drug"), fee("2", "C", 3_000, category="床位费", code="bed")
    )
    # 20,000 of the drug returned: A nets to 30,000
    upload(sim, mdtrt_id, fee("r1", "A", -20_000, code="drug", init="1"))
    assert pre(sim, mdtrt_id, 33_000).medfee_sumamt == 33_000

    with refused("invalid_detail"):  # no original named
        upload(sim, mdtrt_id, fee("r2", "A", -1_000, code="drug"))
    with refused("invalid_detail"):  # 20,000 of 50,000 reversed already: 30,001 is too much
        upload(sim, mdtrt_id, fee("r2", "A", -30_001, code="drug", init="1"))
    with refused("invalid_detail"):  # reverses the drug as if it were the bed
        upload(sim, mdtrt_id, fee("r2", "C", -3_000, category="床位费", code="bed", init="1"))
    with refused("invalid_detail"):  # unknown original
        upload(sim, mdtrt_id, fee("r2", "A", -1, code="drug", init="99"))
    with refused("invalid_detail"):  # a positive line cannot claim to reverse anything
        upload(sim, mdtrt_id, fee("r2", "A", 1, code="drug", init="1"))
    with refused("invalid_detail"):  # count and amount disagree in sign
        upload(sim, mdtrt_id, replace(fee("r2", "A", -1, code="drug", init="1"), cnt=Decimal(1)))

    # the rest of the drug, and the bed, in one batch: the stay nets to nothing
    upload(
        sim,
        mdtrt_id,
        fee("r2", "A", -30_000, code="drug", init="1"),
        fee("r3", "C", -3_000, category="床位费", code="bed", init="2"),
    )
    zero = pre(sim, mdtrt_id, 0)
    assert (zero.medfee_sumamt, zero.fund_pay_sumamt, zero.psn_cash_pay) == (0, 0, 0)

    # the original cannot go while its reversal lines stay; together they can
    with refused("invalid_detail"):
        sim.cancel_fee_details(FeeDetailCancel(mdtrt_id, "E0001", ("1",)))
    assert sim.cancel_fee_details(FeeDetailCancel(mdtrt_id, "E0001", ("1", "r1", "r2"))).cancelled == (
        "1",
        "r1",
        "r2",
    )
    assert pre(sim, mdtrt_id, 0).medfee_sumamt == 0


def test_admission_registration(sim):
    mdtrt_id = admit(sim)
    assert admit(sim) == mdtrt_id  # a retried 2401
    with refused("already_admitted"):
        admit(sim, ipt_no="ZY0002")
    with refused("unknown_person"):
        admit(sim, "NOBODY")
    # once the stay is settled the person may be admitted again
    settle(sim, mdtrt_id, 0, "req-1")
    assert admit(sim, ipt_no="ZY0002") != mdtrt_id


def test_visits_belong_to_their_person(sim):
    mdtrt_id = admit(sim)
    with refused("not_registered"):
        upload(sim, "MDT-nope", fee("1", "A", 100))
    with refused("not_registered"):
        upload(sim, mdtrt_id, fee("1", "A", 100), psn_no="R0001")
    with refused("not_registered"):
        pre(sim, mdtrt_id, 0, psn_no="R0001")


def test_discharge_registration(sim):
    mdtrt_id = admit(sim)
    out = DischargeRegistration(mdtrt_id=mdtrt_id, psn_no="E0001", endtime=NOW)
    assert sim.register_discharge(out).endtime == NOW
    assert sim.register_discharge(out).endtime == NOW  # a retry
    with refused("already_discharged"):
        sim.register_discharge(
            DischargeRegistration(mdtrt_id=mdtrt_id, psn_no="E0001", endtime=NOW + timedelta(hours=1))
        )
    other = admit(sim, "R0001")
    with refused("invalid_request"):
        sim.register_discharge(
            DischargeRegistration(mdtrt_id=other, psn_no="R0001", endtime=ADMITTED - timedelta(days=1))
        )
    # discharge before settlement is the usual order, and details may still follow it
    upload(sim, mdtrt_id, fee("1", "A", 100))
    assert settle(sim, mdtrt_id, 100, "req-1").psn_cash_pay == 0  # 100 under the deductible, from the account


def test_request_ids_are_not_reusable(sim):
    first = admit(sim)
    done = settle(sim, first, 0, "req-1")
    other = admit(sim, "R0001")
    with refused("request_id_reused"):
        settle(sim, other, 0, "req-1", psn_no="R0001")
    with refused("request_id_reused"):
        settle(sim, first, 0, "req-1", account=False)
    with refused("request_id_reused"):
        reverse(sim, first, done.setl_id, "req-1")


def test_reversing_what_does_not_exist(sim):
    first = admit(sim)
    other = admit(sim, "R0001")
    done = settle(sim, other, 0, "req-r", psn_no="R0001")
    with refused("no_such_settlement"):
        reverse(sim, first, "SET-nope", "rev-1")
    with refused("no_such_settlement"):  # a settlement of another visit
        reverse(sim, first, done.setl_id, "rev-1")


def test_state_lives_in_the_store():
    # two simulators over one store behave as one platform (as processes over one database)
    store = InMemoryStore()
    a = PlatformSimulator(store, schemes=SCHEMES, clock=lambda: NOW)
    b = PlatformSimulator(store, schemes=SCHEMES, clock=lambda: NOW)
    a.enroll(PersonState("E0001", "employee", 500_000, 0))
    mdtrt_id = admit(a)
    upload(b, mdtrt_id, *MIXED)
    done = settle(a, mdtrt_id, 1_380_005, "req-1")
    assert settle(b, mdtrt_id, 1_380_005, "req-1") == done
    assert b.person("E0001").personal_account_fen == 177_498


def test_construction_checks_the_configuration():
    with pytest.raises(ValueError, match="hospital level '2B'"):
        PlatformSimulator(hospital_level="2B", schemes=SCHEMES)
    with pytest.raises(ValueError, match="filed under"):
        PlatformSimulator(schemes={"resident": SCHEMES["employee"]})
    with pytest.raises(ValueError, match="no scheme"):
        PlatformSimulator(schemes=SCHEMES).enroll(PersonState("X1", "out_of_region", 0, 0))


def test_default_simulator_uses_the_shipped_schemes():
    # employee 3A defaults equal the test's figures above: the same mixed stay, same split
    sim = PlatformSimulator(clock=lambda: NOW)
    sim.enroll(PersonState("E0001", "employee", 500_000, 0))
    mdtrt_id = admit(sim)
    upload(sim, mdtrt_id, *MIXED)
    assert (pre(sim, mdtrt_id, 1_380_005).hifp_pay, pre(sim, mdtrt_id, 1_380_005).acct_pay) == (
        977_503,
        322_502,
    )


# -- wire conversion --


@pytest.mark.parametrize("fen, yuan", [(0, "0.00"), (1, "0.01"), (12_345, "123.45"), (-80_000, "-800.00")])
def test_fen_yuan_round_trip(fen, yuan):
    assert fen_to_yuan(fen) == Decimal(yuan) and str(fen_to_yuan(fen)) == yuan
    assert yuan_to_fen(Decimal(yuan)) == fen
    assert yuan_to_fen(yuan) == fen


def test_yuan_to_fen_refuses_floats_and_fractions_of_a_fen():
    assert yuan_to_fen(12) == 1_200
    for bad in (Decimal("0.001"), "1.005", "abc", "NaN", "Infinity"):
        with pytest.raises(ValueError):
            yuan_to_fen(bad)
    with pytest.raises(TypeError):
        yuan_to_fen(0.29)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        fen_to_yuan(1.5)  # type: ignore[arg-type]


def test_settlement_answer_check(sim):
    mdtrt_id = admit(sim)
    upload(sim, mdtrt_id, *MIXED)
    answer = pre(sim, mdtrt_id, 1_380_005)
    answer.check()
    with pytest.raises(ValueError, match="acct_pay"):
        replace(answer, psn_cash_pay=answer.psn_cash_pay + 1).check()
    with pytest.raises(ValueError, match="fund_pay_sumamt"):
        replace(answer, hifob_pay=1).check()


def test_requests_validate_their_fields():
    with pytest.raises(ValueError, match="timezone-aware"):
        AdmissionRegistration(psn_no="E1", insutype="310", ipt_no="ZY1", begntime=datetime(2026, 1, 1))  # noqa: DTZ001
    with pytest.raises(ValueError, match="request_id"):
        SettlementRequest(psn_no="E1", mdtrt_id="M1", medfee_sumamt=0, request_id="")
    with pytest.raises(ValueError, match="integer fen"):
        PreSettlementRequest(psn_no="E1", mdtrt_id="M1", medfee_sumamt=1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        fee("1", "D", 100)
