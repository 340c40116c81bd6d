"""The generator injects every discrepancy class; the matching finds exactly those
(precision = recall = 1.0), in memory and through a WeChat bill written to disk and read back."""

from __future__ import annotations

from datetime import date

import pytest

from bedside.core.states import InvalidTransition
from bedside.payments.bills import day_bounds
from bedside.reconciliation import generator, matching
from bedside.reconciliation.imports import wechat
from bedside.reconciliation.states import (
    DAY_MACHINE,
    DISCREPANCY_MACHINE,
    SETTLED,
    SUGGESTED,
    DayState,
    DiscrepancyState,
    Kind,
)

DAY = date(2026, 12, 6)


def _found(g: generator.GeneratedDay, theirs=None) -> tuple[set[tuple[str, str]], set[str]]:  # type: ignore[no-untyped-def]
    result = matching.match(g.ours, g.theirs if theirs is None else theirs, day_bounds(DAY)[1], 20, g.held)
    found = set(result.discrepancies.select("kind", "ref").iter_rows())
    found |= {
        (str(d["kind"]), str(d["ref"])) for d in matching.cash_discrepancies(g.recorded_cash, g.counted_cash)
    }
    return found, set(result.in_transit["key"])


@pytest.mark.parametrize(
    ("n", "each"), [(0, 1), (50, 1), (2_000, 3), (20_000, 5)], ids=["empty", "small", "mid", "large"]
)
def test_precision_and_recall_are_one(n, each):
    g = generator.generate(n, DAY, each=each)
    found, transit = _found(g)
    true_positive = found & g.expected
    assert len(true_positive) / len(found) == 1.0  # precision
    assert len(true_positive) / len(g.expected) == 1.0  # recall
    assert {kind for kind, _ in g.expected} == set(Kind)  # every class is injected
    assert transit == g.expected_transit  # the 23:59:58 payments are held, not discrepancies


def test_the_same_through_a_bill_on_disk(tmp_path):
    g = generator.generate(3_000, DAY, each=2)
    path = tmp_path / "bill.csv.gz"
    sha1 = generator.write_wechat_bill(g.theirs, path)
    read = wechat.read(wechat.gunzip_checked(path.read_bytes(), sha1)).rows
    found, transit = _found(g, read)
    assert found == set(g.expected) and transit == g.expected_transit


def test_a_clean_day_has_no_discrepancy():
    g = generator.generate(5_000, DAY, each=0)
    found, transit = _found(g)
    assert found == set() and transit == set()
    result = matching.match(g.ours, g.theirs, day_bounds(DAY)[1], 20)
    assert result.matched == g.theirs.height


def test_summary_is_integer_fen():
    g = generator.generate(100, DAY, each=0)
    s = matching.summary(g.theirs)
    assert all(isinstance(v, int) for v in s.values())
    assert s["net_fen"] == s["amount_fen"] - s["refund_fen"] - s["fee_fen"]


def test_every_kind_suggests_an_action():
    assert set(SUGGESTED) == set(Kind)


@pytest.mark.parametrize("state", list(DiscrepancyState), ids=str)
@pytest.mark.parametrize("action", sorted(DISCREPANCY_MACHINE.actions()))
def test_discrepancy_machine_walks_every_pair(state, action):
    target = DISCREPANCY_MACHINE.transitions.get((state, action))
    if target is None:
        with pytest.raises(InvalidTransition):
            DISCREPANCY_MACHINE.next_state(state, action)
    else:
        assert DISCREPANCY_MACHINE.next_state(state, action) == target
    if state in SETTLED:  # a settled discrepancy never moves again
        assert target is None


def test_a_closed_day_does_not_reopen():
    assert DAY_MACHINE.next_state(DayState.OPEN, "close") == DayState.CLOSED
    with pytest.raises(InvalidTransition):
        DAY_MACHINE.next_state(DayState.CLOSED, "close")
