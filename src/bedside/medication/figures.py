"""Figures of ward services for the management dashboard: the share of discharges whose
medication was delivered to the ward (seed 001 reports 70%), the order-to-delivery time, and
companion-care bills paid on the phone. Over discharges in [start, end)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from statistics import median

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bedside.companion.models import CareBill
from bedside.discharge.models import Discharge
from bedside.medication.models import MedicationOrder
from bedside.medication.states import MedState
from bedside.payments.models import PaymentOrder


@dataclass(frozen=True)
class Figures:
    discharges: int
    ward_delivered: int
    median_delivery_minutes: int | None
    care_bills_paid: int
    care_paid_on_phone: int
    care_paid_fen: int

    @property
    def ward_delivery_share(self) -> float | None:
        return self.ward_delivered / self.discharges if self.discharges else None


def figures(session: Session, start: datetime, end: datetime) -> Figures:
    left = list(
        session.scalars(
            select(Discharge.notice_id).where(Discharge.discharged_at >= start, Discharge.discharged_at < end)
        )
    )
    delivered = session.execute(
        select(MedicationOrder.notice_id, MedicationOrder.ordered_at, MedicationOrder.received_at).where(
            MedicationOrder.notice_id.in_(left or [0]),
            MedicationOrder.state.in_((MedState.RECEIVED, MedState.COUNSELLED)),
        )
    ).all()
    minutes = [int((got - ordered).total_seconds() // 60) for _, ordered, got in delivered if got]
    paid = session.execute(
        select(func.count(), func.coalesce(func.sum(CareBill.total_fen), 0)).where(
            CareBill.paid_at >= start, CareBill.paid_at < end
        )
    ).one()
    on_phone = session.scalar(
        select(func.count())
        .select_from(CareBill)
        .join(PaymentOrder, PaymentOrder.id == CareBill.payment_order_id)
        .where(CareBill.paid_at >= start, CareBill.paid_at < end, PaymentOrder.place == "phone")
    )
    return Figures(
        discharges=len(left),
        ward_delivered=len({notice_id for notice_id, _, _ in delivered}),
        median_delivery_minutes=int(median(minutes)) if minutes else None,
        care_bills_paid=int(paid[0]),
        care_paid_on_phone=int(on_phone or 0),
        care_paid_fen=int(paid[1]),
    )
