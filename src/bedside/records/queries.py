"""The reads of record copy requests each surface shows: the patient's own, the office's queue,
a request's history and payments."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bedside.core import audit
from bedside.core.audit import Actor
from bedside.core.errors import Forbidden, NotFound
from bedside.core.i18n import N_
from bedside.payments.models import PaymentOrder
from bedside.records.models import RecordCopyPayment, RecordCopyRequest, RecordCopyTransition
from bedside.records.states import FINAL

OFFICE_ROLES = ("records_office", "admin")


@dataclass(frozen=True)
class OpenCopy:
    """A request still under way, for the next-step card ("pay the fee", "ready for pick-up")."""

    id: int
    state: str
    notice_id: int
    url: str


def get(session: Session, request_id: int) -> RecordCopyRequest:
    req = session.get(RecordCopyRequest, request_id)
    if req is None:
        raise NotFound(N_("Record copy request not found."), code="record_copy_not_found")
    return req


def get_for_patients(session: Session, request_id: int, patient_ids: set[int]) -> RecordCopyRequest:
    """A request only if it is one of these patients'; otherwise 'not found'."""
    req = session.get(RecordCopyRequest, request_id)
    if req is None or req.patient_id not in patient_ids:
        raise NotFound(N_("Record copy request not found."), code="record_copy_not_found")
    return req


def for_patients(session: Session, patient_ids: set[int]) -> list[RecordCopyRequest]:
    if not patient_ids:
        return []
    return list(
        session.scalars(
            select(RecordCopyRequest)
            .where(RecordCopyRequest.patient_id.in_(patient_ids))
            .order_by(RecordCopyRequest.id.desc())
        )
    )


def open_for_patient(session: Session, patient_id: int) -> list[OpenCopy]:
    """The patient's requests still under way, newest first."""
    return [
        OpenCopy(id=r.id, state=r.state, notice_id=r.notice_id, url=f"/phone/records/{r.id}")
        for r in for_patients(session, {patient_id})
        if r.state not in FINAL
    ]


def history(session: Session, request_id: int) -> list[RecordCopyTransition]:
    return list(
        session.scalars(
            select(RecordCopyTransition)
            .where(RecordCopyTransition.request_id == request_id)
            .order_by(RecordCopyTransition.id)
        )
    )


def orders(session: Session, request_id: int) -> list[PaymentOrder]:
    return list(
        session.scalars(
            select(PaymentOrder)
            .join(RecordCopyPayment, RecordCopyPayment.payment_order_id == PaymentOrder.id)
            .where(RecordCopyPayment.request_id == request_id)
            .order_by(PaymentOrder.id.desc())
        )
    )


def order_of(session: Session, request_id: int, order_id: int) -> PaymentOrder:
    """One of this request's payment orders; any other id is 'not found'."""
    for order in orders(session, request_id):
        if order.id == order_id:
            return order
    raise NotFound(N_("Payment not found."), code="payment_not_found")


def queue(session: Session, actor: Actor, state: str = "") -> list[RecordCopyRequest]:
    """The record office's list (names only; opening one is an audited read)."""
    if actor.kind != "staff" or not actor.has_role(*OFFICE_ROLES):
        raise Forbidden()
    stmt = select(RecordCopyRequest).order_by(RecordCopyRequest.id).limit(300)
    if state:
        stmt = stmt.where(RecordCopyRequest.state == state)
    else:
        stmt = stmt.where(RecordCopyRequest.state.not_in([s.value for s in FINAL]))
    return list(session.scalars(stmt))


def read_for_staff(session: Session, actor: Actor, request_id: int) -> RecordCopyRequest:
    if actor.kind != "staff" or not actor.has_role(*OFFICE_ROLES):
        raise Forbidden()
    req = get(session, request_id)
    audit.record(session, actor, "record_copy.read", "record_copy_request", req.id, patient_id=req.patient_id)
    session.commit()
    return req
