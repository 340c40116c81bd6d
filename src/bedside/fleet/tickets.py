"""Repair tickets (from an alert, the kiosk's own "report a fault", or by hand), their steps
through the transition table, and a spare kiosk standing in for the one in repair."""

from __future__ import annotations

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
from bedside.fleet import alerts as fleet_alerts
from bedside.fleet import service
from bedside.fleet.models import RepairTicket, StandIn, TicketStep
from bedside.fleet.states import OPEN_TICKET_STATES, TICKET_MACHINE, TICKET_STAMPS, TicketState
from bedside.kiosks import service as kiosks_service

# Time to repair agreed with the makers, by fault class.
SLA = {
    "payment": timedelta(hours=4),
    "printer": timedelta(hours=8),
    "reader": timedelta(hours=8),
    "screen": timedelta(hours=24),
    "network": timedelta(hours=4),
    "software": timedelta(hours=8),
    "other": timedelta(hours=48),
}
FAULT_CLASSES = tuple(SLA)
# An alert's rule or module tells the fault class of a ticket opened from it.
_CLASS_OF = {
    "receipt_printer": "printer",
    "laser_printer": "printer",
    "wristband_printer": "printer",
    "stamper": "printer",
    "id_reader": "reader",
    "card_reader": "reader",
    "scanner": "reader",
    "camera": "reader",
    "pin_pad": "payment",
    "cash_acceptor": "payment",
    "payment_failures": "payment",
    "offline": "network",
}
PLACE = ("campus", "building", "floor", "area")


def _step(
    session: Session, ticket: RepairTicket, actor: Actor, action: str, before: str | None, note: str = ""
) -> None:
    session.add(
        TicketStep(
            ticket_id=ticket.id,
            action=action,
            from_state=before,
            to_state=ticket.state,
            actor_label=actor.label[:100],
            note=note[:400],
        )
    )
    audit.record(
        session,
        actor,
        f"fleet.ticket_{action}",
        "fleet_ticket",
        ticket.id,
        kiosk_id=ticket.kiosk_id,
        state=ticket.state,
    )


def open_ticket(
    session: Session,
    actor: Actor,
    kiosk_id: int,
    *,
    fault: str,
    fault_class: str,
    source: str = "manual",
    alert_id: int | None = None,
    responsible: str = "",
    now: datetime | None = None,
) -> RepairTicket:
    kiosk = kiosks_service.get(session, kiosk_id)
    if not fault.strip():
        raise InvalidInput(N_("Describe the fault."), code="fault_required", field="fault")
    if fault_class not in SLA:
        raise InvalidInput(N_("Choose a fault class."), code="invalid_fault_class", field="fault_class")
    place = service.placement(session, kiosk_id)
    now = now or utcnow()
    ticket = RepairTicket(
        kiosk_id=kiosk_id,
        alert_id=alert_id,
        source=source,
        state=TicketState.OPENED,
        model=kiosk.model,
        maker=place.maker,
        maker_contact=place.maker_contact,
        production_date=place.production_date,
        fault=fault.strip()[:400],
        fault_class=fault_class,
        responsible=responsible.strip()[:50],
        reported_at=now,
        sla_due_at=now + SLA[fault_class],
    )
    session.add(ticket)
    session.flush()
    _step(session, ticket, actor, "open", None, fault)
    session.commit()
    return ticket


def from_alert(session: Session, actor: Actor, alert_id: int, responsible: str = "") -> RepairTicket:
    alert = fleet_alerts.get(session, alert_id)
    existing = session.scalar(select(RepairTicket).where(RepairTicket.alert_id == alert_id))
    if existing is not None:
        return existing
    fault_class = _CLASS_OF.get(alert.subject) or _CLASS_OF.get(alert.rule) or "other"
    fault = f"{alert.rule} {alert.subject}".strip()
    return open_ticket(
        session,
        actor,
        alert.kiosk_id,
        fault=fault,
        fault_class=fault_class,
        source="alert",
        alert_id=alert_id,
        responsible=responsible,
    )


KIOSK_FAULT_CLASSES = ("printer", "reader", "screen", "payment", "other")


def report_from_kiosk(
    session: Session, actor: Actor, kiosk_id: int, fault_class: str, fault: str
) -> RepairTicket:
    """The kiosk's own "report a fault" button, pressed by a patient or staff member. The same
    fault reported again while its ticket is open joins that ticket instead of opening another,
    so a queue of patients pressing it makes one repair, not ten."""
    if fault_class not in KIOSK_FAULT_CLASSES:
        raise InvalidInput(N_("Choose what is not working."), code="invalid_fault_class", field="fault_class")
    existing = session.scalar(
        select(RepairTicket).where(
            RepairTicket.kiosk_id == kiosk_id,
            RepairTicket.fault_class == fault_class,
            RepairTicket.source == "kiosk",
            RepairTicket.state.in_(list(OPEN_TICKET_STATES)),
        )
    )
    text = fault.strip() or str(fault_class)
    if existing is not None:
        _step(session, existing, actor, "reported_again", existing.state, text)
        session.commit()
        return existing
    return open_ticket(session, actor, kiosk_id, fault=text, fault_class=fault_class, source="kiosk")


