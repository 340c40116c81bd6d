"""The patient's side of companion care: the stay's care bills, confirming one or disputing
a day (the vendor answers, see service.answer), paying a confirmed bill through the payment
layer, and booking the money in the vendor's ledger with a receipt once it arrives."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bedside.admissions.models import AdmissionNotice
from bedside.companion.events import CareBillPaid
from bedside.companion.models import CareBill, CareDay, CareLedgerEntry, CareVendor
from bedside.companion.service import days, move, move_day
from bedside.companion.states import BillState
from bedside.core import audit, events
from bedside.core.audit import SYSTEM, Actor
from bedside.core.db import utcnow
from bedside.core.errors import InvalidInput, NotFound
from bedside.core.events import subscribe
from bedside.core.i18n import N_
from bedside.payments import service as payments
from bedside.payments.events import PaymentCredited
from bedside.payments.models import PaymentOrder
from bedside.payments.states import PaymentState, Purpose

UNPAID = (BillState.PENDING, BillState.DISPUTED, BillState.CONFIRMED)
PAID = (PaymentState.PAID, PaymentState.PARTIALLY_REFUNDED, PaymentState.REFUNDED)
MIN_REASON = 4


def for_stay(session: Session, notice_id: int) -> list[tuple[CareBill, CareVendor, list[CareDay]]]:
    rows = session.execute(
        select(CareBill, CareVendor)
        .join(CareVendor, CareVendor.id == CareBill.vendor_id)
        .where(CareBill.notice_id == notice_id)
        .order_by(CareBill.id)
    ).all()
    return [(b, v, days(session, b.id)) for b, v in rows]


def unpaid_fen(session: Session, notice_id: int) -> int:
    """What the stay still owes the care vendors: shown at discharge."""
    total = session.scalar(
        select(func.sum(CareBill.total_fen)).where(
            CareBill.notice_id == notice_id, CareBill.state.in_(UNPAID)
        )
    )
    return int(total or 0)


def _bill(session: Session, notice: AdmissionNotice, bill_id: int, *, lock: bool = False) -> CareBill:
    stmt = select(CareBill).where(CareBill.id == bill_id, CareBill.notice_id == notice.id)
    row = session.scalar(stmt.with_for_update() if lock else stmt)
    if row is None:
        raise NotFound(N_("No such care bill."), code="care_bill_not_found")
    return row


def confirm(session: Session, actor: Actor, notice: AdmissionNotice, bill_id: int) -> CareBill:
    row = _bill(session, notice, bill_id, lock=True)
    move(session, actor, row, "confirm")
    for day in days(session, row.id):
        move_day(day, "confirm")
    row.confirmed_at, row.confirmed_by = utcnow(), f"{actor.kind}:{actor.id}"[:100]
    session.commit()
    return row


def dispute(session: Session, actor: Actor, notice: AdmissionNotice, day_id: int, reason: str) -> CareBill:
    reason = reason.strip()
    if len(reason) < MIN_REASON:
        raise InvalidInput(
            N_("Say what is wrong with this day."), code="dispute_reason_required", field="reason"
        )
    day = session.get(CareDay, day_id)
    row = _bill(session, notice, day.bill_id, lock=True) if day else None
    if day is None or row is None:
        raise NotFound(N_("No such day of care."), code="care_day_not_found")
    move(session, actor, row, "dispute")
    move_day(day, "dispute")
    day.dispute_reason = reason[:300]
    audit.record(session, actor, "care.day_dispute", "care_day", day.id, patient_id=notice.patient_id)
    session.commit()
    return row


def start_payment(
    session: Session,
    actor: Actor,
    notice: AdmissionNotice,
    bill_id: int,
    *,
    channel: str,
    trade_type: str,
    payer: str | None,
    idempotency_key: str,
    place: str,
) -> PaymentOrder:
    """Pays a confirmed bill; the same key answers with the first payment."""
    row = _bill(session, notice, bill_id)
    if row.state != BillState.CONFIRMED:
        move(session, actor, row, "pay")  # raises: only a confirmed bill is paid
    order = payments.start_payment(
        session,
        actor,
        patient_id=notice.patient_id,
        notice_id=notice.id,
        purpose=Purpose.COMPANION_CARE,
        amount_fen=row.total_fen,
        channel=channel,
        trade_type=trade_type,
        place=place,
        idempotency_key=f"care{row.id}:{idempotency_key}"[:100],
        payer=payer,
    )
    row = _bill(session, notice, bill_id, lock=True)
    if row.payment_order_id != order.id and row.state == BillState.CONFIRMED:
        row.payment_order_id = order.id
        session.commit()
    return order


@subscribe(PaymentCredited)
def credited(session: Session, event: PaymentCredited) -> None:
    if event.purpose == Purpose.COMPANION_CARE and not event.late:
        book(session, event.order_id)


def book(session: Session, payment_order_id: int) -> CareBill | None:
    """Books a paid care payment in the vendor's own ledger and gives the receipt: run by the
    payment's event, and by the bill page in case the event has not been handled yet. Booking
    twice is impossible: the bill moves to paid once, the ledger keys on the payment."""
    order = session.get(PaymentOrder, payment_order_id)
    row = session.scalar(
        select(CareBill).where(CareBill.payment_order_id == payment_order_id).with_for_update()
    )
    if order is None or order.state not in PAID or row is None or row.state != BillState.CONFIRMED:
        return None
    vendor = session.get(CareVendor, row.vendor_id)
    assert vendor is not None  # noqa: S101 - the foreign key holds it
    move(session, SYSTEM, row, "pay")
    row.paid_at, row.receipt_no = utcnow(), f"CR{row.id:010d}"
    session.add(
        CareLedgerEntry(
            vendor_id=vendor.id,
            bill_id=row.id,
            merchant_no=vendor.merchant_no,
            amount_fen=order.amount_fen,
            payment_order_id=order.id,
        )
    )
    events.emit(
        session,
        CareBillPaid(
            bill_id=row.id,
            notice_id=row.notice_id,
            patient_id=order.patient_id,
            amount_fen=order.amount_fen,
            receipt_no=row.receipt_no,
        ),
    )
    return row
