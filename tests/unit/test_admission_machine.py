"""The admission machine, pair by pair: every (state, action) is either in the table, with the
expected target, or refused."""

from __future__ import annotations

import itertools

import pytest

from bedside.admissions.states import NOTICE_MACHINE, NOTICE_TRANSITIONS, OPEN_STATES, NoticeState
from bedside.core.states import InvalidTransition

S = NoticeState
EXPECTED = {
    (S.ISSUED, "request_bed"): S.BED_REQUESTED,
    (S.ISSUED, "assign_bed"): S.BED_ASSIGNED,
    (S.BED_REQUESTED, "assign_bed"): S.BED_ASSIGNED,
    (S.BED_ASSIGNED, "expire"): S.BED_REQUESTED,
    (S.BED_ASSIGNED, "release_bed"): S.BED_REQUESTED,
    (S.BED_ASSIGNED, "register"): S.REGISTERED,
    (S.BED_ASSIGNED, "register_green"): S.REGISTERED,
    (S.REGISTERED, "admit"): S.ADMITTED,
    (S.ISSUED, "cancel"): S.CANCELLED,
    (S.BED_REQUESTED, "cancel"): S.CANCELLED,
    (S.BED_ASSIGNED, "cancel"): S.CANCELLED,
    (S.REGISTERED, "cancel"): S.CANCELLED,
}
ACTIONS = sorted(NOTICE_MACHINE.actions())


def test_the_table_is_exactly_the_expected_one():
    assert dict(NOTICE_TRANSITIONS) == EXPECTED


@pytest.mark.parametrize(("state", "action"), list(itertools.product(list(S), ACTIONS)))
def test_every_pair(state, action):
    target = EXPECTED.get((state, action))
    if target is None:
        with pytest.raises(InvalidTransition):
            NOTICE_MACHINE.next_state(state, action)
    else:
        assert NOTICE_MACHINE.next_state(state, action) == target


def test_admitted_and_cancelled_are_final_and_every_open_state_can_be_cancelled():
    assert NOTICE_MACHINE.allowed(S.ADMITTED) == []
    assert NOTICE_MACHINE.allowed(S.CANCELLED) == []
    for state in OPEN_STATES:
        assert "cancel" in NOTICE_MACHINE.allowed(state)
