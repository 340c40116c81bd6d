"""Sets the kiosk gauges on /metrics from what the evaluator reads on each pass."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bedside.core import metrics
from bedside.fleet.models import FleetAlert
from bedside.fleet.rules import RULE_NAMES, KioskReadings, Rules
from bedside.fleet.states import BROKEN_MODULE_STATES, LIVE_ALERT_STATES


def observe(code: str, now: datetime, k: KioskReadings, out_of_service: bool, rules: Rules) -> None:
    age = None if k.last_report_at is None else (now - k.last_report_at).total_seconds()
    metrics.KIOSK_UP.labels(code).set(
        1 if age is not None and age <= rules.offline_after.total_seconds() else 0
    )
    # A kiosk never heard from has no age; a large number keeps `age > x` rules true for it.
    metrics.KIOSK_REPORT_AGE.labels(code).set(age if age is not None else 1e9)
    metrics.KIOSK_OUT_OF_SERVICE.labels(code).set(1 if out_of_service else 0)
    for m in k.modules:
        metrics.KIOSK_MODULE_UP.labels(code, str(m.get("kind"))).set(
            0 if m.get("state") in BROKEN_MODULE_STATES else 1
        )
    for name, level in k.consumables.items():
        metrics.KIOSK_CONSUMABLE.labels(code, name).set(level)


def observe_alerts(session: Session) -> None:
    # Every rule and state is set, to zero when none is live, so a cleared alert reads 0.
    counts: dict[tuple[str, str], int] = {(r, str(s)): 0 for r in RULE_NAMES for s in LIVE_ALERT_STATES}
    for rule, state, n in session.execute(
        select(FleetAlert.rule, FleetAlert.state, func.count())
        .where(FleetAlert.state.in_(list(LIVE_ALERT_STATES)))
        .group_by(FleetAlert.rule, FleetAlert.state)
    ):
        counts[(rule, state)] = n
    for (rule, state), n in counts.items():
        metrics.FLEET_ALERTS.labels(rule, state).set(n)
