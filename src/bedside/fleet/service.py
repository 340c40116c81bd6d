"""The fleet as the console sees it: each kiosk's place, derived state, modules, consumables
with their projected run-out, today's transactions and live alerts; placements and putting a
kiosk out of service; the telemetry hook that adds up the day's transactions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bedside.core import audit
from bedside.core.audit import Actor
from bedside.core.clock import local_today
from bedside.core.db import utcnow
from bedside.core.errors import InvalidInput, NotFound
from bedside.core.i18n import N_
from bedside.fleet import rules as fleet_rules
from bedside.fleet.models import DailyUsage, FleetAlert, KioskPlacement
from bedside.fleet.states import LIVE_ALERT_STATES, Heartbeat, KioskState, derive
from bedside.kiosks import service as kiosks_service
from bedside.kiosks import telemetry as kiosk_telemetry
from bedside.kiosks.models import Kiosk, KioskStatus, KioskTelemetry
from bedside.settings import get_settings

# Counters that moved within this time mean a patient is at the kiosk (two reports).
IN_USE_WINDOW = timedelta(seconds=65)


def current_rules() -> fleet_rules.Rules:
    path = get_settings().fleet_rules_path
    return fleet_rules.load(str(path) if path else None)


# --- telemetry hook -----------------------------------------------------------------------


def on_report(
    session: Session, kiosk: Kiosk, previous: Mapping[str, int] | None, report: Any, now: datetime
) -> None:
    """Adds the counters' rise since the previous report to the kiosk's day. Registered with
    kiosks.telemetry, so it commits with the report."""
    rise = done = failed = 0
    for name, value in report.transactions.items():
        before = (previous or {}).get(name, 0)
        rise = value - before if value >= before else value
        if "fail" in name:
            failed += rise
        else:
            done += rise
    day = local_today()
    row = session.scalar(select(DailyUsage).where(DailyUsage.kiosk_id == kiosk.id, DailyUsage.day == day))
    if row is None:
        row = DailyUsage(kiosk_id=kiosk.id, day=day, transactions=0, payment_failures=0)
        session.add(row)
    # The first report after a restart of the server has no previous counters to compare.
    if previous is not None:
        row.transactions += done
        row.payment_failures += failed
        if done:
            row.last_activity_at = now


# --- views --------------------------------------------------------------------------------


@dataclass
class KioskView:
    kiosk: Kiosk
    place: KioskPlacement
    status: KioskStatus | None
    state: KioskState
    today: int = 0
    live_alerts: int = 0
    run_out: dict[str, datetime | None] = field(default_factory=dict)

    @property
    def broken_modules(self) -> list[dict[str, Any]]:
        return [m for m in (self.status.modules if self.status else []) if m.get("state") != "ok"]


def placement(session: Session, kiosk_id: int) -> KioskPlacement:
    row = session.scalar(select(KioskPlacement).where(KioskPlacement.kiosk_id == kiosk_id))
    if row is None:
        row = KioskPlacement(kiosk_id=kiosk_id, run_out={})
        session.add(row)
        session.flush()
    return row


def out_of_service(session: Session, kiosk_id: int) -> tuple[bool, str]:
    """Read only (the kiosk page asks every 30 seconds): out of service, and why."""
    row = session.execute(
        select(KioskPlacement.out_of_service, KioskPlacement.out_of_service_reason).where(
            KioskPlacement.kiosk_id == kiosk_id
        )
    ).first()
    return (bool(row[0]), str(row[1])) if row else (False, "")


def _parse_times(raw: Mapping[str, Any]) -> dict[str, datetime | None]:
    return {k: datetime.fromisoformat(v) if v else None for k, v in raw.items()}


@dataclass(frozen=True)
class Filters:
    campus: str = ""
    building: str = ""
    floor: str = ""
    area: str = ""
    state: str = ""
    q: str = ""

    def keep(self, v: KioskView) -> bool:
        p = v.place
        for want, have in (
            (self.campus, p.campus),
            (self.building, p.building),
            (self.floor, p.floor),
            (self.area, p.area),
        ):
            if want and want != have:
                return False
        if self.state and self.state != v.state:
            return False
        q = self.q.strip().lower()
        return not q or q in f"{v.kiosk.code} {v.kiosk.name} {v.kiosk.location}".lower()


def fleet(session: Session, filters: Filters | None = None, now: datetime | None = None) -> list[KioskView]:
    """Every registered kiosk, active or not, sorted by place."""
    now = now or utcnow()
    rules = current_rules()
    kiosks = kiosks_service.list_kiosks(session)
    places = {p.kiosk_id: p for p in session.scalars(select(KioskPlacement))}
    status = kiosk_telemetry.latest(session)
    today = {
        u.kiosk_id: u for u in session.scalars(select(DailyUsage).where(DailyUsage.day == local_today()))
    }
    alerts = dict(
        session.execute(
            select(FleetAlert.kiosk_id, func.count())
            .where(FleetAlert.state.in_(list(LIVE_ALERT_STATES)))
            .group_by(FleetAlert.kiosk_id)
        ).all()
    )
    views = []
    for k in kiosks:
        place = places.get(k.id) or KioskPlacement(
            kiosk_id=k.id, campus="", building="", floor="", area="", run_out={}
        )
        st = status.get(k.id)
        usage = today.get(k.id)
        moved = bool(usage and usage.last_activity_at and now - usage.last_activity_at <= IN_USE_WINDOW)
        beat = Heartbeat(st.received_at if st else None, st.modules if st else [], moved)
        state = derive(
            now, beat, offline_after=rules.offline_after, out_of_service=place.out_of_service or not k.active
        )
        views.append(
            KioskView(
                k,
                place,
                st,
                state,
                usage.transactions if usage else 0,
                alerts.get(k.id, 0),
                _parse_times(place.run_out or {}),
            )
        )
    views.sort(key=lambda v: (v.place.campus, v.place.building, v.place.floor, v.place.area, v.kiosk.code))
    return [v for v in views if filters is None or filters.keep(v)]


def choices(views: list[KioskView]) -> dict[str, list[str]]:
    """The filter values present in the fleet."""
    return {
        name: sorted({getattr(v.place, name) for v in views if getattr(v.place, name)})
        for name in ("campus", "building", "floor", "area")
    }


def versions(views: list[KioskView]) -> dict[str, int]:
    """How many kiosks run each software version the agents report, most common first."""
    counts: dict[str, int] = {}
    for v in views:
        if v.status is not None:
            counts[v.status.software_version] = counts.get(v.status.software_version, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def by_floor(views: list[KioskView]) -> dict[str, dict[str, list[KioskView]]]:
    """campus · building · floor → area → kiosks, for the floor view."""
    out: dict[str, dict[str, list[KioskView]]] = {}
    for v in views:
        floor = " · ".join(x for x in (v.place.campus, v.place.building, v.place.floor) if x) or "—"
        out.setdefault(floor, {}).setdefault(v.place.area or "—", []).append(v)
    return out


def fingerprint(views: list[KioskView]) -> str:
    """Changes whenever anything the console shows changes (the live stream compares it)."""
    parts = []
    for v in views:
        seen = v.status.received_at.isoformat() if v.status else ""
        parts.append(f"{v.kiosk.id}:{v.state}:{seen}:{v.live_alerts}:{v.today}")
    return "|".join(parts)


def get_view(session: Session, kiosk_id: int) -> KioskView:
    for v in fleet(session):
        if v.kiosk.id == kiosk_id:
            return v
    raise NotFound(N_("Kiosk not found."), code="kiosk_not_found")


def fault_log(session: Session, kiosk_id: int, limit: int = 30) -> list[tuple[datetime, str]]:
    """The kiosk's distinct errors and module faults from its kept reports, newest first."""
    rows = session.execute(
        select(KioskTelemetry.received_at, KioskTelemetry.payload)
        .where(KioskTelemetry.kiosk_id == kiosk_id)
        .order_by(KioskTelemetry.received_at.desc())
        .limit(2000)
    ).all()
    seen: set[str] = set()
    log: list[tuple[datetime, str]] = []
    for at, payload in rows:
        texts = [payload.get("last_error") or ""]
        texts += [
            f"{m.get('kind')}: {m.get('state')} {m.get('detail') or ''}".strip()
            for m in payload.get("modules", [])
            if m.get("state") != "ok"
        ]
        for text in texts:
            if text and text not in seen:
                seen.add(text)
                log.append((at, text))
    return log[:limit]


