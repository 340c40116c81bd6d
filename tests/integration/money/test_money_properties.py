"""Property test over random sequences of payments, duplicate / late / missing / reordered
notifications, queries, closes, charges, refunds and process restarts: the ledger always
equals paid − refunded − charged, nothing is credited twice, and no money the channel took
is left unrecorded."""

from __future__ import annotations

import os
from datetime import timedelta

import time_machine
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlalchemy import func, select

from bedside.core.audit import SYSTEM
from bedside.core.db import utcnow
from bedside.deposits import service as deposits
from bedside.deposits.models import LedgerEntry
from bedside.payments import cash, registry, worker
from bedside.payments import refunds as payment_refunds
from bedside.payments import service as payments
from bedside.payments.models import PaymentOrder, Refund
from bedside.payments.sandbox import server as sandbox
from bedside.payments.sandbox.models import SandboxRefund, SandboxTrade
from tests.conftest import DATABASE, TEST_SIDE, _empty_all_tables
from tests.helpers import JSAPI_PAYER
from tests.integration.money.conftest import make_stay

EXAMPLES = int(os.environ.get("MONEY_EXAMPLES", "100"))
CHANNELS = [("wechat", "NATIVE"), ("wechat", "JSAPI"), ("alipay", "PRECREATE"), ("unionpay", "POS")]


