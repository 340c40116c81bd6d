"""The insurance review's rules, one table row per case: which lines each rule flags."""

from __future__ import annotations

from datetime import date

import pytest

from bedside.insurance import review_rules as rules
from bedside.insurance.review_rules import Item, Line, Stay

D1, D2 = date(2026, 12, 1), date(2026, 12, 2)
CATALOGUE = {
    "AMOX": Item("AMOX", "A", max_daily_milli=3000),
    "CEF": Item("CEF", "B", max_daily_milli=2000, indication_keywords=("肺炎", "重症感染")),
    "BED": Item("BED", "A", max_daily_milli=1000),
    "ALB": Item("ALB", "B", indication_keywords=("低蛋白血症",)),
}


def L(  # noqa: N802 - reads as a table row
    id: int,  # noqa: A002
    code: str,
    cls: str = "A",
    qty: int = 1000,
    fen: int = 1000,
    day: date = D1,
    category: str = "western_drug",
    reverses: int | None = None,
) -> Line:
    return Line(id, code, category, cls, qty, fen * 1000 // max(abs(qty), 1), fen, day, reverses)


CASES = [
    # (id, lines, diagnosis, catalogue, expected {line id: codes}, expected stay codes)
    ("nothing_fires", [L(1, "AMOX", qty=2000), L(2, "BED", category="bed")], "", CATALOGUE, {}, []),
    ("over_dose_one_line", [L(1, "AMOX", qty=4000)], "", CATALOGUE, {1: ["over_usual_dose"]}, []),
    (
        "over_dose_summed_over_the_day",
        [L(1, "AMOX", qty=2000), L(2, "AMOX", qty=2000), L(3, "AMOX", qty=2000, day=D2)],
        "",
        CATALOGUE,
        {1: ["over_usual_dose"], 2: ["over_usual_dose"]},
        [],
    ),
    ("dose_at_the_limit_is_fine", [L(1, "AMOX", qty=3000)], "", CATALOGUE, {}, []),
    (
        "reversal_brings_the_dose_back",
        [L(1, "AMOX", qty=4000, fen=4000), L(2, "AMOX", qty=-2000, fen=-2000, reverses=1)],
        "",
        CATALOGUE,
        {},
        [],
    ),
    (
        "class_b_without_indication",
        [L(1, "CEF", cls="B")],
        "急性阑尾炎",
        CATALOGUE,
        {1: ["class_b_indication"]},
        [],
    ),
    ("class_b_with_indication", [L(1, "CEF", cls="B")], "社区获得性肺炎", CATALOGUE, {}, []),
    (
        "class_b_billed_as_c_is_the_patients",
        [L(1, "CEF", cls="C")],
        "阑尾炎",
        CATALOGUE,
        {},
        ["high_self_pay_share"],
    ),
    (
        "duplicate_bed_the_same_day",
        [L(1, "BED", category="bed"), L(2, "BED", category="bed"), L(3, "BED", category="bed", day=D2)],
        "",
        CATALOGUE,
        {1: ["over_usual_dose"], 2: ["over_usual_dose", "duplicate_charge"]},
        [],
    ),
    ("two_doses_of_a_drug_are_not_duplicates", [L(1, "AMOX"), L(2, "AMOX")], "", CATALOGUE, {}, []),
    (
        "fully_reversed_duplicate_is_gone",
        [
            L(1, "BED", category="bed"),
            L(2, "BED", category="bed"),
            L(3, "BED", fen=-1000, category="bed", reverses=2),
        ],
        "",
        CATALOGUE,
        {},
        [],
    ),
    ("outside_catalogue", [L(1, "XYZ")], "", CATALOGUE, {1: ["outside_catalogue"]}, []),
    (
        "outside_catalogue_class_c_is_fine",
        [L(1, "XYZ", cls="C", fen=100), L(2, "AMOX", fen=10000)],
        "",
        CATALOGUE,
        {},
        [],
    ),
    ("no_catalogue_loaded_checks_nothing", [L(1, "XYZ", qty=99000)], "", {}, {}, []),
    ("class_differs_from_catalogue", [L(1, "AMOX", cls="B")], "", CATALOGUE, {1: ["class_differs"]}, []),
    ("large_line", [L(1, "AMOX", fen=2_000_000)], "", CATALOGUE, {1: ["large_line"]}, []),
    (
        "high_self_pay_share",
        [L(1, "AMOX", fen=7000), L(2, "XYZ", cls="C", fen=3000)],
        "",
        CATALOGUE,
        {},
        ["high_self_pay_share"],
    ),
    (
        "several_rules_on_one_line_in_table_order",
        [L(1, "ALB", cls="B", qty=1000, fen=2_500_000)],
        "肺炎",
        CATALOGUE,
        {1: ["class_b_indication", "large_line"]},
        [],
    ),
]


@pytest.mark.parametrize(
    ("lines", "diagnosis", "catalogue", "by_line", "stay"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_rules(lines, diagnosis, catalogue, by_line, stay):  # type: ignore[no-untyped-def]
    found = rules.check(Stay(lines, catalogue, diagnosis))
    assert found.by_line == by_line
    assert found.stay == stay
    assert found.codes == [
        r.code for r in rules.RULES if r.code in {c for v in by_line.values() for c in v} | set(stay)
    ]


def test_every_rule_has_a_reason_in_words():
    codes = [r.code for r in rules.RULES]
    assert len(codes) == len(set(codes))
    for r in rules.RULES:
        assert r.reason and r.reason != r.code
        assert (r.line is None) != (r.stay is None)
