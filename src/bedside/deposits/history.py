"""The stay's payment history as the patient reads it: each ledger entry with what it was —
the first deposit or a top-up paid by which wallet (order number), a charge by its item,
quantity and unit price, a record copy fee, a refund and where it goes — instead of only the
entry's kind. The rows it joins (orders, refunds, charge lines) are read in three statements
whatever the history's length."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bedside.charges.itemized import quantity_text
from bedside.charges.models import ChargeLine
from bedside.core.i18n import N_
from bedside.deposits.models import EntryKind, LedgerEntry
from bedside.payments.models import PaymentOrder, Refund

K = EntryKind
# What the money was for, by entry kind, when nothing more precise is known.
WHAT: dict[str, str] = {
    K.DEPOSIT: N_("First deposit"),
    K.TOPUP: N_("Top-up"),
    K.SUPPLEMENTARY_PAYMENT: N_("Supplementary payment at discharge"),
    K.SETTLEMENT: N_("Discharge settlement"),
    K.REFUND: N_("Refund"),
    K.REVERSAL: N_("Reversal"),
    K.FEE_PAYMENT: N_("Fee paid"),
    K.FEE: N_("Fee"),
    K.CHARGE: N_("Charge"),
    K.CHARGE_CORRECTION: N_("Charge partly reversed"),
}
FEE_WHAT = {"record_copy": N_("Medical record copy fee")}


@dataclass(frozen=True)
class Row:
    at: datetime
    kind: str
    amount_fen: int
    what: str  # a message id, or the charge item's own name (`item` True)
    item: bool = False
    channel: str | None = None  # how it was paid or where a refund goes (a channel code)
    order_no: str | None = None
    quantity: str | None = None  # a charge: how many, at what unit price, on which day
    unit_price_fen: int | None = None
    service_date: date | None = None
    reversed_what: str | None = None  # a reversal: what it takes back


def describe(session: Session, entries: Sequence[LedgerEntry]) -> list[Row]:
    order_ids = {e.payment_order_id for e in entries if e.payment_order_id}
    orders = (
        {o.id: o for o in session.scalars(select(PaymentOrder).where(PaymentOrder.id.in_(order_ids)))}
        if order_ids
        else {}
    )
    refund_ids = {e.refund_id for e in entries if e.refund_id}
    refunds = (
        {r.id: r for r in session.scalars(select(Refund).where(Refund.id.in_(refund_ids)))}
        if refund_ids
        else {}
    )
    charge_entries = [e.id for e in entries if e.kind in (K.CHARGE, K.CHARGE_CORRECTION)]
    lines = (
        {
            c.ledger_entry_id: c
            for c in session.scalars(select(ChargeLine).where(ChargeLine.ledger_entry_id.in_(charge_entries)))
        }
        if charge_entries
        else {}
    )
    by_id = {e.id: e for e in entries}
    rows: list[Row] = []
    for e in entries:
        order = orders.get(e.payment_order_id) if e.payment_order_id else None
        what, item = WHAT.get(e.kind, e.kind), False
        extra: dict[str, object] = {}
        if order is not None:
            extra.update(channel=order.channel, order_no=order.out_trade_no)
            if e.kind in (K.FEE, K.FEE_PAYMENT):
                what = FEE_WHAT.get(order.purpose, what)
        if e.kind == K.REFUND and e.refund_id in refunds:
            extra["order_no"] = refunds[e.refund_id].out_refund_no
        line = lines.get(e.id)
        if line is not None:
            what, item = line.name + (f" {line.spec}" if line.spec else ""), True
            extra.update(
                quantity=quantity_text(line.quantity_milli),
                unit_price_fen=line.unit_price_fen,
                service_date=line.service_date,
            )
        elif e.kind in (K.CHARGE, K.CHARGE_CORRECTION) and e.memo:
            what, item = e.memo.partition(" ")[2] or e.memo, True  # "code name" as posted
        if e.kind == K.REVERSAL and e.reverses_id in by_id:
            extra["reversed_what"] = WHAT.get(by_id[e.reverses_id].kind)
        rows.append(Row(e.created_at, e.kind, e.amount_fen, what, item, **extra))  # type: ignore[arg-type]
    return rows
