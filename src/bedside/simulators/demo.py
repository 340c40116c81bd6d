"""The peers `bedside demo` starts, and the settings that point the real clients at them."""

from __future__ import annotations

import json
import secrets
from collections.abc import MutableMapping

from bedside.simulators.runner import RunningPeer, start_peer
from bedside.simulators.sms_base import SmsAccount

SIGN_NAME = "Bedside示范医院"
LOGIN_TEMPLATE = "SMS_900000001"
NOTICE_TEMPLATE = "SMS_900000002"
TEMPLATES = {
    LOGIN_TEMPLATE: "您的验证码为${code}，${minutes}分钟内有效，请勿泄露给他人。",
    NOTICE_TEMPLATE: "${title}：${body}",
}


def start_sms(base_url: str) -> tuple[RunningPeer, dict[str, str]]:
    """The Alibaba Cloud SMS peer with fresh keys, delivering each message a second later, and
    the BEDSIDE_SMS_* values for the real client."""
    key_id, secret, token = (
        "LTAI" + secrets.token_hex(8),
        secrets.token_urlsafe(24),
        secrets.token_urlsafe(24),
    )
    account = SmsAccount(
        credentials={key_id: secret},
        sign_names={SIGN_NAME},
        templates=dict(TEMPLATES),
        receipt_url=f"{base_url.rstrip('/')}/api/v1/sms/receipts/aliyun/{token}",
        receipt_delay=1.0,
    )
    running, _ = start_peer("sms-aliyun", account)
    env = {
        "BEDSIDE_SMS_PROVIDER": "aliyun",
        "BEDSIDE_SMS_ENDPOINT": running.url,
        "BEDSIDE_SMS_ACCESS_KEY_ID": key_id,
        "BEDSIDE_SMS_ACCESS_KEY_SECRET": secret,
        "BEDSIDE_SMS_SIGN_NAME": SIGN_NAME,
        "BEDSIDE_SMS_TEMPLATES": json.dumps(
            {
                "login_code": {"template": LOGIN_TEMPLATE, "params": {"code": "code", "minutes": "minutes"}},
                "default": NOTICE_TEMPLATE,
            }
        ),
        "BEDSIDE_SMS_RECEIPT_TOKEN": token,
    }
    return running, env


WECHAT_TEMPLATE = "TPL_bedside_notice_0001"


def start_wechat(base_url: str, app_id: str | None = None) -> tuple[RunningPeer, dict[str, str]]:
    """The WeChat official-account peer (OAuth and API host in one) with a fresh app id and
    secret, the demo's base URL as the registered authorization domain, one notice template,
    and the BEDSIDE_WECHAT_* values for the real clients."""
    from urllib.parse import urlsplit

    from bedside.simulators.runner import start_wechat_peer
    from bedside.simulators.wechat_mp import WechatMpAccount

    # JSAPI payments need the openid of the service account the merchant is bound to.
    app_id, secret = app_id or "wx" + secrets.token_hex(8), secrets.token_hex(16)
    fields = {"thing1": "title", "thing2": "body", "time3": "time"}
    account = WechatMpAccount(
        app_id=app_id,
        secret=secret,
        redirect_domains={urlsplit(base_url).netloc},
        templates={WECHAT_TEMPLATE: list(fields)},
    )
    running, _ = start_wechat_peer(account)
    env = {
        "BEDSIDE_WECHAT_APP_ID": app_id,
        "BEDSIDE_WECHAT_APP_SECRET": secret,
        "BEDSIDE_WECHAT_API_URL": running.url,
        "BEDSIDE_WECHAT_OAUTH_URL": running.url,
        "BEDSIDE_WECHAT_TEMPLATES": json.dumps(
            {"default": {"template_id": WECHAT_TEMPLATE, "fields": fields}}
        ),
    }
    return running, env


def start_his() -> tuple[RunningPeer, dict[str, str]]:
    """The HIS peer receiving the write-back, and the BEDSIDE_HIS_WEBHOOK_* values that point
    Bedside's real webhook client at it with a fresh shared secret."""
    from bedside.simulators import his
    from bedside.simulators.runner import start

    secret = secrets.token_urlsafe(32)
    app, _ = his.create_app(his.HisAccount(secret))
    running = start(app)
    env = {"BEDSIDE_HIS_WEBHOOK_URL": f"{running.url}{his.PATH}", "BEDSIDE_HIS_WEBHOOK_SECRET": secret}
    return running, env


