"""Tells the on-call engineers of fleet alerts through the notification channels (inbox, SMS,
WeChat): level 1 when an alert is raised, levels 1 and 2 when nobody acknowledged it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bedside.accounts.models import Account
from bedside.core.db import utcnow
from bedside.core.events import subscribe
from bedside.core.i18n import translations
from bedside.fleet import models as _models  # noqa: F401 - wiring loads the domain from here
from bedside.fleet import service
from bedside.fleet.events import FleetAlertEscalated, FleetAlertRaised
from bedside.fleet.labels import RULE
from bedside.fleet.models import OnCall
from bedside.kiosks import service as kiosks_service
from bedside.notifications import service as notifications


def _accounts(session: Session, levels: set[int]) -> set[int]:
    """The on-call phones' accounts. An engineer's phone gets an account of its own (no patient
    behind it) so that the channels, preferences and delivery log work as for anyone."""
    phones = set(
        session.scalars(select(OnCall.phone).where(OnCall.active.is_(True), OnCall.level.in_(levels)))
    )
    have = {a.phone: a.id for a in session.scalars(select(Account).where(Account.phone.in_(phones)))}
    for phone in sorted(phones - set(have)):
        account = Account(phone=phone, verified_at=utcnow())
        session.add(account)
        session.flush()
        have[phone] = account.id
    return set(have.values())


def _params(session: Session, kiosk_id: int, rule: str, subject: str) -> dict[str, object]:
    kiosk = kiosks_service.get(session, kiosk_id)
    place = service.placement(session, kiosk_id)
    where = " ".join(x for x in (place.building, place.floor, place.area) if x) or kiosk.location
    return {
        "kiosk": kiosk.code,
        "place": where,
        "rule": translations("zh_CN").gettext(RULE.get(rule, rule)),
        "rule_en": translations("en").gettext(RULE.get(rule, rule)),
        "subject": subject,
        "minutes": int(service.current_rules().escalate_after.total_seconds() // 60),
    }


@subscribe(FleetAlertRaised)
def alert_raised(session: Session, event: FleetAlertRaised) -> None:
    notifications.deliver(
        session,
        _accounts(session, {1}),
        template="fleet_alert_raised",
        params=_params(session, event.kiosk_id, event.rule, event.subject),
        dedupe_key=f"fleet_alert:{event.alert_id}",
        link=f"/console/fleet/alerts#alert-{event.alert_id}",
        # A broken kiosk at night is a queue in the morning; critical alerts wake someone.
        urgent=event.severity == "critical",
    )


@subscribe(FleetAlertEscalated)
def alert_escalated(session: Session, event: FleetAlertEscalated) -> None:
    notifications.deliver(
        session,
        _accounts(session, {1, 2}),
        template="fleet_alert_escalated",
        params=_params(session, event.kiosk_id, event.rule, event.subject),
        dedupe_key=f"fleet_alert_escalated:{event.alert_id}",
        link=f"/console/fleet/alerts#alert-{event.alert_id}",
        urgent=True,
    )
