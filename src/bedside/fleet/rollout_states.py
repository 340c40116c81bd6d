"""The software rollout's lifecycles and its rules: a rollout moves through its stages (one
pilot kiosk, the pilot's area, every kiosk); each kiosk's deployment (a hawkBit "action") is
offered, proceeds and ends; the stage's outcome decides whether to halt, go on or finish.
Standard library only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bedside.core.states import Machine


class RolloutState(StrEnum):
    DRAFT = "draft"
    RUNNING = "running"
    HALTED = "halted"
    FINISHED = "finished"
    ROLLED_BACK = "rolled_back"
    CANCELLED = "cancelled"


ROLLOUT_TRANSITIONS: dict[tuple[RolloutState, str], RolloutState] = {
    (RolloutState.DRAFT, "start"): RolloutState.RUNNING,
    (RolloutState.DRAFT, "cancel"): RolloutState.CANCELLED,
    # By the engineer, or by the evaluator when updated kiosks fail.
    (RolloutState.RUNNING, "halt"): RolloutState.HALTED,
    (RolloutState.RUNNING, "finish"): RolloutState.FINISHED,
    (RolloutState.RUNNING, "rollback"): RolloutState.ROLLED_BACK,
    (RolloutState.HALTED, "resume"): RolloutState.RUNNING,
    (RolloutState.HALTED, "rollback"): RolloutState.ROLLED_BACK,
    (RolloutState.HALTED, "cancel"): RolloutState.CANCELLED,
    (RolloutState.FINISHED, "rollback"): RolloutState.ROLLED_BACK,
}
ROLLOUT_MACHINE: Machine[RolloutState] = Machine("fleet_rollout", ROLLOUT_TRANSITIONS)
LIVE_ROLLOUT_STATES = frozenset({RolloutState.DRAFT, RolloutState.RUNNING, RolloutState.HALTED})


class ActionState(StrEnum):
    SCHEDULED = "scheduled"  # its stage has not come yet
    OFFERED = "offered"  # the kiosk finds it when it polls
    PROCEEDING = "proceeding"  # the kiosk said it is downloading or waiting to be idle
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


ACTION_TRANSITIONS: dict[tuple[ActionState, str], ActionState] = {
    (ActionState.SCHEDULED, "offer"): ActionState.OFFERED,
    (ActionState.SCHEDULED, "cancel"): ActionState.CANCELLED,
    (ActionState.OFFERED, "proceed"): ActionState.PROCEEDING,
    (ActionState.OFFERED, "succeed"): ActionState.SUCCEEDED,
    (ActionState.OFFERED, "fail"): ActionState.FAILED,
    (ActionState.OFFERED, "cancel"): ActionState.CANCELLED,
    (ActionState.PROCEEDING, "proceed"): ActionState.PROCEEDING,
    (ActionState.PROCEEDING, "succeed"): ActionState.SUCCEEDED,
    (ActionState.PROCEEDING, "fail"): ActionState.FAILED,
    (ActionState.PROCEEDING, "cancel"): ActionState.CANCELLED,
}
ACTION_MACHINE: Machine[ActionState] = Machine("fleet_rollout_action", ACTION_TRANSITIONS)
OPEN_ACTION_STATES = frozenset({ActionState.SCHEDULED, ActionState.OFFERED, ActionState.PROCEEDING})
ENDED_ACTION_STATES = frozenset({ActionState.SUCCEEDED, ActionState.FAILED})

STAGES = ("pilot", "area", "all")


@dataclass(frozen=True)
class Outcome:
    """One kiosk of the current stage, as the evaluator sees it."""

    state: ActionState
    ended_at: datetime | None = None
    # After it succeeded: the kiosk stopped reporting, or reports a broken module or a crash.
    unhealthy: bool = False


@dataclass(frozen=True)
class Decision:
    verdict: str  # "wait" | "halt" | "advance" | "finish"
    errors: int = 0
    ended: int = 0

    @property
    def error_rate_pct(self) -> int:
        return 0 if self.ended == 0 else (100 * self.errors) // self.ended


def decide(
    outcomes: Sequence[Outcome],
    *,
    earlier: Sequence[Outcome] = (),
    stage: int,
    max_error_rate_pct: int,
    soak: timedelta,
    now: datetime,
) -> Decision:
    """Halt as soon as the failed and unhealthy kiosks, of this stage and the stages before it
    (a pilot that falls ill after its area has begun still counts), exceed the allowed share of
    the kiosks that have ended (any error at all when the share is 0); go on once every kiosk of
    the stage has ended and the last one has run for the soak time."""
    ended = [o for o in (*earlier, *outcomes) if o.state in ENDED_ACTION_STATES]
    errors = sum(1 for o in ended if o.state is ActionState.FAILED or o.unhealthy)
    if errors and 100 * errors > max_error_rate_pct * len(ended):
        return Decision("halt", errors, len(ended))
    current = [o for o in outcomes if o.state in ENDED_ACTION_STATES]
    if len(current) < len(outcomes):
        return Decision("wait", errors, len(ended))
    last = max((o.ended_at for o in current if o.ended_at is not None), default=None)
    if last is not None and now - last < soak:
        return Decision("wait", errors, len(ended))
    return Decision("finish" if stage >= len(STAGES) - 1 else "advance", errors, len(ended))
