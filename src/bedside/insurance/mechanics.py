"""The settlement split, as pure functions over integer fen.

Order of the computation (the national platform's pipeline, parameters from `Scheme`):

1. net every class of the catalogue: class A (甲类), B (乙类), C (丙类, paid in full by the
   patient: 全自费); reversal lines carry negative amounts and net out against their original;
2. B self part (乙类先行自付) = B × b_self_ratio, rounded;
3. in-policy amount (政策范围内) = A + B − B self part;
4. deductible (起付线) = min(the level's deductible, in-policy);
5. reimbursable base = in-policy − deductible;
6. fund (统筹基金) = base × the level's rate, rounded, then limited to what is left of the
   annual cap (cap − already paid this year, never below 0); what the cap withholds is
   `over_cap_fen` and falls to the patient; `coinsurance_fen` is base − the uncapped fund;
7. patient's share = total − fund; the personal account pays from it up to its balance, but
   only the in-policy self share (deductible + coinsurance + B self part + over-cap) unless the
   scheme lets the account pay class C as well; cash is the rest.

Rounding: a fen amount times a rate in basis points is rounded half up to the whole fen,
((amount × bp + 5000) // 10000). Every operand is non-negative by then, so half up is also
half away from zero; it is applied twice (B self part, fund) and nowhere else, so all other
figures are exact sums and differences.

Not modelled: price caps on items (超限价自付, overlmt_selfpay), the large-amount and
serious-illness funds above the cap, medical assistance, and lower deductibles for a second
stay in the same year. The platform's answer, when real, is the authority."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Final, Literal

from bedside.insurance.schemes import BP_PER_WHOLE, Scheme

InsuranceClass = Literal["A", "B", "C"]
INSURANCE_CLASSES: Final = ("A", "B", "C")  # category_a / category_b / category_c


def apply_rate(amount_fen: int, rate_bp: int) -> int:
    """amount × rate, rounded half up to the fen. Only for non-negative operands."""
    if amount_fen < 0 or rate_bp < 0:
        raise ValueError("apply_rate takes non-negative amounts and rates")
    return (amount_fen * rate_bp + BP_PER_WHOLE // 2) // BP_PER_WHOLE


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class ChargeLine:
    """One itemized charge (费用明细) as it counts for insurance. A negative amount reverses
    an earlier line; the lines of a stay are netted, so the order does not matter."""

    code: str  # the national catalogue code (med_list_codg)
    name: str
    category: str  # the receipt group: 西药费, 检查费, …
    insurance_class: InsuranceClass
    amount_fen: int

    def __post_init__(self) -> None:
        if self.insurance_class not in INSURANCE_CLASSES:
            raise ValueError(f"insurance_class must be A, B or C, got {self.insurance_class!r}")
        if not _is_int(self.amount_fen):
            raise ValueError(f"amount_fen must be integer fen, got {self.amount_fen!r}")


@dataclass(frozen=True)
class PersonState:
    """What the platform knows of the insured person before this settlement."""

    insurance_no: str  # psn_no
    scheme_code: str
    personal_account_fen: int  # balance
    year_fund_paid_fen: int  # pooled fund already paid for this person this year

    def __post_init__(self) -> None:
        if not self.insurance_no:
            raise ValueError("insurance_no is required")
        for name in ("personal_account_fen", "year_fund_paid_fen"):
            value = getattr(self, name)
            if not _is_int(value) or value < 0:
                raise ValueError(f"{name} must be non-negative integer fen, got {value!r}")


@dataclass(frozen=True)
class Split:
    """Every figure of one settlement, so a screen or an audit can show how it came about.
    `scheme_code` None means self-pay (no insurance)."""

    scheme_code: str | None
    hospital_level: str | None
    rate_bp: int
    total_fen: int
    class_a_fen: int
    class_b_fen: int
    class_c_fen: int
    b_self_fen: int
    in_policy_fen: int
    deductible_fen: int
    base_fen: int
    fund_fen: int
    over_cap_fen: int
    coinsurance_fen: int
    personal_account_fen: int
    cash_fen: int
    # Net totals by receipt group, in first-seen order; groups that net to zero are left out.
    categories: dict[str, int] = field(default_factory=dict, hash=False)

    @property
    def patient_share_fen(self) -> int:
        return self.personal_account_fen + self.cash_fen

    @property
    def account_eligible_fen(self) -> int:
        """The in-policy self share: the part of the patient's share an account may pay."""
        return self.b_self_fen + self.deductible_fen + self.coinsurance_fen + self.over_cap_fen

    def check(self) -> None:
        """Raises AssertionError unless the figures add up. Explicit raises rather than
        `assert`, so the check survives `python -O`."""
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name.endswith("_fen") and (not _is_int(value) or value < 0):
                raise AssertionError(f"{f.name} must be non-negative integer fen, got {value!r}")
        if any(not _is_int(v) or v < 0 for v in self.categories.values()):
            raise AssertionError("category totals must be non-negative integer fen")
        identities = {
            "fund + account + cash == total": self.fund_fen + self.personal_account_fen + self.cash_fen
            == self.total_fen,
            "A + B + C == total": self.class_a_fen + self.class_b_fen + self.class_c_fen == self.total_fen,
            "categories add up to the total": sum(self.categories.values()) == self.total_fen,
            "deductible + base == in-policy": self.deductible_fen + self.base_fen == self.in_policy_fen,
            "fund + over-cap + coinsurance == base": self.fund_fen + self.over_cap_fen + self.coinsurance_fen
            == self.base_fen,
        }
        if self.scheme_code is not None:
            identities["A + B − B self part == in-policy"] = (
                self.class_a_fen + self.class_b_fen - self.b_self_fen == self.in_policy_fen
            )
            identities["C + in-policy self share + fund == total"] = (
                self.class_c_fen + self.account_eligible_fen + self.fund_fen == self.total_fen
            )
        else:
            identities["self-pay: all cash"] = self.cash_fen == self.total_fen
        broken = [name for name, holds in identities.items() if not holds]
        if broken:
            raise AssertionError(f"split does not add up: {'; '.join(broken)}")


