"""The vendor's side of companion care: caregivers, care orders (one-to-one or shared, with
rate changes and an end), the bill by day for a stay, and the answer to a disputed day.
Every read and write is scoped to the calling vendor: another vendor's order, caregiver,
bill or day is "not found", never shown."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bedside.admissions.models import AdmissionNotice
from bedside.companion import billing
from bedside.companion.events import CareBillReady
from bedside.companion.models import CareBill, CareDay, Caregiver, CareOrder, CareRate, CareVendor
from bedside.companion.schemas import AnswerIn, CaregiverIn, CareOrderIn, EndIn, RateIn
from bedside.companion.states import BILL_MACHINE, DAY_MACHINE, BillState, DayState
from bedside.core import audit, events
from bedside.core.audit import Actor
from bedside.core.clock import local_today
from bedside.core.errors import Conflict, InvalidInput, NotFound
from bedside.core.i18n import N_
from bedside.core.states import InvalidTransition
from bedside.settings import get_settings

MAX_CARE_DAYS = 90


def add_caregiver(session: Session, vendor: CareVendor, actor: Actor, body: CaregiverIn) -> Caregiver:
    row = Caregiver(
        vendor_id=vendor.id, name=body.name.strip(), phone=body.phone, certificate_no=body.certificate_no
    )
    session.add(row)
    session.flush()
    audit.record(session, actor, "care.caregiver_add", "caregiver", row.id)
    session.commit()
    return row


def caregivers(session: Session, vendor: CareVendor) -> list[Caregiver]:
    return list(
        session.scalars(select(Caregiver).where(Caregiver.vendor_id == vendor.id).order_by(Caregiver.id))
    )


def orders(session: Session, vendor: CareVendor) -> list[CareOrder]:
    return list(
        session.scalars(select(CareOrder).where(CareOrder.vendor_id == vendor.id).order_by(CareOrder.id))
    )


def get_order(session: Session, vendor: CareVendor, order_id: int) -> CareOrder:
    row = session.get(CareOrder, order_id)
    if row is None or row.vendor_id != vendor.id:
        raise NotFound(N_("No such care order."), code="care_order_not_found")
    return row


def rates(session: Session, order_id: int) -> list[CareRate]:
    return list(
        session.scalars(
            select(CareRate).where(CareRate.order_id == order_id).order_by(CareRate.effective_from)
        )
    )


def _stay(session: Session, inpatient_no: str) -> AdmissionNotice:
    notice = session.scalar(select(AdmissionNotice).where(AdmissionNotice.inpatient_no == inpatient_no))
    if notice is None or notice.state != "admitted":
        raise NotFound(N_("No admitted stay has this inpatient number."), code="stay_not_found")
    return notice


def _check_span(starts_at: datetime, ends_at: datetime | None) -> None:
    if ends_at is not None and not starts_at < ends_at <= starts_at + timedelta(days=MAX_CARE_DAYS):
        raise InvalidInput(
            N_("Care must end after it starts, within 90 days."), code="invalid_care_period", field="ends_at"
        )


def post_order(session: Session, vendor: CareVendor, actor: Actor, body: CareOrderIn) -> CareOrder:
    """A care order for a stay; sent again with the same vendor_ref, the first one is answered."""
    done = session.scalar(
        select(CareOrder).where(CareOrder.vendor_id == vendor.id, CareOrder.vendor_ref == body.vendor_ref)
    )
    if done is not None:
        return done
    notice = _stay(session, body.inpatient_no)
    giver = session.get(Caregiver, body.caregiver_id)
    if giver is None or giver.vendor_id != vendor.id or not giver.active:
        raise NotFound(N_("No such caregiver."), code="caregiver_not_found")
    if (body.mode == "shared") != (body.share_count > 1):
        raise InvalidInput(
            N_("Shared care is for 2 to 6 patients; one-to-one for one."),
            code="invalid_share",
            field="share_count",
        )
    _check_span(body.starts_at, body.ends_at)
    row = CareOrder(
        vendor_id=vendor.id,
        vendor_ref=body.vendor_ref,
        notice_id=notice.id,
        caregiver_id=giver.id,
        mode=body.mode,
        share_count=body.share_count,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
    )
    session.add(row)
    session.flush()
    session.add(
        CareRate(
            order_id=row.id,
            effective_from=body.starts_at.astimezone(get_settings().tz).date(),
            daily_rate_fen=body.daily_rate_fen,
        )
    )
    audit.record(session, actor, "care.order", "care_order", row.id, patient_id=notice.patient_id)
    try:
        session.commit()
    except IntegrityError:  # the same vendor_ref raced us
        session.rollback()
        return post_order(session, vendor, actor, body)
    return row


def change_rate(session: Session, vendor: CareVendor, actor: Actor, order_id: int, body: RateIn) -> CareRate:
    """A new daily rate from a day on; days already billed keep theirs."""
    row = get_order(session, vendor, order_id)
    start = row.starts_at.astimezone(get_settings().tz).date()
    if body.effective_from <= start:
        raise InvalidInput(
            N_("A new rate starts after the care's first day."),
            code="invalid_rate_date",
            field="effective_from",
        )
    billed = session.scalar(
        select(CareDay.id).where(CareDay.order_id == row.id, CareDay.day >= body.effective_from)
    )
    if billed is not None:
        raise Conflict(N_("Days from that date are already billed."), code="rate_after_billing")
    rate = session.scalar(
        select(CareRate).where(CareRate.order_id == row.id, CareRate.effective_from == body.effective_from)
    )
    if rate is None:
        rate = CareRate(
            order_id=row.id, effective_from=body.effective_from, daily_rate_fen=body.daily_rate_fen
        )
        session.add(rate)
    rate.daily_rate_fen = body.daily_rate_fen
    audit.record(session, actor, "care.rate", "care_order", row.id, daily_rate_fen=body.daily_rate_fen)
    session.commit()
    return rate


def end_order(session: Session, vendor: CareVendor, actor: Actor, order_id: int, body: EndIn) -> CareOrder:
    row = get_order(session, vendor, order_id)
    _check_span(row.starts_at, body.ends_at)
    last = session.scalar(
        select(CareDay.day).where(CareDay.order_id == row.id).order_by(CareDay.day.desc()).limit(1)
    )
    if last is not None and body.ends_at.astimezone(get_settings().tz).date() < last:
        raise Conflict(N_("Days after that time are already billed."), code="end_before_billing")
    row.ends_at = body.ends_at
    audit.record(session, actor, "care.end", "care_order", row.id)
    session.commit()
    return row


def bill(session: Session, vendor: CareVendor, actor: Actor, order_id: int) -> CareBill:
    """Bills the order's days not billed yet: up to its end, or to last midnight while it runs."""
    row = get_order(session, vendor, order_id)
    tz = get_settings().tz
    midnight = datetime.combine(local_today(), time(), tz)
    until = min(row.ends_at, midnight) if row.ends_at else midnight
    have = set(session.scalars(select(CareDay.day).where(CareDay.order_id == row.id)))
    rate_rows = [(r.effective_from, r.daily_rate_fen) for r in rates(session, row.id)]
    new = (
        [
            c
            for c in billing.bill_days(row.starts_at, until, rate_rows, row.share_count, tz)
            if c.day not in have
        ]
        if until > row.starts_at
        else []
    )
    if not new:
        raise Conflict(N_("There are no new days of care to bill."), code="nothing_to_bill")
    notice = session.get(AdmissionNotice, row.notice_id)
    assert notice is not None  # noqa: S101 - the foreign key holds it
    out = CareBill(notice_id=row.notice_id, vendor_id=vendor.id, total_fen=sum(c.amount_fen for c in new))
    session.add(out)
    session.flush()
    session.add_all(
        CareDay(
            bill_id=out.id,
            order_id=row.id,
            day=c.day,
            full=c.full,
            rate_fen=c.rate_fen,
            share_count=c.share_count,
            amount_fen=c.amount_fen,
        )
        for c in new
    )
    audit.record(
        session,
        actor,
        "care.bill",
        "care_bill",
        out.id,
        patient_id=notice.patient_id,
        total_fen=out.total_fen,
    )
    events.emit(
        session,
        CareBillReady(
            bill_id=out.id,
            notice_id=notice.id,
            patient_id=notice.patient_id,
            days=len(new),
            amount_fen=out.total_fen,
            revision=0,
        ),
    )
    session.commit()
    return out


