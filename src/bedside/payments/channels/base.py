"""The interface every payment channel adapter implements."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class ChannelTrade:
    """A channel's statement about one order, from a verified notification or a query."""

    out_trade_no: str
    state: str  # SUCCESS | NOTPAY | CLOSED | PAYERROR | REFUND | NOTFOUND | USERPAYING
    channel_trade_no: str | None = None
    amount_fen: int | None = None
    success_time: datetime | None = None
    notification_id: str | None = None


@dataclass(frozen=True)
class CreatedOrder:
    pay_params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RefundAnswer:
    state: str  # SUCCESS | PROCESSING | ABNORMAL | CLOSED
    channel_refund_no: str | None = None
    error: str | None = None


class ChannelError(Exception):
    """The channel could not be reached or refused the call; the caller retries later."""


class ChannelAdapter(Protocol):
    name: str
    refund_window_days: int

    def create(
        self, out_trade_no: str, amount_fen: int, trade_type: str, description: str
    ) -> CreatedOrder: ...

    def query(self, out_trade_no: str) -> ChannelTrade: ...

    def close(self, out_trade_no: str) -> None: ...

    def refund(
        self, out_trade_no: str, out_refund_no: str, amount_fen: int, total_fen: int
    ) -> RefundAnswer: ...

    def parse_notification(self, headers: Mapping[str, str], body: bytes) -> ChannelTrade: ...
