"""The WeChat Pay and Alipay peers served over HTTP on 127.0.0.1, and the real HTTP clients
pointed at them: the merchant each peer knows (ids, the merchant's public key) and the
client's side (the merchant's private key, the APIv3 key, Alipay's public key)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from bedside.payments import registry
from bedside.payments.channels.alipay_http import AlipayHttpConfig, AlipayHttpTransport
from bedside.payments.channels.wechat_http import WechatHttpConfig, WechatHttpTransport
from bedside.payments.crypto import alipay as ali
from bedside.payments.crypto import wechat as wx
from bedside.payments.install import alipay_adapter, wechat_adapter
from bedside.payments.sandbox import http_alipay, http_wechat
from bedside.payments.sandbox.wiring import install_sandbox_adapters
from bedside.simulators.runner import RunningPeer, start

# Long enough for RSA work on a busy machine; a held answer outlasts it.
CLIENT_TIMEOUT = 3.0
NOTIFY = "http://127.0.0.1:9/api/v1/payments/notify"  # nothing listens: tests deliver in process


@dataclass
class PaymentPeers:
    wechat: RunningPeer
    wechat_peer: http_wechat.WechatPeer
    wechat_api_key: wx.RsaKeyPair
    alipay: RunningPeer
    alipay_peer: http_alipay.AlipayPeer
    alipay_app_key: ali.AlipayKeyPair

    def wechat_config(self, **overrides: Any) -> WechatHttpConfig:
        m = self.wechat_peer.merchant
        base = WechatHttpConfig(
            mchid=m.mchid,
            appid=m.appid,
            merchant_private_pem=self.wechat_api_key.private_pem,
            merchant_serial=self.wechat_api_key.serial,
            apiv3_key=m.apiv3_key,
            notify_url=f"{NOTIFY}/wechat",
            base_url=self.wechat.url,
            timeout_seconds=CLIENT_TIMEOUT,
            connect_timeout_seconds=CLIENT_TIMEOUT,
        )
        return replace(base, **overrides)

    def wechat_transport(self, **overrides: Any) -> WechatHttpTransport:
        return WechatHttpTransport(self.wechat_config(**overrides))

    def alipay_config(self, **overrides: Any) -> AlipayHttpConfig:
        m = self.alipay_peer.merchant
        base = AlipayHttpConfig(
            app_id=m.app_id,
            app_private_pem=self.alipay_app_key.private_pem,
            alipay_public_pem=m.alipay.public_pem,
            notify_url=f"{NOTIFY}/alipay",
            gateway_url=f"{self.alipay.url}/gateway.do",
            return_url="http://testserver/phone",
            timeout_seconds=CLIENT_TIMEOUT,
            connect_timeout_seconds=CLIENT_TIMEOUT,
        )
        return replace(base, **overrides)

    def alipay_transport(self, **overrides: Any) -> AlipayHttpTransport:
        return AlipayHttpTransport(self.alipay_config(**overrides))

    def install(self) -> None:
        """WeChat Pay and Alipay over HTTP; the card and insurance account in process."""
        registry.reset()
        self.install_adapters()

    def install_adapters(self) -> None:
        """As the composition root's installer (registry.set_installer) for a whole run."""
        install_sandbox_adapters({"unionpay", "insurance_account"})
        registry.register(wechat_adapter(self.wechat_transport()))
        registry.register(alipay_adapter(self.alipay_transport(), self.alipay_peer.merchant.seller_id))

    def reset(self) -> None:
        self.wechat_peer.faults.pending.clear()
        self.alipay_peer.faults.pending.clear()
        self.wechat_peer.faults.delay = self.alipay_peer.faults.delay = CLIENT_TIMEOUT + 1.5


def start_all() -> PaymentPeers:
    wechat_merchant, wechat_key = http_wechat.demo_merchant()
    wechat_app, wechat_peer = http_wechat.create_app(wechat_merchant)
    alipay_merchant, alipay_key = http_alipay.demo_merchant()
    alipay_app, alipay_peer = http_alipay.create_app(alipay_merchant)
    return PaymentPeers(
        start(wechat_app), wechat_peer, wechat_key, start(alipay_app), alipay_peer, alipay_key
    )
