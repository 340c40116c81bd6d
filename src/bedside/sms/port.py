"""What Bedside needs from an SMS provider, in its own words: send a login code, send a
notification text of a message kind, read the provider's delivery receipts, and prove the
connection works. The vendor clients (aliyun.py, tencent.py) and the log gateway
(accounts/sms.py) implement it; callers never see a vendor's wire format."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class Failure(StrEnum):
    """Why a send failed, as far as the caller needs to act on it."""

    # Timeout, connection refused, 5xx, the vendor's own internal error: the message may or
    # may not have gone out, and sending again later is the fix.
    UNAVAILABLE = "unavailable"
    # The vendor's per-number or per-account frequency control: later, not now.
    LIMITED = "limited"
    # The number itself: malformed, not a mobile, on the vendor's blacklist.
    RECIPIENT = "recipient"
    # The hospital's registration: sign name or template not approved, parameters not matching.
    CONTENT = "content"
    # Keys, signature, permissions, balance: the hospital's account with the vendor.
    ACCOUNT = "account"


# Only a message that can never go out as configured is given up at once; a hospital that
# fixes its keys or tops up its balance within the retry window still gets every message out.
RETRYABLE = frozenset({Failure.UNAVAILABLE, Failure.LIMITED, Failure.ACCOUNT})


class SmsError(Exception):
    """A send or check the provider did not carry out; `code` is the vendor's own code."""

    def __init__(self, failure: Failure, code: str, message: str = "") -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.failure = failure
        self.code = code
        self.vendor_message = message

    @property
    def retryable(self) -> bool:
        return self.failure in RETRYABLE


@dataclass(frozen=True)
class SmsSent:
    """The provider accepted the message; `ref` is its id (Aliyun BizId, Tencent SerialNo),
    the key its delivery receipt will carry."""

    ref: str | None = None


@dataclass(frozen=True)
class Notification:
    """One rendered notification. `kind` is the notification template key, which selects the
    vendor template registered for it; `text` is the whole message for channels without
    registered templates (the log)."""

    kind: str
    title: str
    body: str
    text: str
    delivery_id: int | None = None
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Receipt:
    """A delivery report: the handset got the message, or the carrier gave up."""

    ref: str
    delivered: bool
    code: str
    phone: str = ""
    description: str = ""
    reported_at: datetime | None = None
    delivery_id: int | None = None


@dataclass(frozen=True)
class ReceiptBatch:
    receipts: list[Receipt]
    # What the vendor expects as the answer body, so that it stops re-sending the batch.
    answer: dict[str, object]


class SmsPort(Protocol):
    provider: str

    def send_login_code(self, phone: str, code: str, *, minutes: int, text: str) -> SmsSent: ...

    def send_notification(self, phone: str, message: Notification) -> SmsSent: ...

    def parse_receipts(self, body: bytes) -> ReceiptBatch: ...

    def check(self) -> str:
        """An authenticated call that sends nothing; the answer says what was checked."""
        ...