def get(session: Session, ticket_id: int) -> RepairTicket:
    ticket = session.get(RepairTicket, ticket_id)
    if ticket is None:
        raise NotFound(N_("Repair ticket not found."), code="fleet_ticket_not_found")
    return ticket


def listing(session: Session, open_only: bool = False) -> list[RepairTicket]:
    q = select(RepairTicket).order_by(RepairTicket.reported_at.desc()).limit(200)
    if open_only:
        q = q.where(RepairTicket.state.in_(list(OPEN_TICKET_STATES)))
    return list(session.scalars(q))


def steps(session: Session, ticket_id: int) -> list[TicketStep]:
    return list(
        session.scalars(select(TicketStep).where(TicketStep.ticket_id == ticket_id).order_by(TicketStep.id))
    )


def stand_ins(session: Session, ticket_id: int) -> list[StandIn]:
    return list(session.scalars(select(StandIn).where(StandIn.ticket_id == ticket_id).order_by(StandIn.id)))


def act(
    session: Session, actor: Actor, ticket_id: int, action: str, note: str = "", now: datetime | None = None
) -> RepairTicket:
    ticket = session.get(RepairTicket, ticket_id, with_for_update=True)
    if ticket is None:
        raise NotFound(N_("Repair ticket not found."), code="fleet_ticket_not_found")
    before = ticket.state
    try:
        ticket.state = TICKET_MACHINE.next_state(TicketState(before), action)
    except InvalidTransition as exc:
        raise Conflict(
            N_("This step is not possible in the ticket's current state."),
            code="fleet_ticket_invalid_transition",
        ) from exc
    now = now or utcnow()
    if (stamp := TICKET_STAMPS.get(action)) is not None:
        setattr(ticket, stamp, now)
    if action == "repair":
        ticket.repair_note = note.strip()[:400]
    if ticket.state in (TicketState.CLOSED, TicketState.CANCELLED):
        _end_stand_in(session, actor, ticket, now)
    _step(session, ticket, actor, action, before, note)
    session.commit()
    return ticket


def stand_in(session: Session, actor: Actor, ticket_id: int, spare_kiosk_id: int) -> StandIn:
    """The spare takes the failed kiosk's place; the failed one is out of service meanwhile."""
    ticket = get(session, ticket_id)
    if ticket.state not in OPEN_TICKET_STATES:
        raise Conflict(N_("The ticket is closed."), code="fleet_ticket_closed")
    if session.scalar(select(StandIn).where(StandIn.ticket_id == ticket_id, StandIn.ended_at.is_(None))):
        raise Conflict(N_("A spare already stands in for this kiosk."), code="fleet_stand_in_exists")
    spare = kiosks_service.get(session, spare_kiosk_id)
    spare_place, failed_place = (
        service.placement(session, spare.id),
        service.placement(session, ticket.kiosk_id),
    )
    busy = session.scalar(
        select(StandIn).where(StandIn.spare_kiosk_id == spare.id, StandIn.ended_at.is_(None))
    )
    if not spare_place.spare or spare_place.out_of_service or busy or spare.id == ticket.kiosk_id:
        raise Conflict(N_("That kiosk is not a free spare."), code="fleet_not_a_spare")
    failed = kiosks_service.get(session, ticket.kiosk_id)
    home: dict[str, Any] = {f: getattr(spare_place, f) for f in PLACE} | {"location": spare.location}
    for f in PLACE:
        setattr(spare_place, f, getattr(failed_place, f))
    # The place's name is what patients and the console read; the device key stays the spare's.
    spare.location = failed.location
    failed_place.out_of_service, failed_place.out_of_service_reason = True, f"repair #{ticket.id}"
    row = StandIn(ticket_id=ticket.id, spare_kiosk_id=spare.id, failed_kiosk_id=failed.id, spare_home=home)
    session.add(row)
    session.flush()
    _step(session, ticket, actor, "stand_in", ticket.state, spare.code)
    session.commit()
    return row


def _end_stand_in(session: Session, actor: Actor, ticket: RepairTicket, now: datetime) -> None:
    failed_place = service.placement(session, ticket.kiosk_id)
    failed_place.out_of_service, failed_place.out_of_service_reason = False, ""
    for row in session.scalars(
        select(StandIn).where(StandIn.ticket_id == ticket.id, StandIn.ended_at.is_(None))
    ):
        spare = kiosks_service.get(session, row.spare_kiosk_id)
        place = service.placement(session, spare.id)
        for f in PLACE:
            setattr(place, f, row.spare_home.get(f, ""))
        spare.location = row.spare_home.get("location", spare.location)
        row.ended_at = now
        audit.record(session, actor, "fleet.stand_in_ended", "kiosk", spare.id, ticket_id=ticket.id)


def repair_minutes(ticket: RepairTicket) -> int | None:
    if ticket.repaired_at is None:
        return None
    return int((ticket.repaired_at - ticket.reported_at).total_seconds() // 60)


def serving(session: Session, failed_kiosk_id: int) -> StandIn | None:
    return session.scalar(
        select(StandIn).where(StandIn.failed_kiosk_id == failed_kiosk_id, StandIn.ended_at.is_(None))
    )
