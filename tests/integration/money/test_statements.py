"""The sandbox publishes each day's statement files in the channels' formats, from its own
books: what Bedside recorded can be checked against them line by line."""

from __future__ import annotations

from sqlalchemy import select

from bedside.core.audit import SYSTEM
from bedside.core.clock import local_today
from bedside.payments import refunds as payment_refunds
from bedside.payments import service as payments
from bedside.payments import worker
from bedside.payments.bills.alipay_bill import parse_alipay_bill
from bedside.payments.bills.wechat_tradebill import parse_tradebill, tradebill_gunzip
from bedside.payments.models import PaymentOrder
from bedside.payments.sandbox import server as sandbox
from bedside.payments.sandbox import statements
from tests.conftest import DATABASE


def _paid(stay, channel, trade_type, amount, key, purpose):
    with DATABASE.session() as s:
        order = payments.start_payment(
            s,
            stay.actor,
            patient_id=stay.patient.id,
            notice_id=stay.notice.id,
            purpose=purpose,
            amount_fen=amount,
            channel=channel,
            trade_type=trade_type,
            place="K-01",
            idempotency_key=key,
        )
        sandbox.pay(s, order.out_trade_no)
        s.commit()
    sandbox.deliver_due(DATABASE.session_factory, worker.deliver_in_process(DATABASE.session_factory))
    return order


def test_day_files_match_what_bedside_recorded(stay, tmp_path):
    wx = _paid(stay, "wechat", "NATIVE", 300000, "stmt-key-01", "deposit")
    ali = _paid(stay, "alipay", "PRECREATE", 123456, "stmt-key-02", "topup")
    with DATABASE.session() as s:
        payment_refunds.refund_to_origin(s, SYSTEM, wx.account_id, 150000, "surplus")
        payment_refunds.process_refunds(s)
    with DATABASE.session() as s:
        files = statements.write_day(s, local_today(), tmp_path)
        recorded = {o.out_trade_no: o for o in s.scalars(select(PaymentOrder))}
    gz, sha1_file, zipped = files.paths
    rows = parse_tradebill(tradebill_gunzip(gz.read_bytes(), sha1_file.read_text().strip()))
    payment = [r for r in rows if r.trade_state == "SUCCESS"]
    refunds = [r for r in rows if r.trade_state == "REFUND"]
    assert [(r.out_trade_no, r.transaction_id, r.settlement_total_fen) for r in payment] == [
        (wx.out_trade_no, recorded[wx.out_trade_no].channel_trade_no, 300000)
    ]
    # Newest payment first: the Alipay ¥1,234.56 is refunded whole, then ¥265.44 of WeChat.
    assert [(r.out_trade_no, r.refund_fen) for r in refunds] == [(wx.out_trade_no, 150000 - 123456)]
    alipay_rows = parse_alipay_bill(zipped.read_bytes())
    assert sorted((r.kind, r.out_trade_no, r.order_amount_fen) for r in alipay_rows) == [
        ("payment", ali.out_trade_no, 123456),
        ("refund", ali.out_trade_no, -123456),
    ]
    assert recorded[ali.out_trade_no].channel_trade_no in {r.channel_trade_no for r in alipay_rows}


def test_missing_days_are_written_once(stay, tmp_path):
    with DATABASE.session() as s:
        assert len(statements.write_missing(s, local_today(), tmp_path)) == 7
        assert statements.write_missing(s, local_today(), tmp_path) == []
