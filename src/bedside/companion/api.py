"""The care vendor's API (Authorization: Bearer cv_...): caregivers, care orders for a stay,
rate changes and ends, bills by day and answers to disputed days. A vendor sees and bills
only its own orders: another vendor's are "not found"."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from bedside.companion import service, vendors
from bedside.companion.models import CareBill, CareOrder, CareVendor
from bedside.companion.schemas import AnswerIn, CaregiverIn, CareOrderIn, EndIn, RateIn
from bedside.core.audit import Actor
from bedside.web import security
from bedside.web.deps import DbSession, IdPath
from bedside.web.problems import API_ERRORS, problem_responses

router = APIRouter(
    prefix="/api/v1/care",
    tags=["care"],
    dependencies=[Depends(security.refuse_control_characters)],
    responses=problem_responses(*API_ERRORS),
)


class Caller:
    def __init__(self, vendor: CareVendor) -> None:
        self.vendor = vendor
        self.actor: Actor = vendors.actor_for(vendor)


def _caller(session: DbSession, authorization: Annotated[str, Header()] = "") -> Caller:
    return Caller(vendors.authenticate(session, authorization.removeprefix("Bearer ").strip()))


Vendor = Annotated[Caller, Depends(_caller)]


class CaregiverOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    certificate_no: str | None


class RateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    effective_from: date
    daily_rate_fen: int


class OrderOut(BaseModel):
    id: int
    vendor_ref: str
    caregiver_id: int
    mode: str
    share_count: int
    starts_at: datetime
    ends_at: datetime | None
    rates: list[RateOut]


class DayOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    day: date
    full: bool
    rate_fen: int
    share_count: int
    amount_fen: int
    state: str
    dispute_reason: str | None
    vendor_answer: str | None


class BillOut(BaseModel):
    id: int
    state: str
    total_fen: int
    receipt_no: str | None
    days: list[DayOut]


def _order(session: Session, row: CareOrder) -> OrderOut:
    return OrderOut(
        id=row.id,
        vendor_ref=row.vendor_ref,
        caregiver_id=row.caregiver_id,
        mode=row.mode,
        share_count=row.share_count,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        rates=[RateOut.model_validate(r) for r in service.rates(session, row.id)],
    )


def _bill(session: Session, row: CareBill) -> BillOut:
    return BillOut(
        id=row.id,
        state=row.state,
        total_fen=row.total_fen,
        receipt_no=row.receipt_no,
        days=[DayOut.model_validate(d) for d in service.days(session, row.id)],
    )


@router.post("/caregivers", status_code=201)
def add_caregiver(body: CaregiverIn, session: DbSession, me: Vendor) -> CaregiverOut:
    return CaregiverOut.model_validate(service.add_caregiver(session, me.vendor, me.actor, body))


@router.get("/caregivers")
def caregivers(session: DbSession, me: Vendor) -> list[CaregiverOut]:
    return [CaregiverOut.model_validate(c) for c in service.caregivers(session, me.vendor)]


@router.post("/orders", status_code=201)
def post_order(body: CareOrderIn, session: DbSession, me: Vendor) -> OrderOut:
    """A care order for a stay, named by its inpatient number; resending the same vendor_ref
    answers with the first order."""
    return _order(session, service.post_order(session, me.vendor, me.actor, body))


@router.get("/orders")
def orders(session: DbSession, me: Vendor) -> list[OrderOut]:
    return [_order(session, o) for o in service.orders(session, me.vendor)]


@router.get("/orders/{order_id}")
def order(order_id: IdPath, session: DbSession, me: Vendor) -> OrderOut:
    return _order(session, service.get_order(session, me.vendor, order_id))


@router.post("/orders/{order_id}/rates")
def change_rate(order_id: IdPath, body: RateIn, session: DbSession, me: Vendor) -> OrderOut:
    service.change_rate(session, me.vendor, me.actor, order_id, body)
    return _order(session, service.get_order(session, me.vendor, order_id))


@router.post("/orders/{order_id}/end")
def end(order_id: IdPath, body: EndIn, session: DbSession, me: Vendor) -> OrderOut:
    return _order(session, service.end_order(session, me.vendor, me.actor, order_id, body))


@router.post("/orders/{order_id}/bills", status_code=201)
def bill(order_id: IdPath, session: DbSession, me: Vendor) -> BillOut:
    """Bills the days of care not billed yet; the patient is asked to confirm them."""
    return _bill(session, service.bill(session, me.vendor, me.actor, order_id))


@router.get("/bills")
def bills(session: DbSession, me: Vendor) -> list[BillOut]:
    return [_bill(session, b) for b in service.bills_of(session, me.vendor)]


@router.get("/bills/{bill_id}")
def get_bill(bill_id: IdPath, session: DbSession, me: Vendor) -> BillOut:
    return _bill(session, service.bill_for_vendor(session, me.vendor, bill_id))


@router.post("/days/{day_id}/answer")
def answer(day_id: IdPath, body: AnswerIn, session: DbSession, me: Vendor) -> BillOut:
    """Answers a disputed day, with a lower amount or the same; the day is billed again."""
    return _bill(session, service.answer(session, me.vendor, me.actor, day_id, body))