def bills_of(session: Session, vendor: CareVendor) -> list[CareBill]:
    return list(
        session.scalars(
            select(CareBill).where(CareBill.vendor_id == vendor.id).order_by(CareBill.id.desc()).limit(200)
        )
    )


def bill_for_vendor(session: Session, vendor: CareVendor, bill_id: int) -> CareBill:
    row = session.get(CareBill, bill_id)
    if row is None or row.vendor_id != vendor.id:
        raise NotFound(N_("No such care bill."), code="care_bill_not_found")
    return row


def days(session: Session, bill_id: int) -> list[CareDay]:
    return list(
        session.scalars(select(CareDay).where(CareDay.bill_id == bill_id).order_by(CareDay.day, CareDay.id))
    )


def move(session: Session, actor: Actor, row: CareBill, action: str) -> None:
    try:
        new = BILL_MACHINE.next_state(BillState(row.state), action)
    except InvalidTransition as exc:
        raise Conflict(
            N_("This care bill cannot do that now."),
            code="care_bill_invalid_transition",
            params={"state": row.state},
        ) from exc
    old, row.state = row.state, new
    audit.record(session, actor, f"care.bill_{action}", "care_bill", row.id, old=old, new=new.value)


def move_day(day: CareDay, action: str) -> None:
    try:
        day.state = DAY_MACHINE.next_state(DayState(day.state), action)
    except InvalidTransition as exc:
        raise Conflict(
            N_("This day of care cannot do that now."), code="care_day_invalid_transition"
        ) from exc


