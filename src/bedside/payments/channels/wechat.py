"""WeChat Pay (API v3): Native QR, JSAPI and payment-code orders; verified, decrypted
notifications; queries, closes and refunds.

Calls go through a transport: wechat_http.WechatHttpTransport (API v3 over HTTPS, the bundled
peer in the demo and tests), or the sandbox in process, installed by the composition root."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bedside.core.db import utcnow
from bedside.payments.channels.base import ChannelError, ChannelTrade, CreatedOrder, RefundAnswer, Transport
from bedside.payments.crypto import wechat as wx


@dataclass(frozen=True)
class WechatConfig:
    mchid: str
    appid: str
    apiv3_key: bytes
    platform_public_pem: bytes
    platform_serial: str


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _total(data: Mapping[str, Any]) -> int | None:
    # Only a whole number of fen is an amount; anything else can never match an order.
    amount = data.get("amount")
    total = amount.get("total") if isinstance(amount, dict) else None
    return total if isinstance(total, int) and not isinstance(total, bool) else None


class WechatPayAdapter:
    name = "wechat"
    refund_window_days = 365  # WeChat accepts refunds for a year after payment
    trade_types: tuple[str, ...] = ("NATIVE", "JSAPI", "H5", "MICROPAY")
    code_trade_types: tuple[str, ...] = ("MICROPAY",)

    def __init__(self, config: WechatConfig | Callable[[], WechatConfig], transport: Transport) -> None:
        # A loader is read on first use, never while a caller holds a database transaction.
        self._config = config
        self.transport = transport

    @property
    def config(self) -> WechatConfig:
        if not isinstance(self._config, WechatConfig):
            self._config = self._config()
        return self._config

    def create(
        self,
        out_trade_no: str,
        amount_fen: int,
        trade_type: str,
        description: str,
        auth_code: str | None = None,
    ) -> CreatedOrder:
        data = self.transport.create(out_trade_no, amount_fen, trade_type, description, auth_code)
        if trade_type == "MICROPAY":
            # The payment-code answer is the order's state: paid now, or waiting for a password.
            trade = self._trade(out_trade_no, data)
            params = {"sandbox_pay": data.get("sandbox_pay"), "trade_state": trade.state}
            return CreatedOrder(pay_params=params, trade=trade if trade.state == "SUCCESS" else None)
        return CreatedOrder(pay_params=data)

    def query(self, out_trade_no: str) -> ChannelTrade:
        return self._trade(out_trade_no, self.transport.query(out_trade_no))

    def _trade(self, out_trade_no: str, data: dict[str, Any]) -> ChannelTrade:
        return ChannelTrade(
            out_trade_no=out_trade_no,
            state=str(data.get("trade_state", "NOTFOUND")),
            channel_trade_no=data.get("transaction_id"),
            amount_fen=_total(data),
            success_time=_parse_time(data.get("success_time")),
        )

    def close(self, out_trade_no: str) -> None:
        self.transport.close(out_trade_no)

    def refund(self, out_trade_no: str, out_refund_no: str, amount_fen: int, total_fen: int) -> RefundAnswer:
        data = self.transport.refund(out_trade_no, out_refund_no, amount_fen, total_fen)
        return RefundAnswer(
            state=str(data.get("status", "ABNORMAL")),
            channel_refund_no=data.get("refund_id"),
            error=data.get("error"),
        )

    def parse_notification(self, headers: Mapping[str, str], body: bytes) -> ChannelTrade:
        public, serial = self.config.platform_public_pem, self.config.platform_serial
        named = {k.lower(): v for k, v in headers.items()}.get("wechatpay-serial", "")
        lookup = getattr(self.transport, "platform_key", None)
        if lookup is not None and named != serial:
            # A rotated platform certificate: the HTTP transport downloads the new one.
            key = lookup(named)
            if key is not None:
                public, serial = key, named
        note = wx.verify_notification(headers, body, public, serial, self.config.apiv3_key, utcnow())
        res = note.resource
        if res.get("mchid") != self.config.mchid:
            raise ValueError("notification for another merchant")
        return ChannelTrade(
            out_trade_no=str(res.get("out_trade_no")),
            state=str(res.get("trade_state")),
            channel_trade_no=res.get("transaction_id"),
            amount_fen=_total(res),
            success_time=_parse_time(res.get("success_time")),
            notification_id=note.id,
        )


class TransportError(ChannelError):
    pass
