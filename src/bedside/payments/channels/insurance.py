"""The medical-insurance personal account (个人账户) as a payment channel: used at settlement,
debited synchronously by the insured person's insurance number, refunded by a settlement
reversal. There is nothing to scan or wait for: the answer to the debit is the result."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bedside.payments.channels.base import (
    ChannelDeclined,
    ChannelTrade,
    CreatedOrder,
    RefundAnswer,
    Transport,
)
from bedside.payments.crypto import NotificationRejected


class InsuranceAccountAdapter:
    name = "insurance_account"
    refund_window_days = 365  # a settlement may be reversed within the insurance year
    trade_types: tuple[str, ...] = ("ACCOUNT",)
    # The "code" is the insured person's insurance number, read from the card at settlement.
    code_trade_types: tuple[str, ...] = ("ACCOUNT",)
    code_pattern = r"^[0-9A-Z]{10,32}$"

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    def _trade(self, out_trade_no: str, data: Mapping[str, Any]) -> ChannelTrade:
        if data.get("infcode") != 0:
            return ChannelTrade(out_trade_no=out_trade_no, state="NOTFOUND")
        when = data.get("setl_time")
        return ChannelTrade(
            out_trade_no=out_trade_no,
            state=str(data.get("state")),
            channel_trade_no=data.get("setl_id"),
            amount_fen=int(data["acct_pay"]) if isinstance(data.get("acct_pay"), int) else None,
            success_time=datetime.fromisoformat(when) if when else None,
        )

    def create(
        self,
        out_trade_no: str,
        amount_fen: int,
        trade_type: str,
        description: str,
        auth_code: str | None = None,
    ) -> CreatedOrder:
        data = self.transport.create(out_trade_no, amount_fen, trade_type, description, auth_code)
        trade = self._trade(out_trade_no, data)
        if trade.state != "SUCCESS":
            raise ChannelDeclined(str(data.get("err_msg") or trade.state))
        return CreatedOrder(pay_params={}, trade=trade)

    def query(self, out_trade_no: str) -> ChannelTrade:
        return self._trade(out_trade_no, self.transport.query(out_trade_no))

    def close(self, out_trade_no: str) -> None:
        self.transport.close(out_trade_no)

    def refund(self, out_trade_no: str, out_refund_no: str, amount_fen: int, total_fen: int) -> RefundAnswer:
        data = self.transport.refund(out_trade_no, out_refund_no, amount_fen, total_fen)
        if data.get("infcode") == 0:
            return RefundAnswer(state="SUCCESS", channel_refund_no=data.get("setl_id"))
        return RefundAnswer(state="ABNORMAL", error=str(data.get("err_msg")))

    def parse_notification(self, headers: Mapping[str, str], body: bytes) -> ChannelTrade:
        raise NotificationRejected("no_notifications_for_personal_accounts")
