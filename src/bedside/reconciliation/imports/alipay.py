"""Alipay trade bill zips (GBK, `#` comment lines, trailing tabs, masked accounts): parsed and
checked by payments.bills.alipay_bill, turned into a statement frame here."""

from __future__ import annotations

import polars as pl

from bedside.payments.bills import BillFormatError
from bedside.payments.bills.alipay_bill import read_alipay_bill
from bedside.reconciliation.imports import Statement, StatementRefused, digest
from bedside.reconciliation.matching import THEIRS_SCHEMA


def read(data: bytes) -> Statement:
    try:
        bill = read_alipay_bill(data)
    except BillFormatError as exc:
        raise StatementRefused(str(exc)) from exc
    rows = [
        {
            "kind": r.kind,
            "key": (r.out_refund_no or "") if r.kind == "refund" else r.out_trade_no,
            "channel_trade_no": r.channel_trade_no,
            "amount_fen": abs(r.received_fen),
            "fee_fen": abs(r.fee_fen),
            "status": "REFUND" if r.kind == "refund" else "SUCCESS",
            "at": r.finished_at,
            "out_trade_no": r.out_trade_no,
        }
        for r in bill.rows
    ]
    frame = pl.DataFrame(rows, schema={**THEIRS_SCHEMA, "out_trade_no": pl.String})
    return Statement("alipay", frame, digest(data))
