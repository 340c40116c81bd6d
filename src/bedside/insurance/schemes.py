"""Reimbursement parameters of the insurance schemes a patient can settle under.

The numbers differ from city to city and change most years, so they are configuration:
`scheme_from_dict` loads a city's figures, and `SCHEMES` holds defaults that are typical of a
prefecture-level city's inpatient policy (they are not any one city's official figures).
Amounts are integer fen, rates integer basis points (10000 bp = 100 %)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final

BP_PER_WHOLE: Final = 10_000
SCHEME_CODES: Final = ("employee", "resident", "out_of_region")
# 三甲, 三乙, 二甲, 二乙, 一甲: the hospital levels every default scheme covers.
HOSPITAL_LEVELS: Final = ("3A", "3B", "2A", "2B", "1A")


def _int(value: Any, what: str) -> int:
    # bool is an int subclass and a float would smuggle in rounding: both are refused.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} must be an integer, got {value!r}")
    return value


def _non_negative(value: Any, what: str) -> int:
    if _int(value, what) < 0:
        raise ValueError(f"{what} must not be negative, got {value}")
    return int(value)


def _rate(value: Any, what: str) -> int:
    if _non_negative(value, what) > BP_PER_WHOLE:
        raise ValueError(f"{what} must be at most {BP_PER_WHOLE} bp (100 %), got {value}")
    return int(value)


@dataclass(frozen=True)
class LevelRule:
    """What one scheme pays at one hospital level."""

    deductible_fen: int  # 起付线, per stay
    rate_bp: int  # 统筹基金支付比例 (reimbursement_rate) above the deductible

    def __post_init__(self) -> None:
        _non_negative(self.deductible_fen, "deductible_fen")
        _rate(self.rate_bp, "rate_bp")


@dataclass(frozen=True)
class Scheme:
    code: str
    name_zh: str
    name_en: str
    # Read-only after construction; left out of the hash because a mapping proxy has none.
    levels: Mapping[str, LevelRule] = field(hash=False)
    b_self_ratio_bp: int  # 乙类先行自付比例: share of class B the patient pays before any split
    annual_cap_fen: int  # 年度统筹基金最高支付限额 (cap): most the pooled fund pays in a year
    personal_account: bool  # whether the scheme has a personal account (employees do)
    # Whether the account may also pay class C (全自费) items; most cities say no.
    account_covers_self_pay_items: bool = False
    # Settlement goes through the cross-region platform, which many hospitals run only at a
    # staffed window; Bedside then shows an estimate and sends the patient there.
    needs_window: bool = False

    def __post_init__(self) -> None:
        if self.code not in SCHEME_CODES:
            raise ValueError(f"unknown scheme code {self.code!r}; expected one of {SCHEME_CODES}")
        if not self.name_zh or not self.name_en:
            raise ValueError("a scheme needs a Chinese and an English name")
        if not self.levels:
            raise ValueError(f"scheme {self.code!r} has no hospital levels")
        for level, rule in self.levels.items():
            if not isinstance(level, str) or not level:
                raise ValueError(f"hospital level must be a non-empty string, got {level!r}")
            if not isinstance(rule, LevelRule):
                raise ValueError(f"level {level!r} needs a LevelRule, got {rule!r}")
        _rate(self.b_self_ratio_bp, "b_self_ratio_bp")
        _non_negative(self.annual_cap_fen, "annual_cap_fen")
        for name in ("personal_account", "account_covers_self_pay_items", "needs_window"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be true or false")
        if self.account_covers_self_pay_items and not self.personal_account:
            raise ValueError("account_covers_self_pay_items needs a scheme with a personal account")
        object.__setattr__(self, "levels", MappingProxyType(dict(self.levels)))

    def rule(self, hospital_level: str) -> LevelRule:
        """The level's figures; an unconfigured level is an error, never a guess, because a
        wrong rate would show the patient a wrong amount to pay."""
        try:
            return self.levels[hospital_level]
        except KeyError:
            raise ValueError(
                f"scheme {self.code!r} has no rule for hospital level {hospital_level!r}"
            ) from None


_REQUIRED = ("code", "name_zh", "name_en", "levels", "b_self_ratio_bp", "annual_cap_fen", "personal_account")
_OPTIONAL = ("account_covers_self_pay_items", "needs_window")


def scheme_from_dict(d: Mapping[str, Any]) -> Scheme:
    """Builds a Scheme from configuration (JSON-shaped: amounts in fen, rates in bp):

        {"code": "employee", "name_zh": "…", "name_en": "…",
         "levels": {"3A": {"deductible_fen": 120000, "rate_bp": 8500}, …},
         "b_self_ratio_bp": 1000, "annual_cap_fen": 50000000, "personal_account": true,
         "account_covers_self_pay_items": false, "needs_window": false}

    Missing or unknown keys, non-integers, negative amounts and rates above 100 % raise
    ValueError: a misspelt key silently falling back to a default would misprice every stay."""
    if not isinstance(d, Mapping):
        raise ValueError("a scheme configuration must be a mapping")
    missing = [k for k in _REQUIRED if k not in d]
    if missing:
        raise ValueError(f"scheme configuration lacks {', '.join(missing)}")
    unknown = sorted(set(d) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise ValueError(f"unknown scheme configuration keys: {', '.join(map(str, unknown))}")
    raw_levels = d["levels"]
    if not isinstance(raw_levels, Mapping):
        raise ValueError("levels must map a hospital level to its deductible_fen and rate_bp")
    levels: dict[str, LevelRule] = {}
    for level, raw in raw_levels.items():
        if not isinstance(raw, Mapping) or set(raw) != {"deductible_fen", "rate_bp"}:
            raise ValueError(f"level {level!r} needs exactly deductible_fen and rate_bp")
        levels[level] = LevelRule(
            deductible_fen=_non_negative(raw["deductible_fen"], f"{level}.deductible_fen"),
            rate_bp=_rate(raw["rate_bp"], f"{level}.rate_bp"),
        )
    for text in ("code", "name_zh", "name_en"):
        if not isinstance(d[text], str):
            raise ValueError(f"{text} must be a string")
    return Scheme(
        code=d["code"],
        name_zh=d["name_zh"],
        name_en=d["name_en"],
        levels=levels,
        b_self_ratio_bp=d["b_self_ratio_bp"],
        annual_cap_fen=d["annual_cap_fen"],
        personal_account=d["personal_account"],
        account_covers_self_pay_items=d.get("account_covers_self_pay_items", False),
        needs_window=d.get("needs_window", False),
    )


def scheme_to_dict(scheme: Scheme) -> dict[str, Any]:
    """The inverse of `scheme_from_dict`, for storing a configuration."""
    return {
        "code": scheme.code,
        "name_zh": scheme.name_zh,
        "name_en": scheme.name_en,
        "levels": {
            level: {"deductible_fen": rule.deductible_fen, "rate_bp": rule.rate_bp}
            for level, rule in scheme.levels.items()
        },
        "b_self_ratio_bp": scheme.b_self_ratio_bp,
        "annual_cap_fen": scheme.annual_cap_fen,
        "personal_account": scheme.personal_account,
        "account_covers_self_pay_items": scheme.account_covers_self_pay_items,
        "needs_window": scheme.needs_window,
    }


def _levels(*rows: tuple[str, int, int]) -> dict[str, LevelRule]:
    return {level: LevelRule(deductible_yuan * 100, rate_bp) for level, deductible_yuan, rate_bp in rows}


# Employees: deductible rises and the rate falls with the hospital level, steering minor
# cases to smaller hospitals; the cap is in the range cities set (about six times the local
# average wage), counting what some cities pay through a separate large-amount fund.
EMPLOYEE = Scheme(
    code="employee",
    name_zh="职工基本医疗保险",
    name_en="Employee medical insurance",
    levels=_levels(
        ("3A", 1200, 8500), ("3B", 1000, 8700), ("2A", 800, 9000), ("2B", 600, 9200), ("1A", 300, 9500)
    ),
    b_self_ratio_bp=1000,
    annual_cap_fen=500_000 * 100,
    personal_account=True,
)

# Residents pay smaller premiums: lower rates and cap, no personal account for inpatient use.
RESIDENT = Scheme(
    code="resident",
    name_zh="城乡居民基本医疗保险",
    name_en="Resident medical insurance",
    levels=_levels(
        ("3A", 1000, 6000), ("3B", 800, 6500), ("2A", 600, 7500), ("2B", 400, 8000), ("1A", 200, 8500)
    ),
    b_self_ratio_bp=1000,
    annual_cap_fen=300_000 * 100,
    personal_account=False,
)

# The insured place's policy applies and Bedside cannot know it, so these figures only feed an
# estimate and are deliberately cautious (higher deductible and B share, lower rates, no
# account): an estimate that is too low would leave the deposit short at the window.
OUT_OF_REGION = Scheme(
    code="out_of_region",
    name_zh="异地就医",
    name_en="Out-of-region insurance",
    levels=_levels(
        ("3A", 1500, 7000), ("3B", 1200, 7200), ("2A", 1000, 7500), ("2B", 800, 7800), ("1A", 400, 8000)
    ),
    b_self_ratio_bp=2000,
    annual_cap_fen=300_000 * 100,
    personal_account=False,
    needs_window=True,
)

SCHEMES: Final[dict[str, Scheme]] = {s.code: s for s in (EMPLOYEE, RESIDENT, OUT_OF_REGION)}