def start_einvoice() -> tuple[RunningPeer, dict[str, str]]:
    """The fiscal e-invoice platform peer with a fresh app id and key and the demo hospital's
    registration (region, agency, place of issue, one batch per bill type), and the
    BEDSIDE_EINVOICE_* values that point the real client at it."""
    from datetime import date

    from bedside.simulators import fiscal_einvoice as fiscal
    from bedside.simulators.runner import start

    year = f"{date.today():%y}"  # noqa: DTZ011 - a batch's year, not a moment
    account = fiscal.PlatformAccount(
        app_id="BS" + secrets.token_hex(6).upper(),
        app_key=secrets.token_hex(16),
        region_code="430100",
        agency_code="430100001",
        batches={
            "0301": fiscal.Batch(f"430401{year}", 1, 99_999_999),
            "0302": fiscal.Batch(f"430402{year}", 1, 99_999_999),
        },
    )
    app, _ = fiscal.create_app(account)
    running = start(app)
    env = {
        "BEDSIDE_EINVOICE_URL": f"{running.url}{fiscal.PREFIX}",
        "BEDSIDE_EINVOICE_APP_ID": account.app_id,
        "BEDSIDE_EINVOICE_APP_KEY": account.app_key,
        "BEDSIDE_EINVOICE_REGION_CODE": account.region_code,
        "BEDSIDE_EINVOICE_AGENCY_CODE": account.agency_code,
        "BEDSIDE_EINVOICE_PLACE_CODE": "KIOSK01",
        "BEDSIDE_EINVOICE_BILL_TYPES": json.dumps({"inpatient": "0301", "deposit": "0302"}),
        "BEDSIDE_EINVOICE_ISSUE_FOR": "settlement",
    }
    return running, env


def start_insurance() -> tuple[RunningPeer, dict[str, str]]:
    """The national insurance platform peer with fresh keys, and the BEDSIDE_INSURANCE_*
    values for the real client (a demo institution in a demo region)."""
    from bedside.simulators import insurance_platform
    from bedside.simulators.runner import start

    account = insurance_platform.PeerAccount(
        paas_id="demo_" + secrets.token_hex(4),
        paas_secret=secrets.token_urlsafe(24),
        sign_key=secrets.token_urlsafe(24),
        fixmedins_code="H99999900001",
        mdtrtarea_admvs="999999",
    )
    app, _ = insurance_platform.create_app(account)
    running = start(app)
    env = {
        "BEDSIDE_INSURANCE_BASE_URL": running.url,
        "BEDSIDE_INSURANCE_FIXMEDINS_CODE": account.fixmedins_code,
        "BEDSIDE_INSURANCE_FIXMEDINS_NAME": "Bedside示范医院",
        "BEDSIDE_INSURANCE_MDTRTAREA_ADMVS": account.mdtrtarea_admvs,
        "BEDSIDE_INSURANCE_INSUPLC_ADMDVS": account.mdtrtarea_admvs,
        "BEDSIDE_INSURANCE_PAAS_ID": account.paas_id,
        "BEDSIDE_INSURANCE_PAAS_SECRET": account.paas_secret,
        "BEDSIDE_INSURANCE_SIGN_KEY": account.sign_key,
    }
    return running, env


def start_demo_peers(base_url: str, environ: MutableMapping[str, str]) -> list[str]:
    """Starts the peer of every boundary the environment does not already configure, puts the
    settings that point the real clients at them into `environ`, and says where each one is."""
    from bedside.simulators.payments import start_payments

    said: list[str] = []

    def use(env: dict[str, str], line: str) -> None:
        environ.update(env)
        said.append(line)

    if "BEDSIDE_SMS_PROVIDER" not in environ:
        sms, env = start_sms(base_url)
        use(env, f"SMS peer (Alibaba Cloud protocol) at {sms.url}; inbox: /_sim/messages")
    if "BEDSIDE_WECHATPAY_MCHID" not in environ and "BEDSIDE_ALIPAY_APP_ID" not in environ:
        pay_peers, env = start_payments()
        use(env, f"payment peers (WeChat Pay v3, Alipay gateway) at {', '.join(p.url for p in pay_peers)}")
    if "BEDSIDE_WECHAT_APP_ID" not in environ:
        wechat, env = start_wechat(base_url, environ.get("BEDSIDE_WECHATPAY_APPID"))
        use(env, f"WeChat peer (official account API) at {wechat.url}; inbox: /_sim/messages")
    if "BEDSIDE_HIS_WEBHOOK_URL" not in environ:
        his, env = start_his()
        use(env, f"HIS peer (write-back receiver) at {his.url}; received: /_sim/events")
    if "BEDSIDE_EINVOICE_URL" not in environ:
        einvoice, env = start_einvoice()
        use(env, f"Fiscal e-invoice platform peer at {einvoice.url}; books: /_sim/bills")
    if "BEDSIDE_INSURANCE_BASE_URL" not in environ:
        insurance, env = start_insurance()
        use(env, f"Insurance platform peer at {insurance.url}; calls: /_sim/calls")
    return said
