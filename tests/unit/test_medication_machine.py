"""The discharge-medication machine: every state × action lands where the table says or is
refused; the five steps cover each state; every action names who may take it."""

import itertools

import pytest

from bedside.core.states import InvalidTransition
from bedside.medication.states import ACTION_ROLES, MED_MACHINE, STEPS, MedState

CASES = list(itertools.product(MedState, sorted(MED_MACHINE.actions())))

# The table written out once more by hand: a change to the machine must change this too.
EXPECTED = {
    ("ordered", "confirm"): "nurse_confirmed",
    ("ordered", "return"): "returned",
    ("ordered", "cancel"): "cancelled",
    ("returned", "amend"): "ordered",
    ("returned", "cancel"): "cancelled",
    ("nurse_confirmed", "substitute"): "nurse_confirmed",
    ("nurse_confirmed", "pharmacy_return"): "returned",
    ("nurse_confirmed", "accept"): "pharmacy_accepted",
    ("pharmacy_accepted", "pack"): "packed",
    ("packed", "dispatch"): "dispatched",
    ("dispatched", "receive"): "received",
    ("received", "counsel"): "counselled",
}


@pytest.mark.parametrize("state, action", CASES, ids=[f"{s}-{a}" for s, a in CASES])
def test_every_state_and_action(state, action):
    expected = EXPECTED.get((state.value, action))
    if expected is None:
        with pytest.raises(InvalidTransition):
            MED_MACHINE.next_state(state, action)
    else:
        assert MED_MACHINE.next_state(state, action) == expected


def test_the_happy_path_takes_five_steps():
    state = MedState.ORDERED
    seen = [STEPS[state]]
    for action in ("confirm", "accept", "pack", "dispatch", "receive", "counsel"):
        state = MED_MACHINE.next_state(state, action)
        seen.append(STEPS[state])
    assert state == MedState.COUNSELLED
    assert sorted(set(seen)) == [1, 2, 3, 4, 5]


def test_every_state_has_a_step_and_every_action_a_role():
    assert set(STEPS) == set(MedState)
    assert set(ACTION_ROLES) == MED_MACHINE.actions()


def test_final_states_allow_nothing():
    assert MED_MACHINE.allowed(MedState.COUNSELLED) == []
    assert MED_MACHINE.allowed(MedState.CANCELLED) == []