def _net(lines: Iterable[ChargeLine]) -> tuple[dict[str, int], dict[str, int]]:
    by_class = dict.fromkeys(INSURANCE_CLASSES, 0)
    by_category: dict[str, int] = {}
    for line in lines:
        if not isinstance(line, ChargeLine):
            raise TypeError(f"expected ChargeLine, got {type(line).__name__}")
        by_class[line.insurance_class] += line.amount_fen
        by_category[line.category] = by_category.get(line.category, 0) + line.amount_fen
    # A class or receipt group below zero means a reversal without its original: settling
    # it would pay the patient back money nobody charged.
    negative = [f"class {c}" for c, v in by_class.items() if v < 0]
    negative += [f"category {c}" for c, v in by_category.items() if v < 0]
    if negative:
        raise ValueError(f"net negative charges: {', '.join(negative)}")
    return by_class, {c: v for c, v in by_category.items() if v != 0}


def split(
    lines: Iterable[ChargeLine],
    scheme: Scheme,
    hospital_level: str,
    person: PersonState,
    *,
    use_personal_account: bool = True,
) -> Split:
    """Splits a stay's charges under `scheme` at a hospital of `hospital_level` (see the
    module docstring for the order and the rounding). `use_personal_account` is the patient's
    choice (acct_used_flag); a scheme without accounts never uses one."""
    if person.scheme_code != scheme.code:
        raise ValueError(f"person is insured under {person.scheme_code!r}, not {scheme.code!r}")
    rule = scheme.rule(hospital_level)
    by_class, categories = _net(lines)
    a, b, c = by_class["A"], by_class["B"], by_class["C"]
    total = a + b + c

    b_self = apply_rate(b, scheme.b_self_ratio_bp)
    in_policy = a + b - b_self
    deductible = min(rule.deductible_fen, in_policy)
    base = in_policy - deductible
    uncapped = apply_rate(base, rule.rate_bp)
    remaining_cap = max(0, scheme.annual_cap_fen - person.year_fund_paid_fen)
    fund = min(uncapped, remaining_cap)
    over_cap = uncapped - fund
    coinsurance = base - uncapped

    patient_share = total - fund
    account = 0
    if scheme.personal_account and use_personal_account:
        eligible = patient_share if scheme.account_covers_self_pay_items else patient_share - c
        account = min(eligible, person.personal_account_fen)
    result = Split(
        scheme_code=scheme.code,
        hospital_level=hospital_level,
        rate_bp=rule.rate_bp,
        total_fen=total,
        class_a_fen=a,
        class_b_fen=b,
        class_c_fen=c,
        b_self_fen=b_self,
        in_policy_fen=in_policy,
        deductible_fen=deductible,
        base_fen=base,
        fund_fen=fund,
        over_cap_fen=over_cap,
        coinsurance_fen=coinsurance,
        personal_account_fen=account,
        cash_fen=patient_share - account,
        categories=categories,
    )
    result.check()
    return result


def self_pay_split(lines: Iterable[ChargeLine]) -> Split:
    """A patient without insurance (自费) pays everything in cash; the class totals are still
    reported because the fee list shows them."""
    by_class, categories = _net(lines)
    total = sum(by_class.values())
    result = Split(
        scheme_code=None,
        hospital_level=None,
        rate_bp=0,
        total_fen=total,
        class_a_fen=by_class["A"],
        class_b_fen=by_class["B"],
        class_c_fen=by_class["C"],
        b_self_fen=0,
        in_policy_fen=0,
        deductible_fen=0,
        base_fen=0,
        fund_fen=0,
        over_cap_fen=0,
        coinsurance_fen=0,
        personal_account_fen=0,
        cash_fen=total,
        categories=categories,
    )
    result.check()
    return result
