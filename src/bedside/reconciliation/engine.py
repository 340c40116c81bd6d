"""The matching run of a day: our books and each imported statement as frames, matched by
reconciliation.matching, new discrepancies and payments in transit written; the cash boxes
against the notes the kiosks reported."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bedside.core import audit
from bedside.core.audit import Actor
from bedside.payments.bills import day_bounds
from bedside.payments.models import CashNote, PaymentOrder, Refund
from bedside.reconciliation import matching
from bedside.reconciliation.models import CashCount, Discrepancy, InTransit, StatementImport, StatementRow
from bedside.reconciliation.service import FEE_RATE_BP, Progress, writable_day
from bedside.reconciliation.states import SUGGESTED, DiscrepancyState, Kind


def _ours(session: Session, channel: str, bill_date: date, theirs: pl.DataFrame) -> pl.DataFrame:
    """Our payments paid that day and our refunds done that day, plus every order or refund
    the statement names (whatever its state or day)."""
    start, end = day_bounds(bill_date)
    pay_keys = theirs.filter(pl.col("kind") == "payment")["key"].to_list()
    ref_keys = theirs.filter(pl.col("kind") == "refund")["key"].to_list()
    cols = (PaymentOrder.out_trade_no, PaymentOrder.amount_fen, PaymentOrder.state, PaymentOrder.paid_at)
    base = select(*cols).where(PaymentOrder.channel == channel)
    rows = list(session.execute(base.where(PaymentOrder.paid_at >= start, PaymentOrder.paid_at < end)))
    for i in range(0, len(pay_keys), 900):
        rows += session.execute(base.where(PaymentOrder.out_trade_no.in_(pay_keys[i : i + 900])))
    rcols = (Refund.out_refund_no, Refund.amount_fen, Refund.state, Refund.finished_at, Refund.created_at)
    rbase = (
        select(*rcols)
        .join(PaymentOrder, PaymentOrder.id == Refund.payment_order_id)
        .where(PaymentOrder.channel == channel)
    )
    refunds = list(session.execute(rbase.where(Refund.finished_at >= start, Refund.finished_at < end)))
    for i in range(0, len(ref_keys), 900):
        refunds += session.execute(rbase.where(Refund.out_refund_no.in_(ref_keys[i : i + 900])))
    data = [
        {"kind": "payment", "key": k, "amount_fen": a, "state": s, "at": p or start} for k, a, s, p in rows
    ] + [{"kind": "refund", "key": k, "amount_fen": a, "state": s, "at": f or c} for k, a, s, f, c in refunds]
    return matching.ours_frame(data).unique(["kind", "key"], keep="first")


def _theirs(session: Session, import_id: int) -> pl.DataFrame:
    rows = session.execute(
        select(
            StatementRow.kind,
            StatementRow.out_trade_no,
            StatementRow.out_refund_no,
            StatementRow.channel_trade_no,
            StatementRow.amount_fen,
            StatementRow.fee_fen,
            StatementRow.status,
            StatementRow.at,
        ).where(StatementRow.import_id == import_id)
    )
    return matching.theirs_frame(
        [
            {
                "kind": k,
                "key": r if k == "refund" else o,
                "channel_trade_no": c,
                "amount_fen": a,
                "fee_fen": f,
                "status": s,
                "at": t,
            }
            for k, o, r, c, a, f, s, t in rows
        ]
    )


def recorded_cash(session: Session, bill_date: date) -> dict[str, int]:
    start, end = day_bounds(bill_date)
    rows = session.execute(
        select(PaymentOrder.place, func.sum(CashNote.denomination_fen))
        .join(PaymentOrder, PaymentOrder.id == CashNote.payment_order_id)
        .where(CashNote.accepted_at >= start, CashNote.accepted_at < end)
        .group_by(PaymentOrder.place)
    )
    return {place: int(total or 0) for place, total in rows}


def run(
    session: Session,
    actor: Actor,
    bill_date: date,
    channel: str | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Matches each imported statement of the day (or one channel) and the cash boxes; new
    discrepancies are added, those already listed keep their state and notes."""
    day = writable_day(session, bill_date)
    _, end = day_bounds(bill_date)
    imports = list(session.scalars(select(StatementImport).where(StatementImport.day_id == day.id)))
    chosen = [i for i in imports if channel in (None, i.channel)]
    found: list[dict[str, Any]] = []
    summary = dict(day.summary or {})
    for step, imp in enumerate(chosen, start=1):
        theirs = _theirs(session, imp.id)
        held_rows = list(
            session.scalars(
                select(InTransit).where(
                    InTransit.channel == imp.channel,
                    InTransit.day_id != day.id,
                    or_(InTransit.matched_day_id.is_(None), InTransit.matched_day_id == day.id),
                )
            )
        )
        held = matching.ours_frame(
            [
                {
                    "kind": "payment",
                    "key": h.out_trade_no,
                    "amount_fen": h.amount_fen,
                    "state": "paid",
                    "at": h.paid_at,
                }
                for h in held_rows
            ]
        )
        result = matching.match(
            _ours(session, imp.channel, bill_date, theirs), theirs, end, FEE_RATE_BP[imp.channel], held
        )
        found += [{**d, "channel": imp.channel} for d in result.discrepancies.to_dicts()]
        for h in held_rows:
            h.matched_day_id = day.id
        known = set(session.scalars(select(InTransit.out_trade_no).where(InTransit.channel == imp.channel)))
        for key, amount, at in result.in_transit.iter_rows():
            if key not in known:
                session.add(
                    InTransit(
                        day_id=day.id, channel=imp.channel, out_trade_no=key, amount_fen=amount, paid_at=at
                    )
                )
        summary[imp.channel] = {**matching.summary(theirs), "matched": result.matched}
        if progress:
            progress(imp.channel, step, len(chosen) + 1)
    if channel in (None, "cash"):
        counted = {
            code: fen
            for code, fen in session.execute(
                select(CashCount.kiosk_code, CashCount.counted_fen).where(CashCount.day_id == day.id)
            )
        }
        found += [
            {**d, "channel": "cash"}
            for d in matching.cash_discrepancies(recorded_cash(session, bill_date), counted)
        ]
    if progress:
        progress("cash", len(chosen) + 1, len(chosen) + 1)
    existing = {
        (c, k, r)
        for c, k, r in session.execute(
            select(Discrepancy.channel, Discrepancy.kind, Discrepancy.ref).where(Discrepancy.day_id == day.id)
        )
    }
    added = 0
    for d in found:
        if (d["channel"], d["kind"], d["ref"]) in existing:
            continue
        existing.add((d["channel"], d["kind"], d["ref"]))
        session.add(
            Discrepancy(
                day_id=day.id,
                channel=d["channel"],
                kind=d["kind"],
                ref=str(d["ref"])[:64],
                channel_trade_no=d.get("channel_trade_no"),
                ours_fen=d.get("ours_fen"),
                theirs_fen=d.get("theirs_fen"),
                our_state=d.get("our_state"),
                their_state=d.get("their_state"),
                suggested_action=SUGGESTED[Kind(d["kind"])],
                state=DiscrepancyState.OPEN,
                notes="",
            )
        )
        added += 1
    day.summary = summary
    audit.record(
        session, actor, "recon.run", "recon_day", day.id, channel=channel, found=len(found), added=added
    )
    session.commit()
    return {"found": len(found), "added": added, "channels": [i.channel for i in chosen]}
