"""The SMS gateway in use, chosen by BEDSIDE_SMS_PROVIDER: `log` writes messages to the log
(development, tests), `aliyun` and `tencent` are the vendors' real clients (bedside.sms)."""

from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from bedside.core.errors import DomainError, InvalidInput, RateLimited
from bedside.core.i18n import N_
from bedside.core.pii import mask_phone
from bedside.sms.port import Failure, Notification, ReceiptBatch, SmsError, SmsPort, SmsSent

if TYPE_CHECKING:
    from bedside.settings import Settings

log = logging.getLogger("bedside.sms")


class SmsNotSent(DomainError):
    status = 503
    code = "sms_unavailable"
    message = N_("The code could not be sent just now. Please try again.")


def user_error(exc: SmsError) -> DomainError:
    """What the person asking for a code is told when the provider did not send it."""
    if exc.failure == Failure.RECIPIENT:
        return InvalidInput(
            N_("This number cannot receive text messages. Check it and try again."),
            code="sms_recipient",
            field="phone",
        )
    if exc.failure == Failure.LIMITED:
        return RateLimited(
            N_("This number has been sent too many text messages for now. Please try again later."),
            code="sms_limited",
        )
    if exc.failure in (Failure.CONTENT, Failure.ACCOUNT):
        return SmsNotSent(
            N_(
                "The hospital cannot send text messages right now. Please try again later "
                "or ask at the service desk."
            ),
            code="sms_out_of_service",
        )
    return SmsNotSent()


@dataclass(frozen=True)
class SentSms:
    phone: str
    text: str
    code: str | None = None


@runtime_checkable
class RemembersCodes(Protocol):
    def last_code(self, phone: str) -> str | None: ...


class LogSmsGateway:
    """Writes messages to the log (the code only in demo mode) and keeps the last few in memory."""

    provider = "log"

    def __init__(self, demo: bool) -> None:
        self.demo = demo
        self.sent: deque[SentSms] = deque(maxlen=200)

    def send(self, phone: str, text: str, *, code: str | None = None) -> None:
        self.sent.append(SentSms(phone=phone, text=text, code=code))
        if self.demo:
            log.warning("DEMO SMS to %s: %s", mask_phone(phone), text)
        else:
            log.info("SMS to %s queued (%d chars)", mask_phone(phone), len(text))

    def send_login_code(self, phone: str, code: str, *, minutes: int, text: str) -> SmsSent:
        self.send(phone, text, code=code)
        return SmsSent()

    def send_notification(self, phone: str, message: Notification) -> SmsSent:
        self.send(phone, message.text)
        return SmsSent()

    def parse_receipts(self, body: bytes) -> ReceiptBatch:
        raise ValueError("the log gateway has no delivery receipts")

    def check(self) -> str:
        return "log only: no message leaves this server"

    def last_code(self, phone: str) -> str | None:
        for sms in reversed(self.sent):
            if sms.phone == phone and sms.code:
                return sms.code
        return None


class CodeEcho:
    """Demo mode only: the phone page shows the code it just sent, whichever gateway sent it,
    so a visitor can sign in without a handset. Everything else goes to the gateway."""

    def __init__(self, gateway: SmsPort) -> None:
        self.gateway = gateway
        self.provider = gateway.provider
        self._codes: dict[str, str] = {}
        self._lock = threading.Lock()

    def send_login_code(self, phone: str, code: str, *, minutes: int, text: str) -> SmsSent:
        sent = self.gateway.send_login_code(phone, code, minutes=minutes, text=text)
        with self._lock:
            self._codes[phone] = code
            while len(self._codes) > 200:
                self._codes.pop(next(iter(self._codes)))
        return sent

    def send_notification(self, phone: str, message: Notification) -> SmsSent:
        return self.gateway.send_notification(phone, message)

    def parse_receipts(self, body: bytes) -> ReceiptBatch:
        return self.gateway.parse_receipts(body)

    def check(self) -> str:
        return self.gateway.check()

    def last_code(self, phone: str) -> str | None:
        with self._lock:
            return self._codes.get(phone)


def gateway_from_settings(settings: Settings) -> SmsPort:
    if settings.sms_provider == "log":
        return LogSmsGateway(demo=settings.demo)
    from bedside.sms import vendor_from_settings

    vendor = vendor_from_settings(settings)
    return CodeEcho(vendor) if settings.demo else vendor


_gateway: SmsPort | None = None


def get_gateway() -> SmsPort:
    global _gateway
    if _gateway is None:
        from bedside.settings import get_settings

        _gateway = gateway_from_settings(get_settings())
    return _gateway


def set_gateway(gateway: SmsPort | None) -> None:
    global _gateway
    _gateway = gateway
