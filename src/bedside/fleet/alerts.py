"""The alert evaluator (run by the timers loop) and the engineer's acknowledgement.

Each pass applies the rules to every kiosk's recent reports: a condition met with no live
alert raises one (the unique open key makes that once, even with two evaluators racing); a
live alert whose condition is gone is resolved; an open alert older than the escalation time
is escalated. Raise and escalate put an event in the outbox for the on-call engineers."""

from __future__ import annotations

import re
import time
from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bedside.core import audit, events
from bedside.core.audit import SYSTEM, Actor
from bedside.core.db import utcnow
from bedside.core.errors import Conflict, InvalidInput, NotFound
from bedside.core.i18n import N_
from bedside.core.states import InvalidTransition
from bedside.fleet import metrics, service, upkeep
from bedside.fleet import rules as fleet_rules
from bedside.fleet.events import FleetAlertEscalated, FleetAlertRaised
from bedside.fleet.models import FleetAlert, KioskPlacement, OnCall, StandIn
from bedside.fleet.states import ALERT_MACHINE, LIVE_ALERT_STATES, AlertState
from bedside.kiosks import service as kiosks_service
from bedside.kiosks import telemetry as kiosk_telemetry
from bedside.kiosks.models import KioskTelemetry
from bedside.settings import get_settings
from bedside.staff import service as staff_service
from bedside.staff.roles import Role


def _history(
    session: Session, since: datetime
) -> dict[int, list[tuple[datetime, dict[str, int], dict[str, int]]]]:
    out: dict[int, list[tuple[datetime, dict[str, int], dict[str, int]]]] = defaultdict(list)
    rows = session.execute(
        select(KioskTelemetry.kiosk_id, KioskTelemetry.received_at, KioskTelemetry.payload)
        .where(KioskTelemetry.received_at >= since)
        .order_by(KioskTelemetry.received_at)
    )
    for kiosk_id, at, payload in rows:
        out[kiosk_id].append((at, payload.get("consumables", {}), payload.get("transactions", {})))
    return out


def _transition(alert: FleetAlert, action: str) -> AlertState:
    return ALERT_MACHINE.next_state(AlertState(alert.state), action)


def evaluate(session: Session, now: datetime | None = None) -> dict[str, int]:
    """One pass over the fleet; returns how many alerts were raised, escalated and resolved."""
    now = now or utcnow()
    rules = service.current_rules()
    local_now = now.astimezone(get_settings().tz)
    local_hour = local_now.hour
    done = upkeep.last_done(session)
    history = _history(session, now - rules.usage_window)
    status = kiosk_telemetry.latest(session)
    places = {p.kiosk_id: p for p in session.scalars(select(KioskPlacement))}
    serving = set(session.scalars(select(StandIn.spare_kiosk_id).where(StandIn.ended_at.is_(None))))
    live: dict[str | None, FleetAlert] = {
        a.open_key: a
        for a in session.scalars(select(FleetAlert).where(FleetAlert.state.in_(list(LIVE_ALERT_STATES))))
    }
    counts = {"raised": 0, "escalated": 0, "resolved": 0}
    met: set[str] = set()
    for kiosk in kiosks_service.list_kiosks(session):
        place = places.get(kiosk.id) or service.placement(session, kiosk.id)
        st = status.get(kiosk.id)
        hist = history.get(kiosk.id, [])
        readings = fleet_rules.KioskReadings(
            last_report_at=st.received_at if st else None,
            modules=st.modules if st else [],
            consumables=st.consumables if st else {},
            history=hist,
            reporting_since=hist[0][0] if hist else None,
        )
        place.run_out = {
            name: (
                eta.isoformat()
                if (eta := fleet_rules.run_out_at([(at, c[name]) for at, c, _ in hist if name in c], now))
                else None
            )
            for name in readings.consumables
        }
        metrics.observe(kiosk.code, now, readings, place.out_of_service or not kiosk.active, rules)
        # A kiosk taken out of service is known to be down, and a spare on the shelf is off
        # until it stands in somewhere: nobody is paged about either.
        if place.out_of_service or not kiosk.active or (place.spare and kiosk.id not in serving):
            continue
        found = fleet_rules.conditions(rules, readings, now, local_hour)
        found += fleet_rules.upkeep_conditions(rules, done.get(kiosk.id, {}), kiosk.created_at, local_now)
        for cond in found:
            key = f"{kiosk.id}:{cond.key}"
            met.add(key)
            if key in live:
                live[key].last_seen_at = now
                continue
            alert = _raise(session, kiosk.id, cond, rules.severity(cond.rule), key, now)
            if alert is not None:
                counts["raised"] += 1
    for open_key, alert in live.items():
        if open_key not in met:
            alert.state, alert.open_key, alert.resolved_at = _transition(alert, "resolve"), None, now
            audit.record(session, SYSTEM, "fleet.alert_resolved", "fleet_alert", alert.id, rule=alert.rule)
            counts["resolved"] += 1
        elif alert.state == AlertState.OPEN and now - alert.raised_at >= rules.escalate_after:
            alert.state, alert.escalated_at = _transition(alert, "escalate"), now
            audit.record(session, SYSTEM, "fleet.alert_escalated", "fleet_alert", alert.id, rule=alert.rule)
            events.emit(
                session,
                FleetAlertEscalated(alert.id, alert.kiosk_id, alert.rule, alert.subject, alert.severity),
            )
            counts["escalated"] += 1
    metrics.observe_alerts(session)
    session.commit()
    return counts


