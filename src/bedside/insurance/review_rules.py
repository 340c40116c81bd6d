"""The insurance review's rules, as data: each rule has a stable code, a reason in words (a
message id, shown in zh or en) and a check over plain facts, so the table can be read, tested
and extended without a database. A line rule returns the ids of the lines it flags; a stay
rule says whether the stay as a whole needs a look.

A stay is auto-approved only when no rule fires."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

from bedside.core.i18n import N_


@dataclass(frozen=True)
class Line:
    id: int
    code: str
    category: str
    insurance_class: str
    quantity_milli: int
    unit_price_fen: int
    amount_fen: int
    service_date: date
    reverses_id: int | None = None


@dataclass(frozen=True)
class Item:
    """A catalogue entry (see review_models.CatalogueItem)."""

    code: str
    insurance_class: str
    max_daily_milli: int | None = None
    indication_keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Stay:
    lines: Sequence[Line]
    catalogue: Mapping[str, Item]
    diagnosis: str = ""


LineCheck = Callable[[Stay, Sequence[Line]], set[int]]
StayCheck = Callable[[Stay, Sequence[Line]], bool]

LARGE_LINE_FEN: Final = 2_000_000  # ¥20,000 on one line
HIGH_SELF_PAY_SHARE_BP: Final = 3000  # class C at 30 % of the stay or more
# Charged at most once a day: a second identical line the same day is a duplicate.
ONCE_A_DAY: Final = frozenset({"bed", "nursing", "exam", "lab", "surgery"})


def live_lines(lines: Sequence[Line]) -> list[Line]:
    """The lines that still count: a line reversed in full and its reversal drop out; a
    partial reversal reduces its original's quantity."""
    reversals: dict[int, list[Line]] = defaultdict(list)
    for c in lines:
        if c.reverses_id is not None:
            reversals[c.reverses_id].append(c)
    out = []
    for c in lines:
        if c.reverses_id is not None:
            continue
        back = reversals.get(c.id, [])
        amount = c.amount_fen + sum(r.amount_fen for r in back)
        if amount <= 0:
            continue
        quantity = c.quantity_milli + sum(r.quantity_milli for r in back)
        out.append(
            Line(
                c.id,
                c.code,
                c.category,
                c.insurance_class,
                quantity,
                c.unit_price_fen,
                amount,
                c.service_date,
            )
        )
    return out


def _over_dose(stay: Stay, lines: Sequence[Line]) -> set[int]:
    per_day: dict[tuple[str, date], list[Line]] = defaultdict(list)
    for c in lines:
        per_day[(c.code, c.service_date)].append(c)
    flagged: set[int] = set()
    for (code, _day), same in per_day.items():
        item = stay.catalogue.get(code)
        if item is not None and item.max_daily_milli is not None:
            if sum(abs(c.quantity_milli) for c in same) > item.max_daily_milli:
                flagged.update(c.id for c in same)
    return flagged


def _b_without_indication(stay: Stay, lines: Sequence[Line]) -> set[int]:
    diagnosis = stay.diagnosis.casefold()
    flagged = set()
    for c in lines:
        item = stay.catalogue.get(c.code)
        if c.insurance_class != "B" or item is None or not item.indication_keywords:
            continue
        if not any(k.casefold() in diagnosis for k in item.indication_keywords if k):
            flagged.add(c.id)
    return flagged


def _duplicate(stay: Stay, lines: Sequence[Line]) -> set[int]:
    seen: set[tuple[str, date, int, int]] = set()
    flagged = set()
    for c in sorted(lines, key=lambda c: c.id):
        if c.category not in ONCE_A_DAY:
            continue
        key = (c.code, c.service_date, c.quantity_milli, c.amount_fen)
        if key in seen:
            flagged.add(c.id)
        seen.add(key)
    return flagged


def _outside_catalogue(stay: Stay, lines: Sequence[Line]) -> set[int]:
    if not stay.catalogue:  # no catalogue loaded: nothing to check against
        return set()
    # A class-C line is the patient's anyway; anything else must be in the catalogue.
    return {c.id for c in lines if c.insurance_class != "C" and c.code not in stay.catalogue}


def _class_differs(stay: Stay, lines: Sequence[Line]) -> set[int]:
    return {
        c.id
        for c in lines
        if (item := stay.catalogue.get(c.code)) is not None
        and c.insurance_class != "C"
        and item.insurance_class != c.insurance_class
    }


def _large(stay: Stay, lines: Sequence[Line]) -> set[int]:
    return {c.id for c in lines if c.amount_fen >= LARGE_LINE_FEN}


def _high_self_pay_share(stay: Stay, lines: Sequence[Line]) -> bool:
    total = sum(c.amount_fen for c in lines)
    class_c = sum(c.amount_fen for c in lines if c.insurance_class == "C")
    return total > 0 and class_c * 10000 >= total * HIGH_SELF_PAY_SHARE_BP


@dataclass(frozen=True)
class Rule:
    code: str
    reason: str  # message id: the reason in words
    line: LineCheck | None = None
    stay: StayCheck | None = None


RULES: Final[tuple[Rule, ...]] = (
    Rule("over_usual_dose", N_("Quantity over the usual daily dose"), line=_over_dose),
    Rule(
        "class_b_indication",
        N_("Class-B item without its indication in the diagnosis"),
        line=_b_without_indication,
    ),
    Rule("duplicate_charge", N_("Charged twice the same day"), line=_duplicate),
    Rule("outside_catalogue", N_("Not in the scheme's catalogue"), line=_outside_catalogue),
    Rule("class_differs", N_("Billed under a different class than the catalogue's"), line=_class_differs),
    Rule("large_line", N_("A single charge of ¥20,000 or more"), line=_large),
    Rule("high_self_pay_share", N_("Self-paid items are 30% or more of the stay"), stay=_high_self_pay_share),
)
REASONS: Final[dict[str, str]] = {r.code: r.reason for r in RULES}


@dataclass(frozen=True)
class Findings:
    by_line: dict[int, list[str]]  # line id -> rule codes, in table order
    stay: list[str]

    @property
    def codes(self) -> list[str]:
        """Every rule that fired, once each, in table order."""
        fired = {code for codes in self.by_line.values() for code in codes} | set(self.stay)
        return [r.code for r in RULES if r.code in fired]


def check(stay: Stay, rules: Sequence[Rule] = RULES) -> Findings:
    lines = live_lines(stay.lines)
    by_line: dict[int, list[str]] = {}
    stay_codes = []
    for rule in rules:
        if rule.line is not None:
            for line_id in sorted(rule.line(stay, lines)):
                by_line.setdefault(line_id, []).append(rule.code)
        if rule.stay is not None and rule.stay(stay, lines):
            stay_codes.append(rule.code)
    return Findings(by_line, stay_codes)
