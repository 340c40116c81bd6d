"""The SMS gateway adapter. Demo and tests use the logging gateway; a hospital plugs in its own."""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass
from typing import Protocol

from bedside.core.pii import mask_phone

log = logging.getLogger("bedside.sms")


@dataclass(frozen=True)
class SentSms:
    phone: str
    text: str
    code: str | None = None


class SmsGateway(Protocol):
    def send(self, phone: str, text: str, *, code: str | None = None) -> None: ...


class LogSmsGateway:
    """Writes messages to the log (the code only in demo mode) and keeps the last few in memory."""

    def __init__(self, demo: bool) -> None:
        self.demo = demo
        self.sent: deque[SentSms] = deque(maxlen=200)

    def send(self, phone: str, text: str, *, code: str | None = None) -> None:
        self.sent.append(SentSms(phone=phone, text=text, code=code))
        if self.demo:
            log.warning("DEMO SMS to %s: %s", mask_phone(phone), text)
        else:
            log.info("SMS to %s queued (%d chars)", mask_phone(phone), len(text))

    def last_code(self, phone: str) -> str | None:
        for sms in reversed(self.sent):
            if sms.phone == phone and sms.code:
                return sms.code
        return None


_gateway: SmsGateway | None = None


def get_gateway() -> SmsGateway:
    global _gateway
    if _gateway is None:
        from bedside.settings import get_settings

        _gateway = LogSmsGateway(demo=get_settings().demo)
    return _gateway


def set_gateway(gateway: SmsGateway | None) -> None:
    global _gateway
    _gateway = gateway
