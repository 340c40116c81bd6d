"""The payment peers `bedside demo` starts (WeChat Pay API v3, the Alipay gateway), and the
BEDSIDE_WECHATPAY_* / BEDSIDE_ALIPAY_* settings that point the real HTTP clients at them.

The merchant keys are made fresh for each start and written to a private temporary folder,
where a hospital's would be files from the merchant platforms."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from bedside.payments.sandbox import http_alipay, http_wechat
from bedside.simulators.runner import RunningPeer, start


def _write(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.write_text(text)
    os.chmod(path, 0o600)
    return str(path)


def start_payments(notify: bool = True) -> tuple[list[RunningPeer], dict[str, str]]:
    """Both peers; with `notify`, each POSTs its signed notifications to Bedside's notify URL
    (the one each order named) on the channel's retry schedule."""
    folder = Path(tempfile.mkdtemp(prefix="bedside-merchant-keys-"))
    wechat_merchant, wechat_key = http_wechat.demo_merchant()
    wechat_app, wechat_peer = http_wechat.create_app(wechat_merchant)
    alipay_merchant, alipay_key = http_alipay.demo_merchant()
    alipay_app, alipay_peer = http_alipay.create_app(alipay_merchant)
    wechat, alipay = start(wechat_app), start(alipay_app)
    if notify:
        wechat_peer.notifier.start()
        alipay_peer.notifier.start()
    env = {
        "BEDSIDE_WECHATPAY_BASE_URL": wechat.url,
        "BEDSIDE_WECHATPAY_MCHID": wechat_merchant.mchid,
        "BEDSIDE_WECHATPAY_APPID": wechat_merchant.appid,
        "BEDSIDE_WECHATPAY_MERCHANT_KEY_FILE": _write(
            folder, "apiclient_key.pem", wechat_key.private_pem.decode()
        ),
        "BEDSIDE_WECHATPAY_MERCHANT_SERIAL": wechat_key.serial,
        "BEDSIDE_WECHATPAY_APIV3_KEY": wechat_merchant.apiv3_key.decode(),
        "BEDSIDE_ALIPAY_GATEWAY_URL": f"{alipay.url}/gateway.do",
        "BEDSIDE_ALIPAY_APP_ID": alipay_merchant.app_id,
        "BEDSIDE_ALIPAY_SELLER_ID": alipay_merchant.seller_id,
        "BEDSIDE_ALIPAY_APP_PRIVATE_KEY_FILE": _write(folder, "app_private_key.pem", alipay_key.private_pem),
        "BEDSIDE_ALIPAY_PUBLIC_KEY_FILE": _write(
            folder, "alipay_public_key.pem", alipay_merchant.alipay.public_pem
        ),
    }
    return [wechat, alipay], env
