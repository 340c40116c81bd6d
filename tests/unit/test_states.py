"""Every (state, action) pair of each machine: allowed ones land where the table says,
all others raise InvalidTransition."""

import itertools

import pytest

from bedside.admissions.states import NOTICE_MACHINE, NoticeState
from bedside.core.states import InvalidTransition, Machine
from bedside.hospital.states import BED_MACHINE, BedState

MACHINES = [(BED_MACHINE, BedState), (NOTICE_MACHINE, NoticeState)]
CASES = [
    (machine, state, action)
    for machine, states in MACHINES
    for state, action in itertools.product(states, sorted(machine.actions()))
]


@pytest.mark.parametrize("machine, state, action", CASES, ids=[f"{m.name}-{s}-{a}" for m, s, a in CASES])
def test_every_state_and_action(machine, state, action):
    expected = machine.transitions.get((state, action))
    if expected is None:
        with pytest.raises(InvalidTransition):
            machine.next_state(state, action)
    else:
        assert machine.next_state(state, action) == expected


def test_bed_lifecycle_goes_through_cleaning():
    s = BedState.FREE
    for action in ("reserve", "occupy", "vacate", "finish_cleaning"):
        s = BED_MACHINE.next_state(s, action)
    assert s == BedState.FREE


def test_guards_block_with_their_reason():
    machine = Machine(
        "t",
        {(BedState.FREE, "go"): BedState.CLOSED},
        guards={"go": (lambda subject: None if subject else "not ready",)},
    )
    assert machine.next_state(BedState.FREE, "go", True) == BedState.CLOSED
    with pytest.raises(InvalidTransition) as info:
        machine.next_state(BedState.FREE, "go", False)
    assert info.value.reason == "not ready"
