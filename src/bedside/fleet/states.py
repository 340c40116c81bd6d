"""The fleet's state tables: a kiosk's derived state, an alert's and a repair ticket's
lifecycles. Standard library only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bedside.core.states import Machine


class KioskState(StrEnum):
    ONLINE = "online"
    IN_USE = "in_use"
    DEGRADED = "degraded"
    OFFLINE = "offline"
    OUT_OF_SERVICE = "out_of_service"


# A module in one of these states cannot serve: the kiosk works, but not fully.
BROKEN_MODULE_STATES = frozenset({"fault", "offline"})


@dataclass(frozen=True)
class Heartbeat:
    """What the state is derived from: the last report and whether counters moved in it."""

    received_at: datetime | None
    modules: Sequence[Mapping[str, Any]]
    counters_moved: bool = False


def derive(now: datetime, beat: Heartbeat, *, offline_after: timedelta, out_of_service: bool) -> KioskState:
    """The kiosk's state from heartbeats alone (fault reports are shown beside it, not in it).
    Out of service is the engineer's word and wins; silence comes next, because a silent
    kiosk's last module states are stale."""
    if out_of_service:
        return KioskState.OUT_OF_SERVICE
    if beat.received_at is None or now - beat.received_at > offline_after:
        return KioskState.OFFLINE
    if any(m.get("state") in BROKEN_MODULE_STATES for m in beat.modules):
        return KioskState.DEGRADED
    if beat.counters_moved:
        return KioskState.IN_USE
    return KioskState.ONLINE


class AlertState(StrEnum):
    OPEN = "open"
    ESCALATED = "escalated"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


LIVE_ALERT_STATES = frozenset({AlertState.OPEN, AlertState.ESCALATED, AlertState.ACKNOWLEDGED})

ALERT_TRANSITIONS: dict[tuple[AlertState, str], AlertState] = {
    (AlertState.OPEN, "acknowledge"): AlertState.ACKNOWLEDGED,
    (AlertState.OPEN, "escalate"): AlertState.ESCALATED,
    (AlertState.ESCALATED, "acknowledge"): AlertState.ACKNOWLEDGED,
    # Resolved by the evaluator when the condition clears, whoever has or has not looked.
    (AlertState.OPEN, "resolve"): AlertState.RESOLVED,
    (AlertState.ESCALATED, "resolve"): AlertState.RESOLVED,
    (AlertState.ACKNOWLEDGED, "resolve"): AlertState.RESOLVED,
}
ALERT_MACHINE: Machine[AlertState] = Machine("fleet_alert", ALERT_TRANSITIONS)


class TicketState(StrEnum):
    OPENED = "opened"
    DIAGNOSED = "diagnosed"
    SENT_TO_MAKER = "sent_to_maker"
    REPAIRED = "repaired"
    CLOSED = "closed"
    CANCELLED = "cancelled"


TICKET_TRANSITIONS: dict[tuple[TicketState, str], TicketState] = {
    (TicketState.OPENED, "diagnose"): TicketState.DIAGNOSED,
    (TicketState.OPENED, "cancel"): TicketState.CANCELLED,
    (TicketState.DIAGNOSED, "send_to_maker"): TicketState.SENT_TO_MAKER,
    # Fixed on site, without the maker.
    (TicketState.DIAGNOSED, "repair"): TicketState.REPAIRED,
    (TicketState.DIAGNOSED, "cancel"): TicketState.CANCELLED,
    (TicketState.SENT_TO_MAKER, "repair"): TicketState.REPAIRED,
    # The machine came back broken: diagnose again.
    (TicketState.REPAIRED, "reopen"): TicketState.DIAGNOSED,
    (TicketState.REPAIRED, "close"): TicketState.CLOSED,
}
TICKET_MACHINE: Machine[TicketState] = Machine("fleet_ticket", TICKET_TRANSITIONS)
OPEN_TICKET_STATES = frozenset(
    {TicketState.OPENED, TicketState.DIAGNOSED, TicketState.SENT_TO_MAKER, TicketState.REPAIRED}
)
# Which time each step stamps on the ticket.
TICKET_STAMPS = {
    "diagnose": "diagnosed_at",
    "send_to_maker": "sent_at",
    "repair": "repaired_at",
    "close": "closed_at",
    "cancel": "closed_at",
}


class CommandState(StrEnum):
    PENDING = "pending"
    SENT = "sent"  # handed to the agent (or the page), no answer yet
    DONE = "done"
    FAILED = "failed"
    EXPIRED = "expired"  # nobody picked it up in time: a kiosk that was off does not act later


COMMAND_TRANSITIONS: dict[tuple[CommandState, str], CommandState] = {
    (CommandState.PENDING, "send"): CommandState.SENT,
    (CommandState.PENDING, "expire"): CommandState.EXPIRED,
    # The page's reload is done the moment it is told.
    (CommandState.PENDING, "done"): CommandState.DONE,
    (CommandState.SENT, "done"): CommandState.DONE,
    (CommandState.SENT, "fail"): CommandState.FAILED,
    (CommandState.SENT, "expire"): CommandState.EXPIRED,
}
COMMAND_MACHINE: Machine[CommandState] = Machine("fleet_command", COMMAND_TRANSITIONS)
