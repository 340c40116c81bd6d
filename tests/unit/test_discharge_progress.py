"""The discharge stages the phone shows, from the discharge's state and its moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bedside.discharge.progress import stages

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def _at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.mark.parametrize(
    "state, moves, expected",
    [
        ("ordered", [], "C....."),
        ("ward_cleared", [("ward_cleared", 10)], "DC...."),
        # Reviewed, then opened: both done, the settlement is the current stage.
        (
            "ready_to_settle",
            [("ward_cleared", 10), ("insurance_reviewed", 20), ("ready_to_settle", 21)],
            "DDDC..",
        ),
        # A self-pay stay skips the insurance review.
        ("ready_to_settle", [("ward_cleared", 10), ("ready_to_settle", 11)], "DDSC.."),
        ("settled", [("ward_cleared", 10), ("ready_to_settle", 11), ("settled", 30)], "DDSDC."),
        (
            "discharged",
            [("ward_cleared", 10), ("ready_to_settle", 11), ("settled", 30), ("discharged", 60)],
            "DDSDDC",
        ),
        # Returned to the ward: the clearance counts again only when it comes again.
        ("ordered", [("ward_cleared", 10), ("ordered", 15)], "C....."),
        # A reversed settlement: ready to settle again, "settled" is still to come.
        (
            "ready_to_settle",
            [("ward_cleared", 10), ("ready_to_settle", 11), ("settled", 30), ("ready_to_settle", 40)],
            "DDSC..",
        ),
        ("revoked", [("revoked", 5)], "......"),
    ],
    ids=[
        "ordered",
        "cleared",
        "reviewed",
        "self-pay",
        "settled",
        "discharged",
        "returned",
        "reversed",
        "revoked",
    ],
)
def test_stages(state, moves, expected):
    got = stages(state, T0, [(s, _at(m)) for s, m in moves])
    letters = {"done": "D", "current": "C", "todo": ".", "skipped": "S"}
    assert "".join(letters[s.status] for s in got) == expected
    assert all(
        (s.at is None) == (s.status in ("todo", "skipped")) for s in got if s.code != "insurance_reviewed"
    )


def test_a_stage_reached_twice_shows_its_latest_time():
    got = stages(
        "ward_cleared", T0, [("ward_cleared", _at(10)), ("ordered", _at(15)), ("ward_cleared", _at(30))]
    )
    assert got[0].at == _at(15) and got[1].at == _at(30)
