"""Central kiosk software rollout: publish a signed bundle, roll it out in stages (one pilot
kiosk, then the pilot's area, then every kiosk), halt by itself when updated kiosks fail or
fall ill, resume or roll back. The kiosks learn of their deployment through the hawkBit-shaped
device API (fleet/ddi.py) and answer with feedback."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bedside.core import audit
from bedside.core.audit import Actor
from bedside.core.db import utcnow
from bedside.core.errors import Conflict, InvalidInput, NotFound
from bedside.core.i18n import N_
from bedside.core.states import InvalidTransition
from bedside.fleet import service
from bedside.fleet.releases import get_release
from bedside.fleet.rollout_models import Rollout, RolloutAction, SoftwareRelease
from bedside.fleet.rollout_states import (
    ACTION_MACHINE,
    ENDED_ACTION_STATES,
    LIVE_ROLLOUT_STATES,
    OPEN_ACTION_STATES,
    ROLLOUT_MACHINE,
    STAGES,
    ActionState,
    Outcome,
    RolloutState,
    decide,
)
from bedside.fleet.states import KioskState
from bedside.kiosks.models import Kiosk

SYSTEM = Actor(kind="system", id=None, label="rollout evaluator")
_UNHEALTHY = frozenset({KioskState.DEGRADED, KioskState.OFFLINE})


class RolloutNotAllowed(Conflict):
    code = "rollout_not_allowed"
    message = N_("The rollout cannot {action} while it is {state}.")


# --- rollouts -------------------------------------------------------------------------------


def get(session: Session, rollout_id: int) -> Rollout:
    rollout = session.get(Rollout, rollout_id)
    if rollout is None:
        raise NotFound()
    return rollout


def rollouts(session: Session, limit: int = 20) -> list[Rollout]:
    return list(session.scalars(select(Rollout).order_by(Rollout.id.desc()).limit(limit)))


def actions(session: Session, rollout_id: int) -> list[RolloutAction]:
    stmt = select(RolloutAction).where(RolloutAction.rollout_id == rollout_id)
    return list(session.scalars(stmt.order_by(RolloutAction.stage, RolloutAction.kiosk_id)))


def progress(session: Session, rollout_id: int) -> dict[str, Counter[str]]:
    """Per stage name, how many kiosks are in each action state."""
    counts: dict[str, Counter[str]] = {name: Counter() for name in STAGES}
    for action in actions(session, rollout_id):
        counts[STAGES[action.stage]][action.state] += 1
    return counts


def _live(session: Session) -> Rollout | None:
    stmt = select(Rollout).where(Rollout.state.in_(list(LIVE_ROLLOUT_STATES)))
    return session.scalar(stmt.order_by(Rollout.id.desc()).limit(1))


def _plan(session: Session, pilot: Kiosk) -> dict[int, int]:
    """kiosk id -> stage: the pilot, the kiosks in the pilot's area, the rest."""
    views = service.fleet(session)
    place = {v.kiosk.id: (v.place.campus, v.place.building, v.place.floor, v.place.area) for v in views}
    plan = {}
    for view in views:
        if not view.kiosk.active:
            continue
        if view.kiosk.id == pilot.id:
            plan[view.kiosk.id] = 0
        elif any(place[pilot.id]) and place[view.kiosk.id] == place[pilot.id]:
            plan[view.kiosk.id] = 1
        else:
            plan[view.kiosk.id] = 2
    return plan


def create(
    session: Session,
    actor: Actor,
    release_id: int,
    pilot_kiosk_id: int,
    *,
    max_error_rate_pct: int = 0,
    soak_minutes: int = 30,
) -> Rollout:
    release = get_release(session, release_id)
    pilot = session.get(Kiosk, pilot_kiosk_id)
    if pilot is None or not pilot.active:
        raise InvalidInput(N_("Choose an active pilot kiosk."), code="invalid_pilot", field="pilot_kiosk_id")
    if not 0 <= max_error_rate_pct <= 100:
        raise InvalidInput(N_("The error rate is a percentage from 0 to 100."), code="invalid_error_rate")
    if not 0 <= soak_minutes <= 24 * 60:
        raise InvalidInput(N_("The soak time is 0 to 1,440 minutes."), code="invalid_soak")
    if _live(session) is not None:
        raise Conflict(N_("Another rollout is still in progress."), code="rollout_in_progress")
    rollout = Rollout(
        release_id=release.id,
        state=RolloutState.DRAFT,
        pilot_kiosk_id=pilot.id,
        max_error_rate_pct=max_error_rate_pct,
        soak_minutes=soak_minutes,
        created_by=actor.label[:100],
    )
    session.add(rollout)
    session.flush()
    for kiosk_id, stage in _plan(session, pilot).items():
        session.add(
            RolloutAction(
                rollout_id=rollout.id,
                kiosk_id=kiosk_id,
                release_id=release.id,
                stage=stage,
                state=ActionState.SCHEDULED,
            )
        )
    audit.record(
        session, actor, "fleet.rollout_created", "fleet_rollout", rollout.id, version=release.version
    )
    session.commit()
    return rollout


