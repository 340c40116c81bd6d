"""The payment channels a hospital configured (BEDSIDE_WECHATPAY_*, BEDSIDE_ALIPAY_*), as
adapters over their real HTTP protocols. The composition root (bedside.wiring) calls this and
decides what serves a channel left unconfigured."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from bedside.payments import registry
from bedside.payments.channels.alipay import AlipayAdapter, AlipayConfig
from bedside.payments.channels.alipay_http import AlipayHttpConfig, AlipayHttpTransport
from bedside.payments.channels.base import ChannelError
from bedside.payments.channels.wechat import WechatConfig, WechatPayAdapter
from bedside.payments.channels.wechat_http import WechatHttpConfig, WechatHttpTransport
from bedside.settings import Settings

NOTIFY_PATH = "/api/v1/payments/notify"
T = TypeVar("T")


class ChannelMisconfigured(ValueError):
    """A configured channel whose key files cannot be read: refused at start, not at payment."""


def _read(path: str, what: str) -> str:
    try:
        return Path(path).read_text()
    except OSError as exc:
        raise ChannelMisconfigured(f"{what}: cannot read {path!r} ({exc.strerror})") from exc


def _built(make: Callable[[], T]) -> T:
    try:
        return make()
    except ValueError as exc:  # a key that does not load: the files are wrong, say which
        raise ChannelMisconfigured(str(exc)) from exc


def wechat_transport(settings: Settings) -> WechatHttpTransport:
    return _built(lambda: _wechat_transport(settings))


def alipay_transport(settings: Settings) -> AlipayHttpTransport:
    return _built(lambda: _alipay_transport(settings))


def _wechat_transport(settings: Settings) -> WechatHttpTransport:
    return WechatHttpTransport(
        WechatHttpConfig(
            mchid=settings.wechatpay_mchid,
            appid=settings.wechatpay_appid,
            merchant_private_pem=_read(
                settings.wechatpay_merchant_key_file, "BEDSIDE_WECHATPAY_MERCHANT_KEY_FILE"
            ).encode(),
            merchant_serial=settings.wechatpay_merchant_serial,
            apiv3_key=settings.wechatpay_apiv3_key.encode(),
            notify_url=f"{settings.base_url.rstrip('/')}{NOTIFY_PATH}/wechat",
            base_url=settings.wechatpay_base_url,
            timeout_seconds=settings.payments_timeout_seconds,
            connect_timeout_seconds=settings.payments_connect_timeout_seconds,
        )
    )


def wechat_adapter(transport: WechatHttpTransport) -> WechatPayAdapter:
    def config() -> WechatConfig:
        # The notification key is a downloaded platform certificate, never a configured file.
        certs = transport.certificates()
        if not certs:
            raise ChannelError("NO_PLATFORM_CERTIFICATE")
        return WechatConfig(
            mchid=transport.config.mchid,
            appid=transport.config.appid,
            apiv3_key=transport.config.apiv3_key,
            platform_public_pem=certs[0].public_pem,
            platform_serial=certs[0].serial,
        )

    return WechatPayAdapter(config, transport)


def _alipay_transport(settings: Settings) -> AlipayHttpTransport:
    return AlipayHttpTransport(
        AlipayHttpConfig(
            app_id=settings.alipay_app_id,
            app_private_pem=_read(
                settings.alipay_app_private_key_file, "BEDSIDE_ALIPAY_APP_PRIVATE_KEY_FILE"
            ),
            alipay_public_pem=_read(settings.alipay_public_key_file, "BEDSIDE_ALIPAY_PUBLIC_KEY_FILE"),
            notify_url=f"{settings.base_url.rstrip('/')}{NOTIFY_PATH}/alipay",
            gateway_url=settings.alipay_gateway_url,
            return_url=f"{settings.base_url.rstrip('/')}/phone",
            timeout_seconds=settings.payments_timeout_seconds,
            connect_timeout_seconds=settings.payments_connect_timeout_seconds,
        )
    )


def alipay_adapter(transport: AlipayHttpTransport, seller_id: str = "") -> AlipayAdapter:
    config = AlipayConfig(
        app_id=transport.config.app_id,
        seller_id=seller_id,
        alipay_public_pem=transport.config.alipay_public_pem,
    )
    return AlipayAdapter(config, transport)


def install_http_channels(settings: Settings) -> set[str]:
    """Registers the configured channels; returns their names."""
    installed = set()
    if settings.wechatpay_mchid:
        registry.register(wechat_adapter(wechat_transport(settings)))
        installed.add("wechat")
    if settings.alipay_app_id:
        registry.register(alipay_adapter(alipay_transport(settings), settings.alipay_seller_id))
        installed.add("alipay")
    return installed


def check_wechatpay(settings: Settings) -> tuple[str, str, str]:
    """Downloads the platform certificates: proves the merchant id, the API key and its serial
    (the request's signature), the APIv3 key (they decrypt) and WeChat's signature on the answer."""
    if not settings.wechatpay_mchid:
        return "off", "-", "no BEDSIDE_WECHATPAY_MCHID: WeChat Pay is the sandbox (demo) or unavailable"
    peer = f"{settings.wechatpay_mchid} {settings.wechatpay_base_url}"
    try:
        certs = wechat_transport(settings).certificates()
    except ChannelMisconfigured as exc:
        return "failed", peer, str(exc)
    except ChannelError as exc:
        return "failed", peer, f"GET /v3/certificates: {exc}"
    serials = ", ".join(f"{c.serial[:8]}… until {c.expire_time[:10]}" for c in certs)
    return "ok", peer, f"platform certificates: {serials}"


def check_alipay(settings: Settings) -> tuple[str, str, str]:
    """Queries a trade that never existed: a signed call that changes nothing, answered
    ACQ.TRADE_NOT_EXIST once the app id and both keys are right."""
    if not settings.alipay_app_id:
        return "off", "-", "no BEDSIDE_ALIPAY_APP_ID: Alipay is the sandbox (demo) or unavailable"
    peer = f"{settings.alipay_app_id} {settings.alipay_gateway_url}"
    try:
        answer = alipay_transport(settings).query("BEDSIDE-CHECK-0000")
    except ChannelMisconfigured as exc:
        return "failed", peer, str(exc)
    except ChannelError as exc:
        return "failed", peer, f"alipay.trade.query: {exc}"
    if answer.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
        return "ok", peer, "alipay.trade.query answered ACQ.TRADE_NOT_EXIST (signed both ways)"
    return "failed", peer, f"alipay.trade.query: unexpected {answer.get('code')} {answer.get('sub_code')}"
