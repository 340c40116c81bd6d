"""Posting a batch of a stay's charge lines (the HIS feed, the demo generator): every line
checked first, then all of them written together, or none. A line already posted is
recognised by the HIS's line id and counted, not posted twice; a correction is a negative
line naming the line it reverses, and it reverses that line's ledger entry. A reversal may
take back part of a line's quantity (several times, up to the whole): each part at the line's
unit price, and the part that takes back the rest takes back exactly the fen that remain, so a
line reversed in parts nets to zero whatever the rounding.

The checks read in a transaction of their own; the write transaction locks the stay's
account, re-checks that the stay is still open and inserts the lines and their ledger
entries in a few statements, whatever the batch's size (see core.bulk)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import NoReturn

from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bedside.admissions import service as notices
from bedside.admissions.models import AdmissionNotice
from bedside.charges.events import ChargesPosted
from bedside.charges.models import Category, ChargeLine
from bedside.core import audit, bulk, events
from bedside.core.audit import Actor
from bedside.core.clock import local_today
from bedside.core.db import utcnow
from bedside.core.errors import Conflict, InvalidInput, NotFound
from bedside.core.i18n import N_
from bedside.deposits import batch as ledger
from bedside.deposits.models import EntryKind
from bedside.discharge.models import Discharge
from bedside.discharge.states import DischargeState

MAX_LINE_FEN = 100_000_000  # ¥1,000,000 on one line is a typing error, not a charge
MAX_BATCH = 5000
_ONE_DAY = timedelta(days=1)
_CLOSED = (DischargeState.SETTLED, DischargeState.DISCHARGED)


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


@dataclass(frozen=True)
class _Stored:
    """A line of the stay already posted, as much of it as the checks need."""

    id: int
    amount_fen: int
    code: str
    quantity_milli: int
    reverses_id: int | None
    ledger_entry_id: int | None
    unit_price_fen: int
    reversed_milli: int  # how much of the quantity reversals took back (positive)
    reversed_fen: int  # and of the amount (positive)


@dataclass(frozen=True)
class _New:
    line: ChargeIn
    milli: int
    original: _Stored | None
    # A reversal of the whole line cancels its ledger entry; a part gives back these fen.
    whole: bool = True
    back_fen: int = 0


def by_inpatient_no(session: Session, inpatient_no: str) -> AdmissionNotice:
    notice = session.scalar(select(AdmissionNotice).where(AdmissionNotice.inpatient_no == inpatient_no[:20]))
    if notice is None:
        raise NotFound(N_("No stay has this inpatient number."), code="stay_not_found")
    return notice


def post(session: Session, actor: Actor, notice_id: int, batch: list[ChargeIn]) -> PostResult:
    return _post(session, actor, batch, lambda: notices.get(session, notice_id))


def post_to_inpatient(session: Session, actor: Actor, inpatient_no: str, batch: list[ChargeIn]) -> PostResult:
    """`post` for the HIS, which names the stay by its inpatient number."""
    return _post(session, actor, batch, lambda: by_inpatient_no(session, inpatient_no))


def _post(
    session: Session, actor: Actor, batch: list[ChargeIn], find: Callable[[], AdmissionNotice]
) -> PostResult:
    if not batch or len(batch) > MAX_BATCH:
        raise InvalidInput(N_("Send between 1 and 5000 lines at a time."), code="invalid_batch")

    def attempt(phases: bulk.Phases) -> PostResult:
        notice = find()
        _check_open(session, notice)
        new, duplicates = _plan(session, notice, batch)
        rows = _rows(actor, notice, new) if new else None
        with phases.writing():
            result = _write(session, notice, rows) if rows else PostResult()
            result.duplicates = duplicates
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
        return result

    return bulk.run(session, attempt)


def _check_open(session: Session, notice: AdmissionNotice) -> None:
    if notice.state != "admitted":
        raise Conflict(N_("Charges are posted only to an admitted stay."), code="stay_not_admitted")
    # A column, not the Discharge row: the session may hold that row as it was before the
    # write transaction began, and a settlement in between must be seen.
    state = session.scalar(select(Discharge.state).where(Discharge.notice_id == notice.id))
    if state in _CLOSED:
        raise Conflict(N_("This stay is settled; its charges are closed."), code="charges_closed")


def _plan(session: Session, notice: AdmissionNotice, batch: list[ChargeIn]) -> tuple[list[_New], int]:
    """The lines to post and how many were posted before; the first bad line refuses the batch."""
    stored = _stored(session, notice.id, batch)
    admitted_on = notice.admitted_at.date() if notice.admitted_at else date.min
    today = local_today()
    seen: set[str] = set()
    reversed_now: dict[int, tuple[int, int]] = {}
    new: list[_New] = []
    duplicates = 0
    for c in batch:
        if c.his_line_id in seen:
            raise InvalidInput(
                N_("Line %(line)s appears twice in the batch."),
                code="duplicate_line",
                params={"line": c.his_line_id},
            )
        seen.add(c.his_line_id)
        milli = _milli(c.quantity, c.his_line_id)
        reversal = c.amount_fen < 0 or bool(c.reverses_his_line_id)
        # A reversal's amount is checked against what remains of its line (_original).
        if not reversal and _amount(c.unit_price_fen, milli) != c.amount_fen:
            raise InvalidInput(
                N_("Line %(line)s: the amount is not unit price × quantity."),
                code="amount_mismatch",
                params={"line": c.his_line_id},
            )
        if not admitted_on - _ONE_DAY <= c.service_date <= today:
            raise InvalidInput(
                N_("Line %(line)s: the service date is outside the stay."),
                code="invalid_service_date",
                params={"line": c.his_line_id},
            )
        old = stored.get(c.his_line_id)
        if old is not None:
            if (old.amount_fen, old.code, old.quantity_milli) != (c.amount_fen, c.code, milli):
                raise Conflict(
                    N_("Line %(line)s was already posted with different content."),
                    code="line_conflict",
                    params={"line": c.his_line_id},
                )
            duplicates += 1
            continue
        if reversal:
            new.append(_original(c, milli, stored, reversed_now))
        else:
            new.append(_New(c, milli, None))
    return new, duplicates


def _stored(session: Session, notice_id: int, batch: list[ChargeIn]) -> dict[str, _Stored]:
    """The batch's lines and the lines it reverses, as far as the stay has them, with what
    reversals already took back of each: one query."""
    wanted = {c.his_line_id for c in batch}
    wanted |= {c.reverses_his_line_id for c in batch if c.reverses_his_line_id}
    taken = (
        select(
            ChargeLine.reverses_id.label("line_id"),
            func.sum(ChargeLine.quantity_milli).label("milli"),
            func.sum(ChargeLine.amount_fen).label("fen"),
        )
        .where(ChargeLine.notice_id == notice_id, ChargeLine.reverses_id.is_not(None))
        .group_by(ChargeLine.reverses_id)
        .subquery()
    )
    rows = session.execute(
        select(
            ChargeLine.his_line_id,
            ChargeLine.id,
            ChargeLine.amount_fen,
            ChargeLine.code,
            ChargeLine.quantity_milli,
            ChargeLine.reverses_id,
            ChargeLine.ledger_entry_id,
            ChargeLine.unit_price_fen,
            taken.c.milli,
            taken.c.fen,
        )
        .outerjoin(taken, taken.c.line_id == ChargeLine.id)
        .where(ChargeLine.notice_id == notice_id, ChargeLine.his_line_id.in_(wanted))
    )
    return {
        r[0]: _Stored(r[1], r[2], r[3], r[4], r[5], r[6], r[7], -int(r[8] or 0), -int(r[9] or 0))
        for r in rows
    }


def _refuse(message: str, code: str, c: ChargeIn, conflict: bool = False) -> NoReturn:
    error = Conflict if conflict else InvalidInput
    raise error(message, code=code, params={"line": c.his_line_id})


def _original(
    c: ChargeIn, milli: int, stored: dict[str, _Stored], reversed_now: dict[int, tuple[int, int]]
) -> _New:
    """The reversal `c` of (part of) a line posted before, with the fen it gives back."""
    if not c.reverses_his_line_id or c.amount_fen >= 0 or milli >= 0:
        _refuse(
            N_("Line %(line)s: a reversal is a negative line that names the line it reverses."),
            "invalid_reversal",
            c,
        )
    # Only a line posted before: one earlier in the same batch is not yet the stay's.
    original = stored.get(c.reverses_his_line_id)
    if original is None or original.reverses_id is not None:
        _refuse(N_("Line %(line)s reverses a line this stay does not have."), "reversed_line_unknown", c)
    if c.unit_price_fen != original.unit_price_fen:
        _refuse(
            N_("Line %(line)s: a reversal has the unit price of the line it reverses."),
            "reversal_mismatch",
            c,
        )
    batch_milli, batch_fen = reversed_now.get(original.id, (0, 0))
    left_milli = original.quantity_milli - original.reversed_milli - batch_milli
    left_fen = original.amount_fen - original.reversed_fen - batch_fen
    if left_milli <= 0:
        _refuse(N_("Line %(line)s was already reversed."), "already_reversed", c, conflict=True)
    if -milli > left_milli:
        _refuse(
            N_("Line %(line)s reverses more than what remains of the line it reverses."),
            "reversal_exceeds_line",
            c,
        )
    back_fen = left_fen if -milli == left_milli else -_amount(c.unit_price_fen, milli)
    if -c.amount_fen != back_fen:
        _refuse(
            N_("Line %(line)s: the amount is not unit price × quantity."),
            "amount_mismatch",
            c,
        )
    reversed_now[original.id] = (batch_milli - milli, batch_fen + back_fen)
    whole = -milli == original.quantity_milli
    return _New(c, milli, original, whole=whole, back_fen=back_fen)


@dataclass(frozen=True)
class _Rows:
    """The batch's ledger entries and lines as rows, made before the write transaction; the
    ids they take (and the entry each line points at) are filled in within it."""

    entries: ledger.Prepared
    lines: list[dict[str, object]]
    entry_of_line: list[int | None]  # index into the entries, None for a free item
    amount_fen: int


def _rows(actor: Actor, notice: AdmissionNotice, new: list[_New]) -> _Rows:
    entries: list[ledger.NewEntry] = []
    entry_of_line: list[int | None] = []
    for n in new:
        c = n.line
        if n.original is not None and n.original.ledger_entry_id is not None and n.whole:
            entry_of_line.append(len(entries))
            entries.append(ledger.NewEntry.reversal(n.original.ledger_entry_id, f"charge {c.his_line_id}"))
        elif n.original is not None and n.back_fen > 0:
            entry_of_line.append(len(entries))
            memo = f"{c.code} {c.name} ({c.quantity})"[:200]
            entries.append(ledger.NewEntry(EntryKind.CHARGE_CORRECTION, n.back_fen, memo=memo))
        elif c.amount_fen > 0:
            entry_of_line.append(len(entries))
            entries.append(ledger.NewEntry(EntryKind.CHARGE, c.amount_fen, memo=f"{c.code} {c.name}"[:200]))
        else:
            entry_of_line.append(None)  # a free item moves no money
    posted_by = f"{actor.kind}:{actor.id or actor.label}"[:100]
    now = utcnow()
    lines: list[dict[str, object]] = [
        {
            "notice_id": notice.id,
            "his_line_id": n.line.his_line_id,
            "code": n.line.code,
            "name": n.line.name,
            "spec": n.line.spec,
            "category": n.line.category.value,
            "insurance_class": n.line.insurance_class,
            "unit_price_fen": n.line.unit_price_fen,
            "quantity_milli": n.milli,
            "amount_fen": n.line.amount_fen,
            "service_date": n.line.service_date,
            "department_id": n.line.department_id,
            "reverses_id": n.original.id if n.original else None,
            "ledger_entry_id": None,
            "posted_by": posted_by,
            "posted_at": now,
        }
        for n in new
    ]
    return _Rows(ledger.prepare(entries, actor), lines, entry_of_line, sum(n.line.amount_fen for n in new))


def _write(session: Session, notice: AdmissionNotice, rows: _Rows) -> PostResult:
    account = ledger.lock_for_notice(session, notice.patient_id, notice.id)
    _check_open(session, notice)  # a settlement may have closed the stay since the checks
    entry_ids = ledger.post_many(session, account, rows.entries)
    for line, i in zip(rows.lines, rows.entry_of_line, strict=True):
        if i is not None:
            line["ledger_entry_id"] = entry_ids[i]
    line_ids = bulk.insert_ids(session, ChargeLine, rows.lines)
    events.emit(
        session,
        ChargesPosted(
            notice_id=notice.id,
            patient_id=notice.patient_id,
            account_id=account.id,
            lines=len(line_ids),
            amount_fen=rows.amount_fen,
            balance_fen=account.balance_fen,
        ),
    )
    return PostResult(created=len(line_ids), line_ids=line_ids)


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