PLACE_FIELDS = ("campus", "building", "floor", "area", "maker", "maker_contact")


def update_placement(
    session: Session, actor: Actor, kiosk_id: int, values: Mapping[str, str], production_date: str = ""
) -> KioskPlacement:
    kiosks_service.get(session, kiosk_id)
    row = placement(session, kiosk_id)
    before = {f: getattr(row, f) for f in PLACE_FIELDS}
    for f in PLACE_FIELDS:
        if f in values:
            setattr(row, f, values[f].strip())
    if production_date:
        try:
            row.production_date = date.fromisoformat(production_date)
        except ValueError as exc:
            raise InvalidInput(
                N_("Enter the date as YYYY-MM-DD."), code="invalid_date", field="production_date"
            ) from exc
    row.spare = values.get("spare") == "1"
    row.updated_at = utcnow()
    audit.record(
        session,
        actor,
        "fleet.placement",
        "kiosk",
        kiosk_id,
        before=before,
        after={f: getattr(row, f) for f in PLACE_FIELDS},
        spare=row.spare,
    )
    session.commit()
    return row


def set_out_of_service(session: Session, actor: Actor, kiosk_id: int, out: bool, reason: str = "") -> None:
    kiosks_service.get(session, kiosk_id)
    row = placement(session, kiosk_id)
    if out and not reason.strip():
        raise InvalidInput(N_("Say why the kiosk is out of service."), code="reason_required", field="reason")
    row.out_of_service, row.out_of_service_reason = out, reason.strip() if out else ""
    audit.record(
        session,
        actor,
        "fleet.out_of_service" if out else "fleet.back_in_service",
        "kiosk",
        kiosk_id,
        reason=reason,
    )
    session.commit()