def _move(session: Session, actor: Actor, rollout: Rollout, action: str, **detail: Any) -> None:
    try:
        rollout.state = ROLLOUT_MACHINE.next_state(RolloutState(rollout.state), action)
    except InvalidTransition as exc:
        raise RolloutNotAllowed(params={"state": rollout.state, "action": action}) from exc
    audit.record(session, actor, f"fleet.rollout_{action}", "fleet_rollout", rollout.id, **detail)


def _act(action: RolloutAction, step: str, now: datetime, detail: str = "") -> None:
    action.state = ACTION_MACHINE.next_state(ActionState(action.state), step)
    action.updated_at = now
    if step == "offer":
        action.offered_at = now
    if action.state in ENDED_ACTION_STATES:
        action.ended_at = now
    if detail:
        action.detail = detail[:300]


def _offer_stage(session: Session, rollout: Rollout, now: datetime) -> None:
    versions = {v.kiosk.id: v.status.software_version if v.status else "" for v in service.fleet(session)}
    for action in actions(session, rollout.id):
        if action.stage == rollout.stage and action.state == ActionState.SCHEDULED:
            action.from_version = (versions.get(action.kiosk_id) or "")[:40]
            _act(action, "offer", now)
    rollout.stage_started_at = now


def start(session: Session, actor: Actor, rollout_id: int) -> Rollout:
    rollout = get(session, rollout_id)
    _move(session, actor, rollout, "start")
    _offer_stage(session, rollout, utcnow())
    session.commit()
    evaluate(session)
    return rollout


def halt(session: Session, actor: Actor, rollout_id: int, reason: str) -> Rollout:
    rollout = get(session, rollout_id)
    if not reason.strip():
        raise InvalidInput(N_("Say why the rollout is halted."), code="reason_required", field="reason")
    _move(session, actor, rollout, "halt", reason=reason.strip()[:200])
    rollout.halted_reason = reason.strip()[:200]
    session.commit()
    return rollout


def resume(session: Session, actor: Actor, rollout_id: int) -> Rollout:
    rollout = get(session, rollout_id)
    _move(session, actor, rollout, "resume")
    rollout.halted_reason = ""
    session.commit()
    evaluate(session)
    return rollout


def _cancel_open(rollout: Rollout, items: list[RolloutAction], now: datetime) -> None:
    for action in items:
        if action.state in OPEN_ACTION_STATES:
            _act(action, "cancel", now)
    rollout.ended_at = now


def cancel(session: Session, actor: Actor, rollout_id: int) -> Rollout:
    rollout = get(session, rollout_id)
    _move(session, actor, rollout, "cancel")
    _cancel_open(rollout, actions(session, rollout.id), utcnow())
    session.commit()
    return rollout


def rollback(session: Session, actor: Actor, rollout_id: int) -> Rollout:
    """Stops the rollout and puts each updated kiosk back on the version it ran before, all at
    once: a rollback is not piloted. Every previous version must be a published release."""
    rollout = get(session, rollout_id)
    if rollout.kind == "rollback":
        raise Conflict(
            N_("A rollback cannot itself be rolled back: publish a fix instead."), code="rollback_of_rollback"
        )
    items = actions(session, rollout.id)
    updated = [a for a in items if a.state == ActionState.SUCCEEDED]
    wanted = {a.from_version for a in updated}
    known = {
        r.version: r
        for r in session.scalars(select(SoftwareRelease).where(SoftwareRelease.version.in_(wanted)))
    }
    unknown = sorted(wanted - set(known))
    if unknown:
        raise Conflict(
            N_("A kiosk ran {versions} before, which is not a published release: it cannot be put back."),
            code="previous_version_unknown",
            params={"versions": ", ".join(unknown)},
        )
    now = utcnow()
    _move(session, actor, rollout, "rollback")
    _cancel_open(rollout, items, now)
    if not updated:
        session.commit()
        return rollout
    main = Counter(a.from_version for a in updated).most_common(1)[0][0]
    release_version = get_release(session, rollout.release_id).version
    back = Rollout(
        release_id=known[main].id,
        kind="rollback",
        state=RolloutState.RUNNING,
        stage=len(STAGES) - 1,
        max_error_rate_pct=100,
        soak_minutes=0,
        rollback_of_id=rollout.id,
        created_by=actor.label[:100],
        stage_started_at=now,
    )
    session.add(back)
    session.flush()
    for a in updated:
        action = RolloutAction(
            rollout_id=back.id,
            kiosk_id=a.kiosk_id,
            release_id=known[a.from_version].id,
            stage=back.stage,
            state=ActionState.SCHEDULED,
            from_version=release_version,
        )
        _act(action, "offer", now)
        session.add(action)
    audit.record(session, actor, "fleet.rollout_started", "fleet_rollout", back.id, rollback_of=rollout.id)
    session.commit()
    return rollout


# --- the evaluator ----------------------------------------------------------------------------


