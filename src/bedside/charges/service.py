"""Posting a stay's charges (the HIS feed, the demo generator) and reading them back by
category, by day and line by line. A batch is all or nothing; a line already posted is
recognised by the HIS's line id and not posted twice."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bedside.admissions import service as notices
from bedside.admissions.models import AdmissionNotice
from bedside.charges.models import Category, ChargeLine
from bedside.core import audit
from bedside.core.audit import Actor
from bedside.core.clock import local_today
from bedside.core.errors import Conflict, InvalidInput, NotFound
from bedside.core.i18n import N_
from bedside.deposits import service as deposits_service
from bedside.deposits.models import EntryKind

MAX_LINE_FEN = 100_000_000  # ¥1,000,000 on one line is a typing error, not a charge
MAX_BATCH = 5000


class ChargeIn(BaseModel):
    his_line_id: str = Field(min_length=1, max_length=40)
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=100)
    spec: str | None = Field(default=None, max_length=100)
    category: Category
    insurance_class: str = Field(pattern=r"^[ABC]$")
    unit_price_fen: int = Field(ge=0, le=MAX_LINE_FEN)
    quantity: str = Field(
        min_length=1, max_length=12, description="decimal, up to 3 places, negative for a reversal"
    )
    amount_fen: int = Field(ge=-MAX_LINE_FEN, le=MAX_LINE_FEN)
    service_date: date
    department_id: int | None = Field(default=None, gt=0, le=2**31 - 1)
    reverses_his_line_id: str | None = Field(default=None, max_length=40)


@dataclass
class PostResult:
    created: int = 0
    duplicates: int = 0
    line_ids: list[int] = field(default_factory=list)


def _milli(text: str, his_line_id: str) -> int:
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal("NaN")
    if (
        not value.is_finite()
        or value != value.quantize(Decimal("0.001"))
        or value == 0
        or abs(value) > 100000
    ):
        raise InvalidInput(
            N_("Line %(line)s: the quantity must be a number with at most three decimals."),
            code="invalid_quantity",
            params={"line": his_line_id},
        )
    return int(value * 1000)


def _amount(unit_price_fen: int, milli: int) -> int:
    return int((Decimal(unit_price_fen) * milli / 1000).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def open_stay(session: Session, notice_id: int) -> AdmissionNotice:
    notice = notices.get(session, notice_id)
    if notice.state != "admitted":
        raise Conflict(N_("Charges are posted only to an admitted stay."), code="stay_not_admitted")
    from bedside.discharge import service as discharge_service

    if discharge_service.charges_closed(session, notice_id):
        raise Conflict(N_("This stay is settled; its charges are closed."), code="charges_closed")
    return notice


def by_inpatient_no(session: Session, inpatient_no: str) -> AdmissionNotice:
    notice = session.scalar(select(AdmissionNotice).where(AdmissionNotice.inpatient_no == inpatient_no[:20]))
    if notice is None:
        raise NotFound(N_("No stay has this inpatient number."), code="stay_not_found")
    return notice


def post(session: Session, actor: Actor, notice_id: int, batch: list[ChargeIn]) -> PostResult:
    if not batch or len(batch) > MAX_BATCH:
        raise InvalidInput(N_("Send between 1 and 5000 lines at a time."), code="invalid_batch")
    notice = open_stay(session, notice_id)
    account = deposits_service.account_for_notice(session, notice.patient_id, notice.id)
    existing = {
        line.his_line_id: line
        for line in session.scalars(
            select(ChargeLine).where(
                ChargeLine.notice_id == notice.id, ChargeLine.his_line_id.in_([c.his_line_id for c in batch])
            )
        )
    }
    admitted_on = notice.admitted_at.date() if notice.admitted_at else date.min
    seen: dict[str, ChargeIn] = {}
    result = PostResult()
    planned: list[tuple[ChargeIn, int, ChargeLine | None]] = []
    for c in batch:
        if c.his_line_id in seen:
            raise InvalidInput(
                N_("Line %(line)s appears twice in the batch."),
                code="duplicate_line",
                params={"line": c.his_line_id},
            )
        seen[c.his_line_id] = c
        milli = _milli(c.quantity, c.his_line_id)
        if _amount(c.unit_price_fen, milli) != c.amount_fen:
            raise InvalidInput(
                N_("Line %(line)s: the amount is not unit price × quantity."),
                code="amount_mismatch",
                params={"line": c.his_line_id},
            )
        if not admitted_on - _ONE_DAY <= c.service_date <= local_today():
            raise InvalidInput(
                N_("Line %(line)s: the service date is outside the stay."),
                code="invalid_service_date",
                params={"line": c.his_line_id},
            )
        old = existing.get(c.his_line_id)
        if old is not None:
            if (old.amount_fen, old.code, old.quantity_milli) != (c.amount_fen, c.code, milli):
                raise Conflict(
                    N_("Line %(line)s was already posted with different content."),
                    code="line_conflict",
                    params={"line": c.his_line_id},
                )
            result.duplicates += 1
            continue
        original = None
        if c.amount_fen < 0 or c.reverses_his_line_id:
            original = _original(session, notice.id, c, seen)
        planned.append((c, milli, original))
    for c, milli, original in planned:
        line = ChargeLine(
            notice_id=notice.id,
            his_line_id=c.his_line_id,
            code=c.code,
            name=c.name,
            spec=c.spec,
            category=c.category,
            insurance_class=c.insurance_class,
            unit_price_fen=c.unit_price_fen,
            quantity_milli=milli,
            amount_fen=c.amount_fen,
            service_date=c.service_date,
            department_id=c.department_id,
            reverses_id=original.id if original else None,
            posted_by=f"{actor.kind}:{actor.id or actor.label}"[:100],
        )
        session.add(line)
        session.flush()
        if original is not None and original.ledger_entry_id is not None:
            entry = deposits_service.reverse(
                session, original.ledger_entry_id, actor, f"charge {c.his_line_id}"
            )
        elif c.amount_fen > 0:
            entry = deposits_service.post(
                session, account.id, EntryKind.CHARGE, c.amount_fen, actor, memo=f"{c.code} {c.name}"[:200]
            )
        else:
            entry = None  # a free item moves no money
        line.ledger_entry_id = entry.id if entry else None
        result.created += 1
        result.line_ids.append(line.id)
    audit.record(
        session,
        actor,
        "charges.post",
        "admission_notice",
        notice.id,
        patient_id=notice.patient_id,
        created=result.created,
        duplicates=result.duplicates,
    )
    session.commit()
    return result


_ONE_DAY = date(2000, 1, 2) - date(2000, 1, 1)


def _original(session: Session, notice_id: int, c: ChargeIn, batch: dict[str, ChargeIn]) -> ChargeLine:
    if not c.reverses_his_line_id or c.amount_fen >= 0:
        raise InvalidInput(
            N_("Line %(line)s: a reversal is a negative line that names the line it reverses."),
            code="invalid_reversal",
            params={"line": c.his_line_id},
        )
    original = session.scalar(
        select(ChargeLine).where(
            ChargeLine.notice_id == notice_id, ChargeLine.his_line_id == c.reverses_his_line_id
        )
    )
    if original is None or original.reverses_id is not None:
        raise InvalidInput(
            N_("Line %(line)s reverses a line this stay does not have."),
            code="reversed_line_unknown",
            params={"line": c.his_line_id},
        )
    if original.amount_fen != -c.amount_fen:
        raise InvalidInput(
            N_("Line %(line)s: a reversal must cancel the whole original line."),
            code="partial_reversal",
            params={"line": c.his_line_id},
        )
    if session.scalar(select(ChargeLine.id).where(ChargeLine.reverses_id == original.id)) is not None:
        raise Conflict(
            N_("Line %(line)s was already reversed."), code="already_reversed", params={"line": c.his_line_id}
        )
    return original


def lines(session: Session, notice_id: int) -> list[ChargeLine]:
    return list(
        session.scalars(
            select(ChargeLine)
            .where(ChargeLine.notice_id == notice_id)
            .order_by(ChargeLine.service_date, ChargeLine.id)
        )
    )


@dataclass(frozen=True)
class Summary:
    total_fen: int
    by_category: dict[str, int]
    by_day: dict[date, int]
    count: int


def summary(session: Session, notice_id: int) -> Summary:
    cats = dict(
        session.execute(
            select(ChargeLine.category, func.sum(ChargeLine.amount_fen))
            .where(ChargeLine.notice_id == notice_id)
            .group_by(ChargeLine.category)
        ).all()
    )
    days = dict(
        session.execute(
            select(ChargeLine.service_date, func.sum(ChargeLine.amount_fen))
            .where(ChargeLine.notice_id == notice_id)
            .group_by(ChargeLine.service_date)
            .order_by(ChargeLine.service_date)
        ).all()
    )
    count = session.scalar(
        select(func.count()).select_from(ChargeLine).where(ChargeLine.notice_id == notice_id)
    )
    by_category = {k: int(v) for k, v in cats.items() if v}
    return Summary(
        total_fen=sum(by_category.values()),
        by_category=by_category,
        by_day={k: int(v) for k, v in days.items()},
        count=int(count or 0),
    )