def answer(session: Session, vendor: CareVendor, actor: Actor, day_id: int, body: AnswerIn) -> CareBill:
    """The vendor answers a disputed day, correcting its amount or not; the bill goes back to
    the patient once no day is in dispute."""
    day = session.get(CareDay, day_id)
    out = session.get(CareBill, day.bill_id) if day else None
    if day is None or out is None or out.vendor_id != vendor.id:
        raise NotFound(N_("No such day of care."), code="care_day_not_found")
    if body.amount_fen is not None and body.amount_fen > day.amount_fen:
        raise InvalidInput(
            N_("An answer may lower a day's amount, not raise it."),
            code="answer_raises_amount",
            field="amount_fen",
        )
    move_day(day, "answer")
    day.vendor_answer = body.answer.strip()
    if body.amount_fen is not None:
        day.amount_fen = body.amount_fen
    session.flush()
    listed = days(session, out.id)
    out.total_fen = sum(d.amount_fen for d in listed)
    audit.record(session, actor, "care.day_answer", "care_day", day.id, amount_fen=day.amount_fen)
    if not any(d.state == DayState.DISPUTED for d in listed):
        move(session, actor, out, "answer")
        notice = session.get(AdmissionNotice, out.notice_id)
        assert notice is not None  # noqa: S101
        revision = sum(1 for d in listed if d.vendor_answer)
        events.emit(
            session,
            CareBillReady(
                bill_id=out.id,
                notice_id=out.notice_id,
                patient_id=notice.patient_id,
                days=len(listed),
                amount_fen=out.total_fen,
                revision=revision,
            ),
        )
    session.commit()
    return out
