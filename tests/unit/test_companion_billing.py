"""The care bill by day with hand-computed amounts in fen (partial days, rate changes, shared
care), and the bill and day machines: every state × action."""

import itertools
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bedside.companion.billing import bill_days, rate_on, share
from bedside.companion.states import BILL_MACHINE, DAY_MACHINE, BillState, DayState
from bedside.core.states import InvalidTransition

TZ = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=TZ)


RATE = [(date(2026, 12, 1), 20000)]  # ¥200 a day

CASES = [
    # (name, start, end, rates, share, [(day, full, amount)], total)
    # 08:00 on the 1st to 08:00 on the 4th: 16 h, 24 h, 24 h, 8 h → 3 full days and a half.
    (
        "three-days-and-a-half",
        at(1, 8),
        at(4, 8),
        RATE,
        1,
        [(1, True, 20000), (2, True, 20000), (3, True, 20000), (4, False, 10000)],
        70000,
    ),
    # Exactly three midnights to midnights.
    (
        "three-whole-days",
        at(1, 0),
        at(4, 0),
        RATE,
        1,
        [(1, True, 20000), (2, True, 20000), (3, True, 20000)],
        60000,
    ),
    # 14:00 → 10 h on the first day (half); 12:00 the next day → exactly 12 h (full).
    ("half-then-twelve-hours", at(1, 14), at(2, 12), RATE, 1, [(1, False, 10000), (2, True, 20000)], 30000),
    # 11:59 h is still half a day.
    ("just-under-twelve", at(1, 12, 1), at(2, 0), RATE, 1, [(1, False, 10000)], 10000),
    # The rate goes up to ¥240 from the 3rd: 20000 + 20000 + 24000 + half of 24000.
    (
        "rate-change",
        at(1, 8),
        at(4, 8),
        [*RATE, (date(2026, 12, 3), 24000)],
        1,
        [(1, True, 20000), (2, True, 20000), (3, True, 24000), (4, False, 12000)],
        76000,
    ),
    # One caregiver for three patients: 20000 / 3 = 6666.67 → 6667; half: 10000 / 3 = 3333.33 → 3333.
    (
        "shared-by-three",
        at(1, 8),
        at(3, 8),
        RATE,
        3,
        [(1, True, 6667), (2, True, 6667), (3, False, 3333)],
        16667,
    ),
    # Shared by two at ¥250 with an odd half: 25000 / 2 = 12500; half: 12500 / 2 = 6250.
    (
        "shared-by-two",
        at(1, 6),
        at(2, 6),
        [(date(2026, 12, 1), 25000)],
        2,
        [(1, True, 12500), (2, False, 6250)],
        18750,
    ),
    # Shared by two at ¥199.99 → 19999 / 2 = 9999.5 → 10000 (half up); half: 19999 / 4 = 4999.75 → 5000.
    (
        "rounding-half-up",
        at(1, 0),
        at(2, 6),
        [(date(2026, 12, 1), 19999)],
        2,
        [(1, True, 10000), (2, False, 5000)],
        15000,
    ),
]


@pytest.mark.parametrize("name, start, end, rates, n, expected, total", CASES, ids=[c[0] for c in CASES])
def test_bill_by_day(name, start, end, rates, n, expected, total):
    got = bill_days(start, end, rates, n, TZ)
    assert [(c.day.day, c.full, c.amount_fen) for c in got] == expected
    assert sum(c.amount_fen for c in got) == total


def test_times_in_utc_are_billed_in_hospital_days():
    # 2026-11-30 16:00 UTC is 00:00 on 1 December in Shanghai.
    start = datetime(2026, 11, 30, 16, 0, tzinfo=ZoneInfo("UTC"))
    end = datetime(2026, 12, 1, 16, 0, tzinfo=ZoneInfo("UTC"))
    assert [(c.day, c.amount_fen) for c in bill_days(start, end, RATE, 1, TZ)] == [(date(2026, 12, 1), 20000)]


def test_no_rate_in_force_and_bad_share_are_refused():
    with pytest.raises(ValueError):
        rate_on(RATE, date(2026, 11, 30))
    with pytest.raises(ValueError):
        bill_days(at(1, 8), at(2, 8), RATE, 0, TZ)
    assert bill_days(at(2, 8), at(2, 8), RATE, 1, TZ) == []
    assert share(1, False, 6) == 0  # a twelfth of a fen rounds to nothing


MACHINE_CASES = [
    (m, s, a)
    for m, states in ((BILL_MACHINE, BillState), (DAY_MACHINE, DayState))
    for s, a in itertools.product(states, sorted(m.actions()))
]
EXPECTED = {
    ("care_bill", "pending", "confirm"): "confirmed",
    ("care_bill", "pending", "dispute"): "disputed",
    ("care_bill", "disputed", "dispute"): "disputed",
    ("care_bill", "disputed", "answer"): "pending",
    ("care_bill", "confirmed", "pay"): "paid",
    ("care_day", "billed", "confirm"): "confirmed",
    ("care_day", "billed", "dispute"): "disputed",
    ("care_day", "disputed", "answer"): "billed",
}


@pytest.mark.parametrize(
    "machine, state, action", MACHINE_CASES, ids=[f"{m.name}-{s}-{a}" for m, s, a in MACHINE_CASES]
)
def test_every_state_and_action(machine, state, action):
    expected = EXPECTED.get((machine.name, state.value, action))
    if expected is None:
        with pytest.raises(InvalidTransition):
            machine.next_state(state, action)
    else:
        assert machine.next_state(state, action) == expected
