"""`bedside check-connections`: one authenticated call per configured boundary that sends
nothing and changes nothing, so an installer sees which keys, URLs and registrations work
before the first patient does. docs/go-live.md lists the boundaries and their settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bedside.settings import Settings


@dataclass(frozen=True)
class Check:
    boundary: str
    status: str  # ok | failed | off (not configured)
    peer: str
    detail: str


def check_sms(settings: Settings) -> Check:
    from bedside.sms import vendor_from_settings
    from bedside.sms.port import SmsError

    if settings.sms_provider == "log":
        return Check("sms", "off", "log", "BEDSIDE_SMS_PROVIDER=log: login codes are only written to the log")
    client = vendor_from_settings(settings)
    peer = f"{client.provider} {client.endpoint}"
    try:
        detail = client.check()
    except SmsError as exc:
        return Check("sms", "failed", peer, f"{exc.failure.value}: {exc}")
    return Check("sms", "ok", peer, detail)


def check_wechat(settings: Settings) -> Check:
    """Fetches the service account's access token (cgi-bin/stable_token, no force refresh):
    proves the app id, the secret and the IP whitelist, and changes no token in use."""
    import httpx

    from bedside.notifications.channels.wechat import HttpxWechatTransport, WechatError

    if not (settings.wechat_app_id and settings.wechat_app_secret):
        detail = "no BEDSIDE_WECHAT_APP_ID / _APP_SECRET: messages are only recorded"
        return Check("wechat", "off", "sandbox", detail)
    peer = f"{settings.wechat_app_id} {settings.wechat_api_url}"
    with httpx.Client(timeout=settings.wechat_timeout_seconds) as client:
        transport = HttpxWechatTransport(
            settings.wechat_app_id, settings.wechat_app_secret, settings.wechat_api_url, client=client
        )
        try:
            transport.access_token()
        except WechatError as exc:
            return Check("wechat", "failed", peer, f"stable_token errcode {exc}")
        except (httpx.HTTPError, ValueError) as exc:
            return Check("wechat", "failed", peer, f"stable_token: {type(exc).__name__}")
    return Check("wechat", "ok", peer, "stable_token: access token issued")


def check_his(settings: Settings) -> Check:
    """A signed ping to the HIS webhook (event "ping", stored by nobody): proves the URL, the
    shared secret and that the HIS acknowledges."""
    from bedside.integrations import webhook

    client = webhook.from_settings(settings)
    if client is None:
        return Check("his", "off", "-", "no BEDSIDE_HIS_WEBHOOK_URL: nothing is written back to the HIS")
    answer = client.ping()
    if answer.outcome != webhook.Outcome.ACKED:
        return Check("his", "failed", client.url, f"ping: {answer.status or answer.detail}")
    return Check("his", "ok", client.url, f"ping acknowledged ({answer.status})")


def check_einvoice(settings: Settings) -> Check:
    """Asks the fiscal e-invoice platform for a bill by a serial that was never used: a signed
    query that issues nothing, answered "no such bill" once appid, key and agency are right."""
    from bedside.einvoice.port import EInvoiceError
    from bedside.einvoice.service import client_from_settings

    if not settings.einvoice_url:
        return Check("einvoice", "off", "-", "no BEDSIDE_EINVOICE_URL: no fiscal e-invoice is issued")
    client = client_from_settings(settings)
    try:
        detail = client.check()
    except EInvoiceError as exc:
        return Check("einvoice", "failed", client.endpoint, exc.describe())
    return Check("einvoice", "ok", client.endpoint, detail)


def check_insurance(settings: Settings) -> Check:
    """Signs in to the national insurance platform (9001): proves the gateway key, the
    envelope key, the institution and region codes; it settles and registers nothing."""
    from bedside.insurance import stays
    from bedside.insurance.platform import PlatformError

    client = stays.client(settings)
    if client is None:
        return Check(
            "insurance", "off", "-", "no BEDSIDE_INSURANCE_BASE_URL: insured stays settle at the window"
        )
    try:
        sign_no = client.sign_in()
    except PlatformError as exc:
        return Check("insurance", "failed", client.endpoint, f"9001 {exc.code}: {exc.message}")
    return Check("insurance", "ok", client.endpoint, f"9001 sign-in accepted (sign_no …{sign_no[-4:]})")


def check_wechatpay(settings: Settings) -> Check:
    from bedside.payments.install import check_wechatpay as check

    return Check("wechatpay", *check(settings))


def check_alipay(settings: Settings) -> Check:
    from bedside.payments.install import check_alipay as check

    return Check("alipay", *check(settings))


CHECKS: tuple[Callable[[Settings], Check], ...] = (
    check_sms,
    check_wechatpay,
    check_alipay,
    check_wechat,
    check_his,
    check_einvoice,
    check_insurance,
)


def check_all(settings: Settings) -> list[Check]:
    return [check(settings) for check in CHECKS]
