"""Alipay (open platform): precreate QR for kiosks and bedside, barcode pay for payment codes
scanned at a kiosk; RSA2-verified trade_status_sync notifications; queries, closes, refunds.

Amounts cross the wire as yuan strings ("12.34") and become integer fen here, never floats."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from bedside.core.money import MoneyFormatError, parse_yuan
from bedside.payments.channels.base import (
    ChannelDeclined,
    ChannelTrade,
    CreatedOrder,
    RefundAnswer,
    Transport,
)
from bedside.payments.crypto import NotificationRejected
from bedside.payments.crypto import alipay as ali

# Alipay's trade_status in Bedside's (WeChat-derived) vocabulary of ChannelTrade.state.
_STATE = {
    "WAIT_BUYER_PAY": "NOTPAY",
    "TRADE_SUCCESS": "SUCCESS",
    "TRADE_FINISHED": "SUCCESS",
    "TRADE_CLOSED": "CLOSED",
}


@dataclass(frozen=True)
class AlipayConfig:
    app_id: str
    seller_id: str
    alipay_public_pem: str


def _fen(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        return parse_yuan(str(value))
    except MoneyFormatError:
        return None


def _time(value: Any, tz: Any) -> datetime | None:
    if not value:
        return None
    return datetime.strptime(str(value), "%Y-%m-%d %H:%M:%S").replace(tzinfo=tz)


class AlipayAdapter:
    name = "alipay"
    refund_window_days = 365  # Alipay refunds within twelve months of payment by default
    trade_types: tuple[str, ...] = ("PRECREATE", "BARCODE", "WAP")
    code_trade_types: tuple[str, ...] = ("BARCODE",)

    def __init__(self, config: AlipayConfig | Callable[[], AlipayConfig], transport: Transport) -> None:
        self._config = config
        self.transport = transport

    @property
    def config(self) -> AlipayConfig:
        if not isinstance(self._config, AlipayConfig):
            self._config = self._config()
        return self._config

    @staticmethod
    def _tz() -> Any:
        from bedside.settings import get_settings

        return get_settings().tz

    def create(
        self,
        out_trade_no: str,
        amount_fen: int,
        trade_type: str,
        description: str,
        auth_code: str | None = None,
    ) -> CreatedOrder:
        data = self.transport.create(out_trade_no, amount_fen, trade_type, description, auth_code)
        if trade_type == "BARCODE":
            if data.get("code") not in ("10000", "10003"):
                raise ChannelDeclined(str(data.get("sub_code") or data.get("code")))
            trade = self._trade(out_trade_no, data)
            params = {"sandbox_pay": data.get("sandbox_pay"), "trade_state": trade.state}
            return CreatedOrder(pay_params=params, trade=trade if trade.state == "SUCCESS" else None)
        return CreatedOrder(pay_params=data)

    def _trade(self, out_trade_no: str, data: Mapping[str, Any]) -> ChannelTrade:
        if data.get("code") == "40004":
            return ChannelTrade(out_trade_no=out_trade_no, state="NOTFOUND")
        return ChannelTrade(
            out_trade_no=out_trade_no,
            state=_STATE.get(str(data.get("trade_status")), "NOTPAY"),
            channel_trade_no=data.get("trade_no"),
            amount_fen=_fen(data.get("total_amount")),
            success_time=_time(data.get("send_pay_date") or data.get("gmt_payment"), self._tz()),
        )

    def query(self, out_trade_no: str) -> ChannelTrade:
        return self._trade(out_trade_no, self.transport.query(out_trade_no))

    def close(self, out_trade_no: str) -> None:
        self.transport.close(out_trade_no)

    def refund(self, out_trade_no: str, out_refund_no: str, amount_fen: int, total_fen: int) -> RefundAnswer:
        data = self.transport.refund(out_trade_no, out_refund_no, amount_fen, total_fen)
        if data.get("code") == "10000":
            return RefundAnswer(state="SUCCESS", channel_refund_no=data.get("trade_no"))
        return RefundAnswer(state="ABNORMAL", error=str(data.get("sub_code") or data.get("code")))

    def parse_notification(self, headers: Mapping[str, str], body: bytes) -> ChannelTrade:
        try:
            pairs = parse_qsl(
                body.decode("utf-8", errors="replace"), keep_blank_values=True, max_num_fields=ali.MAX_FIELDS
            )
        except ValueError as exc:
            raise NotificationRejected("malformed_field") from exc
        form = dict(pairs)
        params = ali.verify_notification(form, self.config.alipay_public_pem)
        if params.get("app_id") != self.config.app_id:
            raise NotificationRejected("wrong_app_id")
        trade = self._trade(str(params.get("out_trade_no")), params)
        if trade.state == "SUCCESS" and trade.amount_fen is None:
            raise NotificationRejected("bad_amount")
        return ChannelTrade(
            out_trade_no=trade.out_trade_no,
            state=trade.state,
            channel_trade_no=trade.channel_trade_no,
            amount_fen=trade.amount_fen,
            success_time=trade.success_time,
            notification_id=params.get("notify_id"),
        )
