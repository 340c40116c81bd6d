"""Installs the sandbox-backed adapters (offline demo, tests, hospitals before go-live)."""

from __future__ import annotations

from typing import Any

from bedside.core.db import get_database
from bedside.payments import registry
from bedside.payments.channels.base import ChannelError
from bedside.payments.channels.wechat import WechatConfig, WechatPayAdapter
from bedside.payments.sandbox import server


class SandboxWechatTransport:
    """Each call is its own transaction at the "channel", as a remote call would be."""

    def _run(self, fn: Any, *args: Any) -> Any:
        with get_database().session() as session:
            try:
                result = fn(session, *args)
            except server.SandboxError as exc:
                session.rollback()
                raise ChannelError(exc.code) from exc
            session.commit()
            return result

    def create(self, out_trade_no: str, amount_fen: int, trade_type: str, description: str) -> dict[str, Any]:
        return dict(self._run(server.create, out_trade_no, amount_fen, trade_type, description))

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
        row = server.keys(session)
        config = WechatConfig(
            mchid=server.MCHID,
            appid=server.APPID,
            apiv3_key=server.apiv3_key(row),
            platform_public_pem=row.public_pem.encode(),
            platform_serial=row.serial,
        )
        session.commit()
    return config


def install_sandbox_adapters() -> None:
    registry.register(WechatPayAdapter(_wechat_config, SandboxWechatTransport()))