def evaluate(session: Session, now: datetime | None = None) -> list[tuple[int, str]]:
    """Runs every running rollout one step: halt, go on to the next stage, finish, or wait.
    Called by the timers loop and after each kiosk's final feedback."""
    now = now or utcnow()
    running = list(session.scalars(select(Rollout).where(Rollout.state == RolloutState.RUNNING)))
    if not running:
        return []
    views = {v.kiosk.id: v for v in service.fleet(session, now=now)}
    done: list[tuple[int, str]] = []
    for rollout in running:
        while True:
            seen = [
                (a.stage, Outcome(ActionState(a.state), a.ended_at, _unhealthy(a, views.get(a.kiosk_id))))
                for a in actions(session, rollout.id)
                if a.stage <= rollout.stage and a.state != ActionState.CANCELLED
            ]
            decision = decide(
                [o for stage, o in seen if stage == rollout.stage],
                earlier=[o for stage, o in seen if stage < rollout.stage],
                stage=rollout.stage,
                max_error_rate_pct=rollout.max_error_rate_pct,
                soak=timedelta(minutes=rollout.soak_minutes),
                now=now,
            )
            if decision.verdict == "halt":
                reason = f"{STAGES[rollout.stage]}: {decision.errors}/{decision.ended} updated kiosks failed"
                _move(session, SYSTEM, rollout, "halt", reason=reason, error_rate_pct=decision.error_rate_pct)
                rollout.halted_reason = reason[:200]
            elif decision.verdict == "finish":
                _move(session, SYSTEM, rollout, "finish")
                rollout.ended_at = now
            elif decision.verdict == "advance":
                rollout.stage += 1
                _offer_stage(session, rollout, now)
                audit.record(
                    session, SYSTEM, "fleet.rollout_stage", "fleet_rollout", rollout.id, stage=rollout.stage
                )
                continue  # an empty stage goes on at once
            if decision.verdict != "wait":
                done.append((rollout.id, decision.verdict))
            break
    session.commit()
    return done


def _unhealthy(action: RolloutAction, view: service.KioskView | None) -> bool:
    """An updated kiosk that went silent, or that reported a broken module after the update."""
    if action.state != ActionState.SUCCEEDED or view is None or action.ended_at is None:
        return False
    if view.state is KioskState.OFFLINE:
        return True
    return view.state in _UNHEALTHY and view.status is not None and view.status.received_at > action.ended_at


# --- the kiosk's side ---------------------------------------------------------------------------


def offered(session: Session, kiosk_id: int) -> RolloutAction | None:
    """The deployment a kiosk should act on now: an open action of a running rollout."""
    stmt = (
        select(RolloutAction)
        .join(Rollout, Rollout.id == RolloutAction.rollout_id)
        .where(
            RolloutAction.kiosk_id == kiosk_id,
            RolloutAction.state.in_([ActionState.OFFERED, ActionState.PROCEEDING]),
            Rollout.state == RolloutState.RUNNING,
        )
        .order_by(RolloutAction.id.desc())
        .limit(1)
    )
    return session.scalar(stmt)


def kiosk_actions(session: Session, kiosk_id: int) -> list[RolloutAction]:
    return list(session.scalars(select(RolloutAction).where(RolloutAction.kiosk_id == kiosk_id)))


def kiosk_action(session: Session, kiosk_id: int, action_id: int) -> RolloutAction:
    action = session.get(RolloutAction, action_id)
    if action is None or action.kiosk_id != kiosk_id:
        raise NotFound()
    return action


# hawkBit's execution statuses, and what each does to the action.
_EXECUTION = {
    "proceeding": "proceed",
    "scheduled": "proceed",
    "resumed": "proceed",
    "download": "proceed",
    "downloaded": "proceed",
    "rejected": "fail",
}


def feedback(
    session: Session, kiosk: Kiosk, action_id: int, execution: str, finished: str, details: list[str]
) -> RolloutAction:
    action = kiosk_action(session, kiosk.id, action_id)
    if execution == "closed":
        step = {"success": "succeed", "failure": "fail"}.get(finished)
    else:
        step = _EXECUTION.get(execution)
    if step is None:
        raise InvalidInput(N_("Unknown feedback status."), code="invalid_feedback", field="status")
    if action.state in ENDED_ACTION_STATES and step in ("succeed", "fail", "proceed"):
        return action  # the agent resends after a lost answer: nothing changes
    try:
        _act(action, step, utcnow(), "; ".join(details)[:300])
    except InvalidTransition as exc:
        raise Conflict(N_("This deployment was cancelled."), code="action_cancelled") from exc
    audit.record(
        session,
        Actor(kind="kiosk", id=kiosk.id, label=kiosk.code, kiosk_id=kiosk.id),
        f"fleet.rollout_action_{action.state}",
        "fleet_rollout_action",
        action.id,
        rollout_id=action.rollout_id,
    )
    session.commit()
    if action.state in ENDED_ACTION_STATES:
        evaluate(session)
    return action