class MoneyMachine(RuleBasedStateMachine):
    @initialize()
    def setup(self) -> None:
        _empty_all_tables()
        registry.reset()
        with TEST_SIDE.session() as s:
            self.stay = make_stay(s)
        self.clock = utcnow()
        self.orders: list[int] = []
        self.charged = 0
        self.keys = 0
        self.cash_inserted: dict[int, int] = {}

    def _at(self):  # type: ignore[no-untyped-def]
        return time_machine.travel(self.clock, tick=False)

    @rule(
        amount=st.integers(100, 500000),
        channel_mode=st.sampled_from(sandbox.CHAOS_MODES),
        pay=st.booleans(),
        retry=st.booleans(),
        channel=st.sampled_from(CHANNELS),
    )
    def start_and_maybe_pay(
        self, amount: int, channel_mode: str, pay: bool, retry: bool, channel: tuple[str, str]
    ) -> None:
        self.keys += 1
        with self._at(), DATABASE.session() as s:
            order = payments.start_payment(
                s,
                self.stay.actor,
                patient_id=self.stay.patient.id,
                notice_id=self.stay.notice.id,
                purpose="topup",
                amount_fen=amount,
                channel=channel[0],
                trade_type=channel[1],
                payer=JSAPI_PAYER if channel[1] == "JSAPI" else None,
                place="phone",
                idempotency_key=f"prop-{self.keys:06d}",
            )
            if retry:  # the phone resends the same request
                again = payments.start_payment(
                    s,
                    self.stay.actor,
                    patient_id=self.stay.patient.id,
                    notice_id=self.stay.notice.id,
                    purpose="topup",
                    amount_fen=amount,
                    channel=channel[0],
                    trade_type=channel[1],
                    payer=JSAPI_PAYER if channel[1] == "JSAPI" else None,
                    place="phone",
                    idempotency_key=f"prop-{self.keys:06d}",
                )
                assert again.id == order.id
            self.orders.append(order.id)
            if pay:
                try:
                    sandbox.pay(s, order.out_trade_no, mode=channel_mode, delay_seconds=40)
                    s.commit()
                except sandbox.SandboxError:
                    s.rollback()

    @precondition(lambda self: self.orders)
    @rule(index=st.integers(0, 50), mode=st.sampled_from(sandbox.CHAOS_MODES))
    def pay_existing(self, index: int, mode: str) -> None:
        order_id = self.orders[index % len(self.orders)]
        with self._at(), DATABASE.session() as s:
            order = s.get(PaymentOrder, order_id)
            try:
                sandbox.pay(s, order.out_trade_no, mode=mode, delay_seconds=40)
                s.commit()
            except sandbox.SandboxError:
                s.rollback()

    @rule(
        notes=st.lists(st.sampled_from(cash.NOTES_FEN), max_size=4),
        finish=st.booleans(),
        repeat_report=st.booleans(),
    )
    def pay_cash(self, notes: list[int], finish: bool, repeat_report: bool) -> None:
        """A kiosk session: notes stacked one by one; the kiosk may die before "done"."""
        self.keys += 1
        with self._at(), DATABASE.session() as s:
            order = cash.start_cash(
                s,
                self.stay.actor,
                patient_id=self.stay.patient.id,
                notice_id=self.stay.notice.id,
                purpose="topup",
                place="K-01",
                idempotency_key=f"prop-{self.keys:06d}",
            )
            for seq, note in enumerate(notes, start=1):
                cash.accept_note(s, self.stay.actor, order.id, seq, note)
                if repeat_report:
                    cash.accept_note(s, self.stay.actor, order.id, seq, note)
            self.cash_inserted[order.id] = sum(notes)
            if finish:
                cash.finish_cash(s, self.stay.actor, order.id)

    @rule(seconds=st.sampled_from([0, 5, 20, 45, 400, 1000]))
    def time_passes_and_workers_run(self, seconds: int) -> None:
        self.clock += timedelta(seconds=seconds)
        with self._at():
            worker.run_once(DATABASE.session_factory)

    @rule()
    def deliver_notifications(self) -> None:
        with self._at():
            sandbox.deliver_due(DATABASE.session_factory, worker.deliver_in_process(DATABASE.session_factory))

    @rule()
    def process_restarts(self) -> None:
        registry.reset()  # adapters and their keys are rebuilt from the database

    @rule(amount=st.integers(1, 200000))
    def charge(self, amount: int) -> None:
        with DATABASE.session() as s:
            acct = deposits.account_for_notice(s, self.stay.patient.id, self.stay.notice.id)
            deposits.post(s, acct.id, "charge", amount, SYSTEM)
            s.commit()
        self.charged += amount

    @rule(amount=st.integers(1, 300000))
    def refund_surplus(self, amount: int) -> None:
        with self._at(), DATABASE.session() as s:
            acct = deposits.account_for_notice(s, self.stay.patient.id, self.stay.notice.id)
            try:
                payment_refunds.refund_to_origin(s, SYSTEM, acct.id, amount, "surplus")
            except payments.DomainError:
                s.rollback()

    @invariant()
    def ledger_adds_up(self) -> None:
        if not hasattr(self, "stay"):
            return
        with DATABASE.session() as s:
            acct = deposits.account_for_notice(s, self.stay.patient.id, self.stay.notice.id)
            s.commit()
            cached, derived = deposits.check(s, acct.id)
            assert cached == derived
            paid = (
                s.scalar(
                    select(func.coalesce(func.sum(PaymentOrder.amount_fen), 0)).where(
                        PaymentOrder.channel_trade_no.is_not(None)
                    )
                )
                or 0
            )
            refunded = (
                s.scalar(
                    select(func.coalesce(func.sum(Refund.amount_fen), 0)).where(Refund.state != "rejected")
                )
                or 0
            )
            assert derived == paid - refunded - self.charged
            credits = s.execute(
                select(LedgerEntry.payment_order_id, func.count())
                .where(LedgerEntry.kind.in_(["deposit", "topup"]))
                .group_by(LedgerEntry.payment_order_id)
            ).all()
            assert all(n == 1 for _, n in credits), credits
            # What the channel refunded is exactly what Bedside recorded as refunded.
            channel_refunds = s.scalar(select(func.coalesce(func.sum(SandboxRefund.amount_fen), 0))) or 0
            done = (
                s.scalar(
                    select(func.coalesce(func.sum(Refund.amount_fen), 0)).where(
                        Refund.state == "succeeded", Refund.route == "original"
                    )
                )
                or 0
            )
            assert channel_refunds == done

    def teardown(self) -> None:
        if not hasattr(self, "stay"):
            return
        # Let every channel retry and every query run to the end: then no money the channel
        # took may be missing from Bedside's books.
        for _ in range(3):
            self.clock += timedelta(hours=8)
            with self._at():
                for _ in range(20):
                    worker.run_once(DATABASE.session_factory)
        with DATABASE.session() as s:
            taken = s.execute(
                select(SandboxTrade.out_trade_no, SandboxTrade.transaction_id).where(
                    SandboxTrade.state.in_(["SUCCESS", "REFUND"])
                )
            ).all()
            for out_trade_no, transaction_id in taken:
                order = s.scalar(select(PaymentOrder).where(PaymentOrder.out_trade_no == out_trade_no))
                assert order is not None and order.channel_trade_no == transaction_id, out_trade_no
            # Every note a kiosk stacked is in the books, finished by the patient or not.
            for order_id, inserted in self.cash_inserted.items():
                order = s.get(PaymentOrder, order_id)
                assert order.amount_fen == inserted
                assert order.state != "paying"
                assert (order.channel_trade_no is not None) == (inserted > 0)
        self.ledger_adds_up()
        registry.reset()


MoneyMachine.TestCase.settings = settings(
    max_examples=EXAMPLES,
    stateful_step_count=15,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],
)
TestMoneyProperties = MoneyMachine.TestCase
