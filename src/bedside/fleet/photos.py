"""Photos of a kiosk's fault on its repair ticket: checked and re-encoded like every upload
(the same image rules as a record copy's proof), at most a few per ticket, shown to ops only."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bedside.core import audit
from bedside.core.audit import Actor
from bedside.core.errors import Conflict, NotFound
from bedside.core.i18n import N_
from bedside.core.images import clean_image
from bedside.fleet.models import TicketPhoto
from bedside.fleet.tickets import get as get_ticket

MAX_PHOTOS = 6


def add(session: Session, actor: Actor, ticket_id: int, data: bytes) -> TicketPhoto:
    ticket = get_ticket(session, ticket_id)
    count = session.scalar(
        select(func.count()).select_from(TicketPhoto).where(TicketPhoto.ticket_id == ticket.id)
    )
    if (count or 0) >= MAX_PHOTOS:
        raise Conflict(N_("A ticket keeps at most 6 photos."), code="too_many_photos")
    clean, content_type = clean_image(data)
    photo = TicketPhoto(
        ticket_id=ticket.id,
        content_type=content_type,
        size=len(clean),
        content=clean,
        uploaded_by=actor.label[:100],
    )
    session.add(photo)
    session.flush()
    audit.record(session, actor, "fleet.ticket_photo", "fleet_ticket", ticket.id, photo_id=photo.id)
    session.commit()
    return photo


def listing(session: Session, ticket_id: int) -> list[TicketPhoto]:
    return list(
        session.scalars(
            select(TicketPhoto).where(TicketPhoto.ticket_id == ticket_id).order_by(TicketPhoto.id)
        )
    )


def content(session: Session, ticket_id: int, photo_id: int) -> TicketPhoto:
    photo = session.get(TicketPhoto, photo_id)
    if photo is None or photo.ticket_id != ticket_id:
        raise NotFound()
    return photo
