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
    # A payment-code order may be settled in the create call itself.
    trade: ChannelTrade | None = None


@dataclass(frozen=True)
class RefundAnswer:
    state: str  # SUCCESS | PROCESSING | ABNORMAL | CLOSED
    channel_refund_no: str | None = None
    error: str | None = None


class ChannelError(Exception):
    """The channel could not be reached or refused the call; the caller retries later."""


class ChannelDeclined(ChannelError):
    """The channel answered and said no (bad payment code, card declined): do not retry."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class Transport(Protocol):
    """How an adapter reaches its channel: the sandbox in process, or HTTPS in production."""

    def create(
        self, out_trade_no: str, amount_fen: int, trade_type: str, description: str, auth_code: str | None
    ) -> dict[str, Any]: ...
    def query(self, out_trade_no: str) -> dict[str, Any]: ...
    def close(self, out_trade_no: str) -> None: ...
    def refund(
        self, out_trade_no: str, out_refund_no: str, amount_fen: int, total_fen: int
    ) -> dict[str, Any]: ...


class ChannelAdapter(Protocol):
    name: str
    refund_window_days: int

    trade_types: tuple[str, ...]
    code_trade_types: tuple[str, ...]  # paid by scanning the payer's payment code

    def create(
        self,
        out_trade_no: str,
        amount_fen: int,
        trade_type: str,
        description: str,
        auth_code: str | None = None,
    ) -> CreatedOrder: ...

    def query(self, out_trade_no: str) -> ChannelTrade: ...

    def close(self, out_trade_no: str) -> None: ...

    def refund(
        self, out_trade_no: str, out_refund_no: str, amount_fen: int, total_fen: int
    ) -> RefundAnswer: ...

    def parse_notification(self, headers: Mapping[str, str], body: bytes) -> ChannelTrade: ...
