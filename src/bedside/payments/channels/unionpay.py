"""UnionPay bank card at a kiosk: the acquirer's POS module drives the PIN pad. No Python SDK
exists for it, so this adapter is hand-written against the acquirer's answers (respCode /
origRespCode); the kiosk's own report of the result is never trusted, Bedside asks the
acquirer."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bedside.payments.channels.base import ChannelError, ChannelTrade, CreatedOrder, RefundAnswer, Transport
from bedside.payments.crypto import NotificationRejected

_STATE = {"00": "SUCCESS", "03": "NOTPAY", "04": "NOTPAY", "05": "NOTPAY", "34": "NOTFOUND"}
# txnAmt is fen in at most 12 ASCII digits; str.isdigit() would also pass "²", which int() refuses.
_TXN_AMT = re.compile(r"[0-9]{1,12}")


class UnionPayCardAdapter:
    name = "unionpay"
    # Card refunds (退货) through the acquirer are accepted for a limited time; later ones go
    # to the finance office as a bank transfer.
    refund_window_days = 30
    trade_types: tuple[str, ...] = ("POS",)
    code_trade_types: tuple[str, ...] = ()

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    def create(
        self,
        out_trade_no: str,
        amount_fen: int,
        trade_type: str,
        description: str,
        auth_code: str | None = None,
    ) -> CreatedOrder:
        data = self.transport.create(out_trade_no, amount_fen, trade_type, description, None)
        if data.get("respCode") != "00":
            raise ChannelError(str(data.get("respCode")))
        return CreatedOrder(pay_params={"sandbox_pay": data.get("sandbox_pay"), "terminal": "pin_pad"})

    def query(self, out_trade_no: str) -> ChannelTrade:
        data: Mapping[str, Any] = self.transport.query(out_trade_no)
        if data.get("respCode") != "00":
            return ChannelTrade(
                out_trade_no=out_trade_no, state=_STATE.get(str(data.get("respCode")), "NOTFOUND")
            )
        orig = str(data.get("origRespCode"))
        state = _STATE.get(orig, "PAYERROR")
        trace = data.get("traceTime")
        return ChannelTrade(
            out_trade_no=out_trade_no,
            state=state,
            channel_trade_no=data.get("queryId"),
            amount_fen=int(data["txnAmt"]) if _TXN_AMT.fullmatch(str(data.get("txnAmt", ""))) else None,
            success_time=datetime.fromisoformat(trace) if trace else None,
        )

    def close(self, out_trade_no: str) -> None:
        self.transport.close(out_trade_no)  # cancels the PIN pad session at the acquirer

    def refund(self, out_trade_no: str, out_refund_no: str, amount_fen: int, total_fen: int) -> RefundAnswer:
        data = self.transport.refund(out_trade_no, out_refund_no, amount_fen, total_fen)
        if data.get("respCode") == "00":
            return RefundAnswer(state="SUCCESS", channel_refund_no=data.get("queryId"))
        return RefundAnswer(state="ABNORMAL", error=str(data.get("respCode")))

    def parse_notification(self, headers: Mapping[str, str], body: bytes) -> ChannelTrade:
        raise NotificationRejected("no_notifications_for_card_payments")
