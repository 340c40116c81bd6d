"""Reconciliation days: open, import each channel's statement, count the cash boxes, run the
matching, close. The discrepancy actions are in reconciliation.workflow.

A file is parsed and checked whole before anything is written, so a refused file leaves
nothing behind; the same file twice is a no-op (its SHA-256 is kept)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import polars as pl
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from bedside.core import audit
from bedside.core.audit import Actor
from bedside.core.db import utcnow
from bedside.core.errors import Conflict, InvalidInput, NotFound
from bedside.core.i18n import N_
from bedside.payments.bills import day_bounds
from bedside.reconciliation import matching
from bedside.reconciliation.imports import Statement, StatementRefused, alipay, wechat
from bedside.reconciliation.models import (
    CashCount,
    Discrepancy,
    ReconDay,
    StatementImport,
    StatementRow,
)
from bedside.reconciliation.states import (
    DAY_MACHINE,
    SETTLED,
    DayState,
)

CHANNELS = ("wechat", "alipay")
# The rates in the hospital's contracts with each channel, per transaction in basis points.
FEE_RATE_BP = {"wechat": 20, "alipay": 20}
MAX_FILE_BYTES = 512 * 1024 * 1024
Progress = Callable[[str, int, int], None]


class DayClosed(Conflict):
    code = "recon_day_closed"
    message = N_("This day is closed; nothing in it can change.")


class DayNotReady(Conflict):
    code = "recon_day_not_ready"
    message = N_("%(count)s discrepancies are still open: resolve, write off or carry over each first.")


class OtherFileImported(Conflict):
    code = "statement_already_imported"
    message = N_("A different statement file was already imported for this channel and day.")


def who(actor: Actor) -> str:
    return f"{actor.kind}:{actor.id or actor.label}"[:100]


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(N_("Enter the date as YYYY-MM-DD."), code="invalid_date", field="date") from None


def find_day(session: Session, bill_date: date) -> ReconDay | None:
    return session.scalar(select(ReconDay).where(ReconDay.bill_date == bill_date))


def get_day(session: Session, bill_date: date) -> ReconDay:
    day = find_day(session, bill_date)
    if day is None:
        raise NotFound(N_("This day has not been opened for reconciliation."), code="recon_day_not_found")
    return day


def open_day(session: Session, actor: Actor, bill_date: date) -> ReconDay:
    day = find_day(session, bill_date)
    if day is not None:
        return day
    day = ReconDay(bill_date=bill_date, state=DayState.OPEN, opened_by=who(actor), summary={})
    session.add(day)
    session.flush()
    audit.record(session, actor, "recon.day_open", "recon_day", day.id, bill_date=bill_date.isoformat())
    session.commit()
    return day


def writable_day(session: Session, bill_date: date) -> ReconDay:
    day = session.scalar(select(ReconDay).where(ReconDay.bill_date == bill_date).with_for_update())
    if day is None:
        raise NotFound(N_("This day has not been opened for reconciliation."), code="recon_day_not_found")
    if day.state == DayState.CLOSED:
        raise DayClosed()
    return day


def parse_file(channel: str, data: bytes, sha1: str | None = None) -> Statement:
    if len(data) > MAX_FILE_BYTES:
        raise StatementRefused("the file is too large")
    if channel == "wechat":
        if data[:2] == b"\x1f\x8b" and not sha1:
            raise StatementRefused("a gzip bill needs the SHA1 its download announced")
        raw = wechat.gunzip_checked(data, sha1) if data[:2] == b"\x1f\x8b" else data
        return wechat.read(raw)
    if channel == "alipay":
        return alipay.read(data)
    raise InvalidInput(N_("Unknown channel."), code="unknown_channel", field="channel")


def import_statement(
    session: Session,
    actor: Actor,
    bill_date: date,
    channel: str,
    file_name: str,
    data: bytes,
    sha1: str | None = None,
) -> StatementImport:
    statement = parse_file(channel, data, sha1)  # before any write: a refused file leaves nothing
    start, end = day_bounds(bill_date)
    outside = statement.rows.filter(
        (pl.col("at") < pl.lit(start).dt.convert_time_zone("UTC"))
        | (pl.col("at") >= pl.lit(end).dt.convert_time_zone("UTC"))
    )
    if outside.height:
        raise StatementRefused(f"the file lists trades outside {bill_date.isoformat()}")
    day = open_day(session, actor, bill_date)
    day = writable_day(session, bill_date)
    existing = session.scalar(
        select(StatementImport).where(StatementImport.day_id == day.id, StatementImport.channel == channel)
    )
    if existing is not None:
        session.commit()
        if existing.sha256 == statement.sha256:
            return existing
        raise OtherFileImported()
    totals = matching.summary(statement.rows)
    row = StatementImport(
        day_id=day.id,
        channel=channel,
        file_name=file_name[:200],
        sha256=statement.sha256,
        rows=statement.rows.height,
        amount_fen=totals["amount_fen"],
        refund_fen=totals["refund_fen"],
        fee_fen=totals["fee_fen"],
        imported_by=who(actor),
    )
    session.add(row)
    session.flush()
    records = statement.rows.select(
        pl.lit(row.id).alias("import_id"),
        "kind",
        "at",
        pl.col("out_trade_no"),
        "channel_trade_no",
        pl.when(pl.col("kind") == "refund").then(pl.col("key")).alias("out_refund_no"),
        "amount_fen",
        "fee_fen",
        "status",
    ).to_dicts()
    if records:
        session.execute(insert(StatementRow), records)
    audit.record(session, actor, "recon.import", "recon_import", row.id, channel=channel, rows=row.rows)
    session.commit()
    return row


def record_cash_count(
    session: Session, actor: Actor, bill_date: date, kiosk_code: str, counted_fen: int
) -> CashCount:
    code = kiosk_code.strip()[:40]
    if not code:
        raise InvalidInput(N_("Enter the kiosk's code."), code="kiosk_code_required", field="kiosk")
    if isinstance(counted_fen, bool) or not isinstance(counted_fen, int) or not 0 <= counted_fen <= 10**10:
        raise InvalidInput(N_("Enter the amount counted."), code="invalid_amount", field="counted")
    open_day(session, actor, bill_date)
    day = writable_day(session, bill_date)
    row = session.scalar(select(CashCount).where(CashCount.day_id == day.id, CashCount.kiosk_code == code))
    if row is None:
        row = CashCount(day_id=day.id, kiosk_code=code, counted_fen=counted_fen, counted_by=who(actor))
        session.add(row)
    else:
        row.counted_fen, row.counted_by, row.counted_at = counted_fen, who(actor), utcnow()
    session.flush()
    audit.record(
        session, actor, "recon.cash_count", "recon_cash_count", row.id, kiosk=code, counted_fen=counted_fen
    )
    session.commit()
    return row


def discrepancies(session: Session, day_id: int) -> list[Discrepancy]:
    return list(
        session.scalars(
            select(Discrepancy)
            .where(Discrepancy.day_id == day_id)
            .order_by(Discrepancy.channel, Discrepancy.id)
        )
    )


def imports_of(session: Session, day_id: int) -> list[StatementImport]:
    return list(session.scalars(select(StatementImport).where(StatementImport.day_id == day_id)))


def cash_counts(session: Session, day_id: int) -> list[CashCount]:
    return list(
        session.scalars(select(CashCount).where(CashCount.day_id == day_id).order_by(CashCount.kiosk_code))
    )


def recent_days(session: Session, limit: int = 40) -> list[ReconDay]:
    return list(session.scalars(select(ReconDay).order_by(ReconDay.bill_date.desc()).limit(limit)))


def close_day(session: Session, actor: Actor, bill_date: date) -> ReconDay:
    day = writable_day(session, bill_date)
    left = session.scalar(
        select(func.count()).where(
            Discrepancy.day_id == day.id, Discrepancy.state.not_in([s.value for s in SETTLED])
        )
    )
    if left:
        raise DayNotReady(params={"count": left})
    day.state = DAY_MACHINE.next_state(DayState(day.state), "close", day)
    day.closed_by, day.closed_at = who(actor), utcnow()
    audit.record(session, actor, "recon.day_close", "recon_day", day.id, bill_date=bill_date.isoformat())
    session.commit()
    return day


def month(session: Session, first: date) -> list[ReconDay]:
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return list(
        session.scalars(
            select(ReconDay)
            .where(ReconDay.bill_date >= first, ReconDay.bill_date < last)
            .order_by(ReconDay.bill_date)
        )
    )


def day_of(session: Session, item: Discrepancy) -> date:
    day = session.get(ReconDay, item.day_id)
    if day is None:
        raise NotFound(N_("This day has not been opened for reconciliation."), code="recon_day_not_found")
    return day.bill_date