def _raise(
    session: Session, kiosk_id: int, cond: fleet_rules.Condition, severity: str, key: str, now: datetime
) -> FleetAlert | None:
    alert = FleetAlert(
        kiosk_id=kiosk_id,
        rule=cond.rule,
        subject=cond.subject,
        severity=severity,
        state=AlertState.OPEN,
        open_key=key,
        detail=dict(cond.detail),
        raised_at=now,
        last_seen_at=now,
    )
    try:
        with session.begin_nested():
            session.add(alert)
            session.flush()
    except IntegrityError:
        return None  # another evaluator raised it a moment ago
    audit.record(
        session, SYSTEM, "fleet.alert_raised", "fleet_alert", alert.id, rule=cond.rule, subject=cond.subject
    )
    events.emit(session, FleetAlertRaised(alert.id, kiosk_id, cond.rule, cond.subject, severity))
    return alert


def acknowledge(session: Session, actor: Actor, alert_id: int) -> FleetAlert:
    alert = session.get(FleetAlert, alert_id, with_for_update=True)
    if alert is None:
        raise NotFound(N_("Alert not found."), code="fleet_alert_not_found")
    try:
        alert.state = _transition(alert, "acknowledge")
    except InvalidTransition as exc:
        raise Conflict(
            N_("This alert cannot be acknowledged any more."), code="fleet_alert_not_open"
        ) from exc
    alert.acknowledged_at, alert.acknowledged_by = utcnow(), actor.id
    audit.record(session, actor, "fleet.alert_acknowledged", "fleet_alert", alert.id, rule=alert.rule)
    session.commit()
    return alert


def listing(session: Session, live_only: bool = True, limit: int = 200) -> list[FleetAlert]:
    q = select(FleetAlert).order_by(FleetAlert.raised_at.desc()).limit(limit)
    if live_only:
        q = q.where(FleetAlert.state.in_(list(LIVE_ALERT_STATES)))
    return list(session.scalars(q))


def get(session: Session, alert_id: int) -> FleetAlert:
    alert = session.get(FleetAlert, alert_id)
    if alert is None:
        raise NotFound(N_("Alert not found."), code="fleet_alert_not_found")
    return alert


def describe(alert: FleetAlert) -> dict[str, Any]:
    return {
        "id": alert.id,
        "kiosk_id": alert.kiosk_id,
        "rule": alert.rule,
        "subject": alert.subject,
        "severity": alert.severity,
        "state": alert.state,
    }


_last_pass: float | None = None


def due() -> bool:
    """True once per `fleet_evaluate_seconds` (the timers loop asks every second)."""
    global _last_pass  # noqa: PLW0603 - one evaluator per process
    now = time.monotonic()
    if _last_pass is not None and now - _last_pass < get_settings().fleet_evaluate_seconds:
        return False
    _last_pass = now
    return True


# --- on call ------------------------------------------------------------------------------

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


def on_call(session: Session) -> list[OnCall]:
    return list(session.scalars(select(OnCall).order_by(OnCall.level, OnCall.id)))


def set_on_call(
    session: Session, actor: Actor, staff_user_id: int, phone: str, level: int, active: bool
) -> OnCall:
    user = staff_service.get_user(session, staff_user_id)
    if Role.OPS_ENGINEER not in user.roles:
        raise InvalidInput(
            N_("Only ops engineers can be on call."), code="not_an_engineer", field="staff_user_id"
        )
    phone = phone.strip()
    if not PHONE_RE.match(phone):
        raise InvalidInput(N_("Enter an 11-digit mobile number."), code="invalid_phone", field="phone")
    row = session.scalar(select(OnCall).where(OnCall.staff_user_id == staff_user_id))
    if row is None:
        row = OnCall(staff_user_id=staff_user_id, phone=phone, level=level, active=active)
        session.add(row)
    row.phone, row.level, row.active = phone, level, active
    session.flush()
    # The phone number is personal data: the audit row names the engineer, not the number.
    audit.record(session, actor, "fleet.on_call", "staff_user", staff_user_id, level=level, active=active)
    session.commit()
    return row
