"""The peers `bedside demo` starts, and the settings that point the real clients at them."""

from __future__ import annotations

import json
import secrets

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
