"""Fleet rules without a database: the derived kiosk state, the run-out projection, counter
sums across agent restarts, and which alert conditions a kiosk's readings meet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bedside.core.states import InvalidTransition
from bedside.fleet import rules
from bedside.fleet.states import (
    ALERT_MACHINE,
    TICKET_MACHINE,
    AlertState,
    Heartbeat,
    KioskState,
    TicketState,
    derive,
)

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
OK = [{"kind": "receipt_printer", "state": "ok"}]
FAULT = [{"kind": "receipt_printer", "state": "fault", "detail": "paper_jam"}]
RULES = rules.load()


def ago(seconds: float) -> datetime:
    return NOW - timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("beat", "out", "expected"),
    [
        (Heartbeat(ago(10), OK), False, KioskState.ONLINE),
        (Heartbeat(ago(10), OK, counters_moved=True), False, KioskState.IN_USE),
        (Heartbeat(ago(10), FAULT, counters_moved=True), False, KioskState.DEGRADED),
        (Heartbeat(ago(10), [{"kind": "pin_pad", "state": "offline"}]), False, KioskState.DEGRADED),
        (Heartbeat(ago(10), [{"kind": "pin_pad", "state": "warning"}]), False, KioskState.ONLINE),
        (Heartbeat(ago(90), OK), False, KioskState.ONLINE),  # the silence is not longer than allowed
        (Heartbeat(ago(91), OK), False, KioskState.OFFLINE),
        (Heartbeat(ago(91), FAULT), False, KioskState.OFFLINE),  # stale module states do not count
        (Heartbeat(None, []), False, KioskState.OFFLINE),
        (Heartbeat(ago(10), OK), True, KioskState.OUT_OF_SERVICE),
        (Heartbeat(None, []), True, KioskState.OUT_OF_SERVICE),
    ],
)
def test_state_is_derived_from_heartbeats(beat: Heartbeat, out: bool, expected: KioskState) -> None:
    assert derive(NOW, beat, offline_after=timedelta(seconds=90), out_of_service=out) == expected


def m(minutes: float) -> datetime:
    return NOW - timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        ([], None),
        ([(m(10), 50)], None),
        ([(m(60), 50), (m(0), 50)], None),  # nothing used
        ([(m(60), 50), (m(30), 40), (m(0), 30)], NOW + timedelta(minutes=90)),  # 20 % an hour
        ([(m(60), 80), (m(30), 10), (m(20), 90), (m(0), 80)], NOW + timedelta(minutes=160)),  # refilled
        ([(m(30), 10), (m(0), 0)], NOW),  # already out
        ([(m(1), 100), (m(0), 99)], None),  # a minute is too short to tell a rate
    ],
)
def test_run_out_projection(levels: list[tuple[datetime, int]], expected: datetime | None) -> None:
    assert rules.run_out_at(levels, NOW) == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [([], 0), ([3], 0), ([3, 5, 9], 6), ([3, 5, 1, 4], 2 + 1 + 3)],  # the agent restarted at 1
)
def test_counter_increase_survives_agent_restarts(values: list[int], expected: int) -> None:
    assert rules.counter_increase([(m(len(values) - i), v) for i, v in enumerate(values)]) == expected


def readings(
    *,
    last: datetime | None = None,
    modules: list[dict[str, object]] | None = None,
    consumables: dict[str, int] | None = None,
    history: list[tuple[datetime, dict[str, int], dict[str, int]]] | None = None,
) -> rules.KioskReadings:
    hist = history or []
    return rules.KioskReadings(
        last_report_at=ago(5) if last is None else last,
        modules=modules if modules is not None else OK,
        consumables=consumables or {},
        history=hist,
        reporting_since=hist[0][0] if hist else None,
    )


def busy(minutes: int, per_report: int = 1) -> list[tuple[datetime, dict[str, int], dict[str, int]]]:
    return [(m(minutes - i), {}, {"receipts_printed": i * per_report}) for i in range(minutes + 1)]


@pytest.mark.parametrize(
    ("case", "k", "hour", "expected"),
    [
        ("healthy", readings(history=busy(70)), 10, []),
        ("silent two minutes", readings(last=ago(120), modules=FAULT), 10, ["offline:"]),
        ("silent a minute", readings(last=ago(60), history=busy(70)), 10, []),
        ("never reported", rules.KioskReadings(None, [], {}, []), 10, ["offline:"]),
        ("module fault", readings(modules=FAULT, history=busy(70)), 10, ["module_fault:receipt_printer"]),
        (
            "paper under 10 %",
            readings(consumables={"receipt_paper": 9}, history=busy(70)),
            10,
            ["consumable_low:receipt_paper"],
        ),
        ("paper at 10 %", readings(consumables={"receipt_paper": 10}), 22, []),
        (
            "paper out within two hours",
            readings(
                consumables={"a4_paper": 40},
                history=[(m(60), {"a4_paper": 70}, {}), (m(0), {"a4_paper": 40}, {})],
            ),
            22,
            ["consumable_low:a4_paper"],
        ),
        (
            "paper lasts longer",
            readings(
                consumables={"a4_paper": 40},
                history=[(m(60), {"a4_paper": 50}, {}), (m(0), {"a4_paper": 40}, {})],
            ),
            22,
            [],
        ),
        ("cash box nearly full", readings(consumables={"cash_box": 92}), 22, ["cash_box_full:cash_box"]),
        ("cash box has room", readings(consumables={"cash_box": 89}), 22, []),
        (
            "three payment failures in half an hour",
            readings(history=[(m(20), {}, {"payment_failures": 1}), (m(1), {}, {"payment_failures": 4})]),
            22,
            ["payment_failures:"],
        ),
        (
            "two failures",
            readings(history=[(m(20), {}, {"payment_failures": 1}), (m(1), {}, {"payment_failures": 3})]),
            22,
            [],
        ),
        ("quiet hour in opening hours", readings(history=busy(70, per_report=0)), 10, ["low_transactions:"]),
        ("quiet hour at night", readings(history=busy(70, per_report=0)), 22, []),
        ("quiet, but only just reporting", readings(history=busy(30, per_report=0)), 10, []),
    ],
)
def test_conditions(case: str, k: rules.KioskReadings, hour: int, expected: list[str]) -> None:
    assert [c.key for c in rules.conditions(RULES, k, NOW, hour)] == expected, case


def test_rules_are_configuration() -> None:
    custom = rules.parse("[fleet]\noffline_after_seconds = 30\n[rules.cash_box_full]\nat_percent = 50\n")
    assert custom.offline_after == timedelta(seconds=30)
    assert [c.key for c in rules.conditions(custom, readings(consumables={"cash_box": 60}), NOW, 22)] == [
        "cash_box_full:cash_box"
    ]
    off = rules.parse("[rules.cash_box_full]\nenabled = false\n")
    assert rules.conditions(off, readings(consumables={"cash_box": 99}), NOW, 22) == []
    with pytest.raises(ValueError, match="unknown"):
        rules.parse("[rules.coffee_low]\n")


@pytest.mark.parametrize(
    ("state", "action", "expected"),
    [
        (AlertState.OPEN, "acknowledge", AlertState.ACKNOWLEDGED),
        (AlertState.OPEN, "escalate", AlertState.ESCALATED),
        (AlertState.ESCALATED, "acknowledge", AlertState.ACKNOWLEDGED),
        (AlertState.ACKNOWLEDGED, "resolve", AlertState.RESOLVED),
        (AlertState.ACKNOWLEDGED, "escalate", None),
        (AlertState.RESOLVED, "acknowledge", None),
    ],
)
def test_alert_transitions(state: AlertState, action: str, expected: AlertState | None) -> None:
    if expected is None:
        with pytest.raises(InvalidTransition):
            ALERT_MACHINE.next_state(state, action)
    else:
        assert ALERT_MACHINE.next_state(state, action) == expected


@pytest.mark.parametrize(
    ("state", "action", "expected"),
    [
        (TicketState.OPENED, "diagnose", TicketState.DIAGNOSED),
        (TicketState.DIAGNOSED, "send_to_maker", TicketState.SENT_TO_MAKER),
        (TicketState.DIAGNOSED, "repair", TicketState.REPAIRED),
        (TicketState.SENT_TO_MAKER, "repair", TicketState.REPAIRED),
        (TicketState.REPAIRED, "reopen", TicketState.DIAGNOSED),
        (TicketState.REPAIRED, "close", TicketState.CLOSED),
        (TicketState.OPENED, "close", None),
        (TicketState.OPENED, "repair", None),
        (TicketState.CLOSED, "reopen", None),
        (TicketState.SENT_TO_MAKER, "cancel", None),
    ],
)
def test_ticket_transitions(state: TicketState, action: str, expected: TicketState | None) -> None:
    if expected is None:
        with pytest.raises(InvalidTransition):
            TICKET_MACHINE.next_state(state, action)
    else:
        assert TICKET_MACHINE.next_state(state, action) == expected


SHANGHAI = ZoneInfo("Asia/Shanghai")
LOCAL = datetime(2026, 12, 7, 11, 0, tzinfo=SHANGHAI)  # past the 10:00 deadline
LONG_AGO = LOCAL - timedelta(days=30)


@pytest.mark.parametrize(
    ("case", "last", "since", "now", "expected"),
    [
        (
            "all done",
            {"daily": LOCAL - timedelta(hours=2), "weekly": LOCAL - timedelta(days=3)},
            LONG_AGO,
            LOCAL,
            [],
        ),
        (
            "not cleaned today",
            {"daily": LOCAL - timedelta(days=1), "weekly": LOCAL - timedelta(days=3)},
            LONG_AGO,
            LOCAL,
            ["upkeep_missed:daily"],
        ),
        ("before the deadline", {"weekly": LOCAL - timedelta(days=3)}, LONG_AGO, LOCAL.replace(hour=9), []),
        (
            "inspection overdue",
            {"daily": LOCAL, "weekly": LOCAL - timedelta(days=8)},
            LONG_AGO,
            LOCAL,
            ["upkeep_missed:weekly"],
        ),
        ("never done", {}, LONG_AGO, LOCAL, ["upkeep_missed:daily", "upkeep_missed:weekly"]),
        ("joined this morning", {}, LOCAL - timedelta(hours=3), LOCAL, []),
        ("joined yesterday", {}, LOCAL - timedelta(days=1), LOCAL, ["upkeep_missed:daily"]),
    ],
)
def test_upkeep_missed(
    case: str, last: dict[str, datetime], since: datetime, now: datetime, expected: list[str]
) -> None:
    assert [c.key for c in rules.upkeep_conditions(RULES, last, since, now)] == expected, case
