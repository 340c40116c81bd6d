"""The SMS vendors' peers served over HTTP on 127.0.0.1, and the real clients pointed at them:
the account each peer holds (keys, sign name, registered templates) and the matching
BEDSIDE_SMS_* configuration. Tests read what a peer delivered through its HTTP inbox."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import httpx

from bedside.simulators.runner import RunningPeer, start_peer
from bedside.simulators.sms_base import SmsAccount, SmsPeer
from bedside.sms.aliyun import AliyunSms
from bedside.sms.tencent import TencentSms
from bedside.sms.vendor import SmsConfig, VendorSms

SIGN_NAME = "测试医院"
ALIYUN_KEY = ("LTAI5tTestKeyId0001", "aliyun-test-secret-0123456789")
TENCENT_KEY = ("AKIDtestSecretId0123456789", "tencent-test-secret-key-0123")
TENCENT_APP_ID = "1400123456"

KINDS: dict[str, dict[str, Any]] = {
    "aliyun": {
        "peer": "sms-aliyun",
        "client": AliyunSms,
        "key": ALIYUN_KEY,
        "login_template": "SMS_100000001",
        "code_param": "code",
        "registered": {
            "SMS_100000001": "您的验证码为${code}，${minutes}分钟内有效，请勿泄露。",
            "SMS_100000002": "${title}：${body}",
        },
        "config": {
            "login_code": {"template": "SMS_100000001", "params": {"code": "code", "minutes": "minutes"}},
            "default": "SMS_100000002",
        },
    },
    "tencent": {
        "peer": "sms-tencent",
        "client": TencentSms,
        "key": TENCENT_KEY,
        "login_template": "1100001",
        "code_param": "1",
        "registered": {"1100001": "{1}为您的登录验证码，请于{2}分钟内填写。", "1100002": "{1}：{2}"},
        "config": {
            "login_code": {"template": "1100001", "params": {"1": "code", "2": "minutes"}},
            "default": {"template": "1100002", "params": {"1": "title", "2": "body"}},
        },
    },
}


@dataclass
class PeerHandle:
    kind: str
    running: RunningPeer
    peer: SmsPeer

    @property
    def url(self) -> str:
        return self.running.url

    def config(self, **overrides: Any) -> SmsConfig:
        spec = KINDS[self.kind]
        base = SmsConfig(
            access_key_id=spec["key"][0],
            access_key_secret=spec["key"][1],
            sign_name=SIGN_NAME,
            templates=spec["config"],
            endpoint=self.url,
            app_id=TENCENT_APP_ID,
            hospital="测试医院",
            timeout_seconds=5.0,
            connect_timeout_seconds=2.0,
        )
        return replace(base, **overrides)

    def client(self, **overrides: Any) -> VendorSms:
        client: VendorSms = KINDS[self.kind]["client"](self.config(**overrides))
        return client

    def _control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = httpx.request(method, f"{self.url}{path}", json=body, timeout=15)
        response.raise_for_status()
        return response.json()

    def messages(self, phone: str = "") -> list[dict[str, Any]]:
        return list(self._control("GET", f"/_sim/messages?phone={phone}")["messages"])

    def last_code(self, phone: str) -> str | None:
        spec = KINDS[self.kind]
        codes = [
            m["params"][spec["code_param"]]
            for m in self.messages(phone)
            if m["template"] == spec["login_template"]
        ]
        return codes[-1] if codes else None

    def fault(
        self, fault: str, *, code: str = "", action: str = "SendSms", delay: float = 2.0, times: int = 1
    ) -> None:
        spec = {"fault": fault, "code": code, "action": action, "delay": delay, "times": times}
        assert self._control("POST", "/_sim/faults", spec)["ok"]

    def push_receipt(self, ref: str, *, delivered: bool = True, code: str = "") -> dict[str, Any]:
        answer: dict[str, Any] = self._control(
            "POST", "/_sim/receipts", {"ref": ref, "delivered": delivered, "code": code}
        )
        return answer

    def reset(self, receipt_url: str = "") -> None:
        self.peer.account.receipt_url = receipt_url
        self._control("POST", "/_sim/reset")


def start(kind: str) -> PeerHandle:
    spec = KINDS[kind]
    account = SmsAccount(
        credentials=dict([spec["key"]]),
        sign_names={SIGN_NAME},
        templates=dict(spec["registered"]),
        app_id=TENCENT_APP_ID,
    )
    running, peer = start_peer(spec["peer"], account)
    return PeerHandle(kind, running, peer)
