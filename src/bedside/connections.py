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


CHECKS: tuple[Callable[[Settings], Check], ...] = (check_sms,)


def check_all(settings: Settings) -> list[Check]:
    return [check(settings) for check in CHECKS]
