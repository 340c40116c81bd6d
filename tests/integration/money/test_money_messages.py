"""What the patient's family hears about money: a paid deposit, a balance falling under the
ward's threshold (once per crossing), a refund sent back."""

from __future__ import annotations

from sqlalchemy import select

from bedside.core.audit import SYSTEM
from bedside.core.events import dispatch_pending
from bedside.deposits import service as deposits
from bedside.deposits.models import DepositAccount, EntryKind
from bedside.hospital.models import Ward
from bedside.notifications import service as inbox
from bedside.payments import refunds as payment_refunds
from bedside.payments import service as payments
from bedside.payments import worker
from bedside.payments.sandbox import server as sandbox
from tests.conftest import DATABASE
from tests.helpers import JSAPI_PAYER


def _drain():
    while dispatch_pending(DATABASE.session_factory):
        pass


def _titles(stay, locale="zh_CN"):
    with DATABASE.session() as s:
        return [m.title for m in reversed(inbox.inbox(s, stay.phone_account.id, locale))]


def test_paid_low_and_refunded_reach_the_family(stay):
    with DATABASE.session() as s:
        order = payments.start_payment(
            s,
            stay.actor,
            patient_id=stay.patient.id,
            notice_id=stay.notice.id,
            purpose="deposit",
            amount_fen=300000,
            channel="wechat",
            trade_type="JSAPI",
            payer=JSAPI_PAYER,
            place="phone",
            idempotency_key="messages-0001",
        )
        sandbox.pay(s, order.out_trade_no, mode="duplicate")
        s.commit()
    sandbox.deliver_due(DATABASE.session_factory, worker.deliver_in_process(DATABASE.session_factory))
    _drain()
    assert _titles(stay)[-1] == "预交金已缴纳"
    assert _titles(stay).count("预交金已缴纳") == 1  # three notifications, one message

    # The ward's own threshold (¥2,000) applies once the stay has a ward.
    with DATABASE.session() as s:
        account = s.get(DepositAccount, order.account_id)
        ward = s.scalar(select(Ward).limit(1))
        ward.low_balance_threshold_fen = 200000
        account.ward_id = ward.id
        deposits.post(s, account.id, EntryKind.CHARGE, 50000, SYSTEM, memo="day 1")  # ¥2,500 left
        deposits.post(s, account.id, EntryKind.CHARGE, 60000, SYSTEM, memo="day 2")  # ¥1,900: crosses
        deposits.post(s, account.id, EntryKind.CHARGE, 10000, SYSTEM, memo="day 3")  # still under
        s.commit()
    _drain()
    assert _titles(stay).count("预交金余额不足") == 1
    with DATABASE.session() as s:
        low = [m for m in inbox.inbox(s, stay.phone_account.id, "en") if m.title == "Deposit balance is low"]
        assert "¥1,900.00" in low[0].body and "¥2,000.00" in low[0].body

    with DATABASE.session() as s:
        payment_refunds.refund_to_origin(s, SYSTEM, order.account_id, 100000, "surplus")
        payment_refunds.process_refunds(s)
    _drain()
    with DATABASE.session() as s:
        sent = [m for m in inbox.inbox(s, stay.phone_account.id, "en") if m.title == "Refund sent"]
    assert len(sent) == 1 and "¥1,000.00" in sent[0].body and "WeChat Pay" in sent[0].body
