"""The settlement split. Expected figures are worked out by hand in the comments; all amounts
are fen, rates basis points, and "half up" means (x × bp + 5000) // 10000."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bedside.insurance.mechanics import (
    ChargeLine,
    PersonState,
    Split,
    apply_rate,
    self_pay_split,
    split,
)
from bedside.insurance.schemes import (
    SCHEMES,
    LevelRule,
    Scheme,
    scheme_from_dict,
    scheme_to_dict,
)

# The test's own copies of the figures, so a change of the shipped defaults cannot silently
# change what these tests prove. Employee 3A: deductible 1,200 yuan, 85 %; 1A: 300 yuan, 95 %.
EMPLOYEE = scheme_from_dict(
    {
        "code": "employee",
        "name_zh": "职工基本医疗保险",
        "name_en": "Employee medical insurance",
        "levels": {
            "3A": {"deductible_fen": 120_000, "rate_bp": 8500},
            "1A": {"deductible_fen": 30_000, "rate_bp": 9500},
        },
        "b_self_ratio_bp": 1000,
        "annual_cap_fen": 50_000_000,
        "personal_account": True,
    }
)
# Resident 2A: deductible 600 yuan, 75 %; no personal account.
RESIDENT = scheme_from_dict(
    {
        "code": "resident",
        "name_zh": "城乡居民基本医疗保险",
        "name_en": "Resident medical insurance",
        "levels": {"2A": {"deductible_fen": 60_000, "rate_bp": 7500}},
        "b_self_ratio_bp": 1000,
        "annual_cap_fen": 30_000_000,
        "personal_account": False,
    }
)


def line(cls: str, amount: int, category: str = "西药费", code: str = "X") -> ChargeLine:
    return ChargeLine(code=code, name=code, category=category, insurance_class=cls, amount_fen=amount)  # type: ignore[arg-type]


def employee(balance: int = 0, year_paid: int = 0) -> PersonState:
    return PersonState("E0001", "employee", balance, year_paid)


# A mixed stay used by several tests: A 10,000.00, B 3,000.05, C 800.00 yuan.
MIXED = [
    line("A", 1_000_000, "西药费", "drug-a"),
    line("B", 300_005, "检查费", "ct"),
    line("C", 80_000, "卫生材料费", "stent"),
]


def test_deductible_not_reached():
    # A 50,000 + B 30,000 = total 80,000
    # B self part = 30,000 × 10 % = 3,000
    # in-policy = 50,000 + 30,000 − 3,000 = 77,000
    # deductible = min(120,000, 77,000) = 77,000 → base 0 → fund 0
    # patient share 80,000, all in-policy self share (3,000 + 77,000): the account pays it
    s = split([line("A", 50_000), line("B", 30_000)], EMPLOYEE, "3A", employee(balance=100_000))
    assert (s.total_fen, s.b_self_fen, s.in_policy_fen) == (80_000, 3_000, 77_000)
    assert (s.deductible_fen, s.base_fen, s.fund_fen, s.coinsurance_fen) == (77_000, 0, 0, 0)
    assert (s.personal_account_fen, s.cash_fen) == (80_000, 0)


def test_mixed_classes_employee_3a_account_sufficient():
    # total = 1,000,000 + 300,005 + 80,000 = 1,380,005
    # B self part = 300,005 × 1000 bp = 30,000.5 → half up → 30,001
    # in-policy = 1,000,000 + 300,005 − 30,001 = 1,270,004
    # deductible 120,000 → base = 1,150,004
    # fund = 1,150,004 × 85 % = 977,503.4 → 977,503; coinsurance = 1,150,004 − 977,503 = 172,501
    # patient share = 1,380,005 − 977,503 = 402,502
    #   = C 80,000 + B self 30,001 + deductible 120,000 + coinsurance 172,501
    # account may pay 402,502 − C 80,000 = 322,502 (balance 500,000 suffices); cash = C = 80,000
    s = split(MIXED, EMPLOYEE, "3A", employee(balance=500_000))
    assert s == Split(
        scheme_code="employee",
        hospital_level="3A",
        rate_bp=8500,
        total_fen=1_380_005,
        class_a_fen=1_000_000,
        class_b_fen=300_005,
        class_c_fen=80_000,
        b_self_fen=30_001,
        in_policy_fen=1_270_004,
        deductible_fen=120_000,
        base_fen=1_150_004,
        fund_fen=977_503,
        over_cap_fen=0,
        coinsurance_fen=172_501,
        personal_account_fen=322_502,
        cash_fen=80_000,
        categories={"西药费": 1_000_000, "检查费": 300_005, "卫生材料费": 80_000},
    )
    assert s.categories == {"西药费": 1_000_000, "检查费": 300_005, "卫生材料费": 80_000}
    assert s.patient_share_fen == 402_502


def test_account_short():
    # as above, but the balance is 100,000: account 100,000, cash = 402,502 − 100,000 = 302,502
    s = split(MIXED, EMPLOYEE, "3A", employee(balance=100_000))
    assert (s.fund_fen, s.personal_account_fen, s.cash_fen) == (977_503, 100_000, 302_502)


def test_account_not_used_when_patient_declines():
    s = split(MIXED, EMPLOYEE, "3A", employee(balance=500_000), use_personal_account=False)
    assert (s.personal_account_fen, s.cash_fen) == (0, 402_502)


def test_account_covering_class_c_when_the_scheme_allows():
    # the whole patient share 402,502 is eligible; balance 500,000 → no cash at all
    generous = dataclasses.replace(EMPLOYEE, account_covers_self_pay_items=True)
    s = split(MIXED, generous, "3A", employee(balance=500_000))
    assert (s.personal_account_fen, s.cash_fen) == (402_502, 0)


def test_resident_has_no_account():
    # resident 2A: B self 30,001 and in-policy 1,270,004 as before
    # deductible 60,000 → base 1,210,004; fund = 1,210,004 × 75 % = 907,503 exactly
    # coinsurance = 1,210,004 − 907,503 = 302,501
    # patient share = 1,380,005 − 907,503 = 472,502 = 80,000 + 30,001 + 60,000 + 302,501
    # no personal account in the scheme: all of it is cash, whatever a balance says
    s = split(MIXED, RESIDENT, "2A", PersonState("R0001", "resident", 99_999, 0))
    assert (s.deductible_fen, s.base_fen, s.fund_fen, s.coinsurance_fen) == (
        60_000,
        1_210_004,
        907_503,
        302_501,
    )
    assert (s.personal_account_fen, s.cash_fen) == (0, 472_502)


def test_fund_rounds_half_up():
    # A 120,010: deductible 120,000, base 10; fund = 10 × 85 % = 8.5 → 9; coinsurance 1
    s = split([line("A", 120_010)], EMPLOYEE, "3A", employee())
    assert (s.base_fen, s.fund_fen, s.coinsurance_fen, s.cash_fen) == (10, 9, 1, 120_001)


def test_annual_cap_already_reached():
    # A 1,000,000: deductible 120,000, base 880,000, uncapped fund = 880,000 × 85 % = 748,000
    # cap 50,000,000 − paid 50,000,000 = 0 left → fund 0, over-cap 748,000
    # coinsurance = 880,000 − 748,000 = 132,000; patient share 1,000,000 = 120,000 + 132,000 + 748,000
    s = split([line("A", 1_000_000)], EMPLOYEE, "3A", employee(year_paid=50_000_000))
    assert (s.fund_fen, s.over_cap_fen, s.coinsurance_fen, s.cash_fen) == (0, 748_000, 132_000, 1_000_000)
    # having been paid beyond the cap (a changed cap, a manual correction) leaves 0, not less
    beyond = split([line("A", 1_000_000)], EMPLOYEE, "3A", employee(year_paid=60_000_000))
    assert beyond == s


def test_annual_cap_partly_reached():
    # as above, but 49,500,000 paid this year: 500,000 left of the cap
    # fund = min(748,000, 500,000) = 500,000; over-cap 248,000; coinsurance 132,000
    # patient share = 1,000,000 − 500,000 = 500,000 = 120,000 + 132,000 + 248,000
    # the account (balance 600,000) may pay all of it: none of it is class C
    s = split([line("A", 1_000_000)], EMPLOYEE, "3A", employee(balance=600_000, year_paid=49_500_000))
    assert (s.fund_fen, s.over_cap_fen, s.coinsurance_fen) == (500_000, 248_000, 132_000)
    assert (s.personal_account_fen, s.cash_fen) == (500_000, 0)


def test_self_pay():
    # no scheme: total 10,000 + 20,000 + 5,000 = 35,000, all cash; the classes are still shown
    s = self_pay_split([line("A", 10_000), line("B", 20_000, "检查费"), line("C", 5_000, "床位费")])
    assert s.scheme_code is None
    assert (s.total_fen, s.cash_fen, s.fund_fen, s.personal_account_fen) == (35_000, 35_000, 0, 0)
    assert (s.class_a_fen, s.class_b_fen, s.class_c_fen) == (10_000, 20_000, 5_000)
    assert (s.b_self_fen, s.in_policy_fen, s.deductible_fen) == (0, 0, 0)
    assert s.categories == {"西药费": 10_000, "检查费": 20_000, "床位费": 5_000}


def test_reversal_lines_net_out():
    # A 50,000 − 20,000 = 30,000; B 10,000; C 3,000 − 3,000 = 0 → total 40,000 at employee 1A
    # B self part = 1,000; in-policy = 30,000 + 10,000 − 1,000 = 39,000
    # deductible 30,000 → base 9,000; fund = 9,000 × 95 % = 8,550; coinsurance 450
    # patient share = 40,000 − 8,550 = 31,450 = 1,000 + 30,000 + 450, all in policy → account
    lines = [
        line("A", 50_000, "西药费"),
        line("A", -20_000, "西药费"),
        line("B", 10_000, "检查费"),
        line("C", 3_000, "卫生材料费"),
        line("C", -3_000, "卫生材料费"),
    ]
    s = split(lines, EMPLOYEE, "1A", employee(balance=100_000))
    assert (s.total_fen, s.class_a_fen, s.class_c_fen) == (40_000, 30_000, 0)
    assert (s.in_policy_fen, s.deductible_fen, s.base_fen, s.fund_fen) == (39_000, 30_000, 9_000, 8_550)
    assert (s.coinsurance_fen, s.personal_account_fen, s.cash_fen) == (450, 31_450, 0)
    # a group that nets to nothing does not appear on the receipt
    assert s.categories == {"西药费": 30_000, "检查费": 10_000}
    netted = split(
        [line("A", 30_000), line("B", 10_000, "检查费")], EMPLOYEE, "1A", employee(balance=100_000)
    )
    assert dataclasses.replace(s, categories={}) == dataclasses.replace(netted, categories={})


@pytest.mark.parametrize(
    "lines",
    [
        [line("A", -100)],
        # the total is positive, but class B alone is not: a reversal without its original
        [line("A", 1_000), line("B", -50)],
        # classes fine, but one receipt group is below zero
        [line("A", 1_000, "西药费"), line("A", -500, "检查费")],
    ],
)
def test_net_negative_charges_are_refused(lines):
    with pytest.raises(ValueError, match="net negative charges"):
        split(lines, EMPLOYEE, "3A", employee())
    with pytest.raises(ValueError, match="net negative charges"):
        self_pay_split(lines)


@pytest.mark.parametrize("lines", [[], [line("A", 700), line("A", -700)]])
def test_zero_charges_give_an_all_zero_split(lines):
    s = split(lines, EMPLOYEE, "3A", employee(balance=10_000, year_paid=1_000))
    figures = {f.name: getattr(s, f.name) for f in dataclasses.fields(s) if f.name.endswith("_fen")}
    assert set(figures.values()) == {0}
    assert s.categories == {}


def test_unknown_level_and_wrong_scheme_are_errors():
    with pytest.raises(ValueError, match="hospital level '2A'"):
        split(MIXED, EMPLOYEE, "2A", employee())
    with pytest.raises(ValueError, match="insured under 'resident'"):
        split(MIXED, EMPLOYEE, "3A", PersonState("R1", "resident", 0, 0))


def test_charge_lines_take_integer_fen_only():
    with pytest.raises(ValueError):
        line("A", 1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        line("A", True)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        line("D", 100)
    with pytest.raises(ValueError):
        PersonState("E1", "employee", -1, 0)


def test_check_catches_a_split_that_does_not_add_up():
    good = split(MIXED, EMPLOYEE, "3A", employee(balance=500_000))
    with pytest.raises(AssertionError, match="fund \\+ account \\+ cash == total"):
        dataclasses.replace(good, cash_fen=good.cash_fen + 1).check()
    with pytest.raises(AssertionError, match="non-negative"):
        dataclasses.replace(good, over_cap_fen=-1).check()


def test_apply_rate():
    assert apply_rate(0, 8500) == 0
    assert apply_rate(1, 5000) == 1  # 0.5 → 1
    assert apply_rate(1, 4999) == 0
    assert apply_rate(3, 5000) == 2  # 1.5 → 2
    with pytest.raises(ValueError):
        apply_rate(-1, 100)


# -- schemes --


def test_default_schemes():
    emp, res, oor = SCHEMES["employee"], SCHEMES["resident"], SCHEMES["out_of_region"]
    assert emp.rule("3A") == LevelRule(120_000, 8500)
    assert emp.rule("2A") == LevelRule(80_000, 9000)
    assert emp.rule("1A") == LevelRule(30_000, 9500)
    assert (res.rule("3A").rate_bp, res.rule("2A").rate_bp, res.rule("1A").rate_bp) == (6000, 7500, 8500)
    assert emp.personal_account and not res.personal_account and not oor.personal_account
    assert oor.needs_window and not emp.needs_window and not res.needs_window
    assert not any(s.account_covers_self_pay_items for s in SCHEMES.values())
    for scheme in SCHEMES.values():
        assert scheme_from_dict(scheme_to_dict(scheme)) == scheme
        # a deductible never falls and a rate never rises as the hospital level goes up
        rules = [scheme.rule(level) for level in ("1A", "2B", "2A", "3B", "3A")]
        assert [r.deductible_fen for r in rules] == sorted(r.deductible_fen for r in rules)
        assert [r.rate_bp for r in rules] == sorted((r.rate_bp for r in rules), reverse=True)


def _config(**changes):
    config = scheme_to_dict(EMPLOYEE)
    config.update(changes)
    return config


@pytest.mark.parametrize(
    "config",
    [
        _config(b_self_ratio_bp=-1),
        _config(b_self_ratio_bp=10_001),
        _config(annual_cap_fen=-1),
        _config(annual_cap_fen=1.5),
        _config(levels={"3A": {"deductible_fen": -1, "rate_bp": 8500}}),
        _config(levels={"3A": {"deductible_fen": 0, "rate_bp": 10_001}}),
        _config(levels={"3A": {"deductible_fen": 0, "rate_bp": 85.0}}),
        _config(levels={"3A": {"deductible_fen": 0}}),
        _config(levels={}),
        _config(code="commercial"),
        _config(personal_account="yes"),
        _config(anual_cap_fen=1),  # a misspelt key
        _config(personal_account=False, account_covers_self_pay_items=True),
        {k: v for k, v in scheme_to_dict(EMPLOYEE).items() if k != "annual_cap_fen"},
    ],
)
def test_scheme_from_dict_rejects(config):
    with pytest.raises(ValueError):
        scheme_from_dict(config)


def test_scheme_from_dict_defaults_and_edges():
    config = _config(levels={"3A": {"deductible_fen": 0, "rate_bp": 10_000}})
    del config["account_covers_self_pay_items"], config["needs_window"]
    scheme = scheme_from_dict(config)
    assert scheme.rule("3A") == LevelRule(0, 10_000)
    assert scheme.account_covers_self_pay_items is False and scheme.needs_window is False
    with pytest.raises(TypeError):
        scheme.levels["3A"] = LevelRule(0, 0)  # type: ignore[index]


# -- properties --

CATEGORIES = ("西药费", "检查费", "卫生材料费")


@st.composite
def schemes(draw: st.DrawFn) -> Scheme:
    has_account = draw(st.booleans())
    return Scheme(
        code=draw(st.sampled_from(("employee", "resident", "out_of_region"))),
        name_zh="测试",
        name_en="Test",
        levels={
            "3A": LevelRule(
                deductible_fen=draw(st.integers(0, 300_000)),
                rate_bp=draw(st.integers(0, 10_000)),
            )
        },
        b_self_ratio_bp=draw(st.integers(0, 10_000)),
        annual_cap_fen=draw(st.integers(0, 100_000_000)),
        personal_account=has_account,
        account_covers_self_pay_items=has_account and draw(st.booleans()),
    )


@st.composite
def stays(draw: st.DrawFn) -> list[ChargeLine]:
    charges = draw(
        st.lists(
            st.builds(
                line,
                st.sampled_from(("A", "B", "C")),
                st.integers(0, 5_000_000),
                st.sampled_from(CATEGORIES),
            ),
            max_size=12,
        )
    )
    # Reversals of some charges, in part or in full, so every class and group stays >= 0.
    reversals = [
        dataclasses.replace(c, amount_fen=-draw(st.integers(0, c.amount_fen)))
        for c in charges
        if draw(st.booleans())
    ]
    return draw(st.permutations(charges + reversals))


@settings(max_examples=300, deadline=None)
@given(
    lines=stays(),
    scheme=schemes(),
    balance=st.integers(0, 10_000_000),
    year_paid=st.integers(0, 120_000_000),
    use_account=st.booleans(),
)
def test_split_identities_hold(lines, scheme, balance, year_paid, use_account):
    person = PersonState("P0001", scheme.code, balance, year_paid)
    s = split(lines, scheme, "3A", person, use_personal_account=use_account)
    s.check()
    remaining_cap = max(0, scheme.annual_cap_fen - year_paid)
    assert s.fund_fen + s.personal_account_fen + s.cash_fen == s.total_fen
    assert s.total_fen == sum(c.amount_fen for c in lines)
    assert s.fund_fen <= s.base_fen
    assert s.fund_fen <= remaining_cap
    assert s.fund_fen + s.over_cap_fen == apply_rate(s.base_fen, scheme.rule("3A").rate_bp)
    assert s.personal_account_fen <= balance
    if not (scheme.personal_account and use_account):
        assert s.personal_account_fen == 0
    if not scheme.account_covers_self_pay_items:
        # class C is never paid from the account
        assert s.cash_fen >= s.class_c_fen
    # the account pays as much as it may: either the balance or the eligible share runs out
    if scheme.personal_account and use_account:
        eligible = s.patient_share_fen if scheme.account_covers_self_pay_items else s.account_eligible_fen
        assert s.personal_account_fen == min(balance, eligible)
    # the order of the lines does not matter
    assert split(list(reversed(lines)), scheme, "3A", person, use_personal_account=use_account) == s


@given(lines=stays())
def test_self_pay_identities_hold(lines):
    s = self_pay_split(lines)
    assert s.cash_fen == s.total_fen == sum(c.amount_fen for c in lines)
    assert s.class_a_fen + s.class_b_fen + s.class_c_fen == s.total_fen
