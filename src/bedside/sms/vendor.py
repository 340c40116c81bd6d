"""What the two vendor clients share: their configuration, the choice of registered template
and its variables, the HTTP call with its failures mapped to the port's, and receipt times."""

from __future__ import annotations

import json
import logging
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from bedside.core.pii import mask_phone
from bedside.sms import templates
from bedside.sms.port import Failure, Notification, ReceiptBatch, SmsError, SmsSent

log = logging.getLogger("bedside.sms")

# Both vendors write report times in Beijing time, without a zone.
VENDOR_TZ = ZoneInfo("Asia/Shanghai")
# A receipt batch is a few kilobytes; anything far larger is not one.
MAX_RECEIPT_BYTES = 256 * 1024


@dataclass(frozen=True)
class SmsConfig:
    access_key_id: str
    access_key_secret: str
    sign_name: str
    templates: Mapping[str, Any] = field(default_factory=dict)
    endpoint: str = ""
    region: str = ""
    app_id: str = ""  # Tencent's SmsSdkAppId
    hospital: str = ""
    timeout_seconds: float = 5.0
    connect_timeout_seconds: float = 3.0


def parse_vendor_time(value: object) -> datetime | None:
    try:
        return datetime.strptime(str(value), "%Y-%m-%d %H:%M:%S").replace(tzinfo=VENDOR_TZ)
    except ValueError:
        return None


def load_json(body: bytes) -> Any:
    if len(body) > MAX_RECEIPT_BYTES:
        raise ValueError("receipt batch too large")
    return json.loads(body.decode("utf-8"))


class VendorSms(ABC):
    provider = ""
    default_endpoint = ""
    default_region = ""

    def __init__(self, config: SmsConfig, client: httpx.Client | None = None) -> None:
        self.config = config
        self.endpoint = (config.endpoint or self.default_endpoint).rstrip("/")
        self.region = config.region or self.default_region
        timeout = httpx.Timeout(config.timeout_seconds, connect=config.connect_timeout_seconds)
        self.client = client or httpx.Client(timeout=timeout)

    def _spec(self, kind: str) -> templates.TemplateSpec:
        spec = templates.spec_for(self.config.templates, kind, self.config.sign_name)
        if spec is None:
            raise SmsError(Failure.CONTENT, "no_template", f"no SMS template registered for {kind}")
        return spec

    def send_login_code(self, phone: str, code: str, *, minutes: int, text: str) -> SmsSent:
        spec = self._spec(templates.LOGIN_CODE)
        values = {"code": code, "minutes": str(minutes), "hospital": self.config.hospital}
        return self._send_logged(phone, spec, templates.fill(spec, values, {}), None)

    def send_notification(self, phone: str, message: Notification) -> SmsSent:
        spec = self._spec(message.kind)
        values = {"title": message.title, "body": message.body, "hospital": self.config.hospital}
        variables = templates.fill(spec, values, message.params)
        return self._send_logged(phone, spec, variables, message.delivery_id)

    def _send_logged(
        self, phone: str, spec: templates.TemplateSpec, variables: dict[str, str], delivery_id: int | None
    ) -> SmsSent:
        try:
            sent = self._send(phone, spec, variables, delivery_id)
        except SmsError as exc:
            level = logging.ERROR if exc.failure in (Failure.ACCOUNT, Failure.CONTENT) else logging.WARNING
            log.log(level, "%s SMS to %s refused: %s", self.provider, mask_phone(phone), exc.code)
            raise
        log.info("%s SMS %s to %s accepted as %s", self.provider, spec.template, mask_phone(phone), sent.ref)
        return sent

    def _post(self, request: httpx.Request) -> tuple[int, Any]:
        """One attempt (the outbox or the user retries); the status and the decoded JSON body."""
        try:
            response = self.client.send(request)
        except httpx.TimeoutException as exc:
            raise SmsError(Failure.UNAVAILABLE, "timeout", type(exc).__name__) from exc
        except httpx.HTTPError as exc:
            raise SmsError(Failure.UNAVAILABLE, "network", type(exc).__name__) from exc
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise self.unexpected(response.status_code)
        return response.status_code, answer

    @staticmethod
    def unexpected(status: int) -> SmsError:
        """An answer not in the vendor's shape: a proxy or load balancer spoke, not the API."""
        failure = Failure.UNAVAILABLE if status >= 500 else Failure.ACCOUNT
        return SmsError(failure, f"http_{status}", "not the vendor's answer")

    @abstractmethod
    def _send(
        self, phone: str, spec: templates.TemplateSpec, variables: dict[str, str], delivery_id: int | None
    ) -> SmsSent: ...

    @abstractmethod
    def parse_receipts(self, body: bytes) -> ReceiptBatch: ...

    @abstractmethod
    def check(self) -> str: ...
