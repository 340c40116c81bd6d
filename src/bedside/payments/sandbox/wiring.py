"""Installs the sandbox-backed adapters (offline demo, tests, hospitals before go-live)."""

from __future__ import annotations

from typing import Any

from bedside.core.db import get_database
from bedside.payments import registry
from bedside.payments.channels.alipay import AlipayAdapter, AlipayConfig
from bedside.payments.channels.base import ChannelDeclined, ChannelError
from bedside.payments.channels.insurance import InsuranceAccountAdapter
from bedside.payments.channels.unionpay import UnionPayCardAdapter
from bedside.payments.channels.wechat import WechatConfig, WechatPayAdapter
from bedside.payments.sandbox import server, wire_alipay, wire_wechat

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


def install_sandbox_adapters() -> None:
    registry.register(WechatPayAdapter(_wechat_config, SandboxTransport("wechat")))
    registry.register(AlipayAdapter(_alipay_config, SandboxTransport("alipay")))
    registry.register(UnionPayCardAdapter(SandboxTransport("unionpay")))
    registry.register(InsuranceAccountAdapter(SandboxTransport("insurance_account")))
