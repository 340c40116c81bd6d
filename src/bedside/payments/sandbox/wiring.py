"""The sandbox-backed adapters in process (tests, the demo's unconfigured channels, and the
channels that have no real protocol yet). Installed only by the composition root."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bedside.core.db import get_database
from bedside.core.errors import Conflict
from bedside.core.i18n import N_
from bedside.payments import registry
from bedside.payments.channels.alipay import AlipayAdapter, AlipayConfig
from bedside.payments.channels.base import ChannelAdapter, ChannelDeclined, ChannelError
from bedside.payments.channels.insurance import InsuranceAccountAdapter
from bedside.payments.channels.unionpay import UnionPayCardAdapter
from bedside.payments.channels.wechat import WechatConfig, WechatPayAdapter
from bedside.payments.sandbox import server, statements, wire_alipay, wire_wechat
from bedside.payments.worker import Deliver, SandboxJobs

# Answers that mean "the channel said no", not "the channel could not be reached".
DECLINES = {
    "AUTH_CODE_INVALID",
    "INVALID_REQUEST",
    "OUT_TRADE_NO_USED",
    "CHANNEL_UNKNOWN",
    "INSUFFICIENT_BALANCE",
}


class SandboxTransport:
    """Each call is its own transaction at the "channel", as a remote call would be."""

    def __init__(self, channel: str) -> None:
        self.channel = channel

    def _run(self, fn: Any, *args: Any) -> Any:
        with get_database().session() as session:
            try:
                result = fn(session, self.channel, *args)
            except server.SandboxError as exc:
                session.rollback()
                if exc.code in DECLINES:
                    raise ChannelDeclined(exc.code) from exc
                raise ChannelError(exc.code) from exc
            session.commit()
            return result

    def create(
        self, out_trade_no: str, amount_fen: int, trade_type: str, description: str, auth_code: str | None
    ) -> dict[str, Any]:
        return dict(self._run(server.create, out_trade_no, amount_fen, trade_type, description, auth_code))

    def query(self, out_trade_no: str) -> dict[str, Any]:
        return dict(self._run(server.query, out_trade_no))

    def close(self, out_trade_no: str) -> None:
        self._run(server.close, out_trade_no)

    def refund(
        self, out_trade_no: str, out_refund_no: str, amount_fen: int, total_fen: int
    ) -> dict[str, Any]:
        return dict(self._run(server.refund, out_trade_no, out_refund_no, amount_fen, total_fen))


def _wechat_config() -> WechatConfig:
    with get_database().session() as session:
        row = server.keys(session, "wechat")
        config = WechatConfig(
            mchid=wire_wechat.MCHID,
            appid=wire_wechat.APPID,
            apiv3_key=wire_wechat.apiv3_key(row),
            platform_public_pem=row.public_pem.encode(),
            platform_serial=row.serial,
        )
        session.commit()
    return config


def _alipay_config() -> AlipayConfig:
    with get_database().session() as session:
        row = server.keys(session, "alipay")
        config = AlipayConfig(
            app_id=wire_alipay.APP_ID, seller_id=wire_alipay.PID, alipay_public_pem=row.public_pem
        )
        session.commit()
    return config


ALL = frozenset({"wechat", "alipay", "unionpay", "insurance_account"})


def install_sandbox_adapters(channels: set[str] | frozenset[str] = ALL) -> None:
    """Only the composition root (bedside.wiring) and test fixtures call this."""
    makers: dict[str, Callable[[], ChannelAdapter]] = {
        "wechat": lambda: WechatPayAdapter(_wechat_config, SandboxTransport("wechat")),
        "alipay": lambda: AlipayAdapter(_alipay_config, SandboxTransport("alipay")),
        "unionpay": lambda: UnionPayCardAdapter(SandboxTransport("unionpay")),
        "insurance_account": lambda: InsuranceAccountAdapter(SandboxTransport("insurance_account")),
    }
    for name in sorted(channels):
        registry.register(makers[name]())
    if "unionpay" in channels:
        from bedside.kiosks import card_terminal

        # The kiosk's card terminal has no acquirer protocol yet: its approvals reach the sandbox.
        card_terminal.set_acquirer_relay(sandbox_acquirer_relay)


def sandbox_jobs(http_channels: Callable[[], Collection[str]]) -> SandboxJobs:
    """The worker's sandbox part: deliver in process the notifications of the channels that are
    not served over HTTP (their peers POST their own), and publish the daily bills."""

    def deliver_due(factory: sessionmaker[Session], deliver: Deliver) -> int:
        skip = set(http_channels())
        return server.deliver_due(factory, deliver, channels=[c for c in server.WIRES if c not in skip])

    def write_bills(factory: sessionmaker[Session], out_dir: Path, today: date) -> int:
        with factory() as session:
            written = statements.write_missing(session, today, out_dir)
            session.rollback()
        return len(written)

    return SandboxJobs(deliver_due, write_bills)


def sandbox_acquirer_relay(out_trade_no: str, card_masked: str) -> None:
    """The kiosk PIN pad's approval reaches the sandbox acquirer, as a POS module's line would."""
    with get_database().session() as s:
        try:
            server.pay(s, out_trade_no, payer=card_masked)
        except server.SandboxError as exc:
            s.rollback()
            if exc.code != "ORDERCLOSED":
                raise Conflict(N_("This order can no longer be paid."), code="card_not_accepted") from exc
            # The order timed out while the card was in the pad: the money arrived late and is
            # refunded automatically once Bedside learns of it.
            server.pay(s, out_trade_no, mode="after_close", payer=card_masked)
        s.commit()
