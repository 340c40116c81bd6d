"""SMS through the accounts' gateway, in the account's language; numbers are masked in logs."""

from __future__ import annotations

import logging

from bedside.accounts.sms import get_gateway
from bedside.core.i18n import N_, gettext
from bedside.core.pii import mask_phone, scrub
from bedside.notifications.channels import Outgoing, Result
from bedside.settings import get_settings

log = logging.getLogger("bedside.notify.sms")

SMS_TEXT = N_("[%(hospital)s] %(title)s: %(body)s")


def sms_text(message: Outgoing) -> str:
    return gettext(
        message.locale,
        SMS_TEXT,
        hospital=get_settings().hospital_name,
        title=message.title,
        body=message.body,
    )


class SmsChannel:
    name = "sms"

    def send(self, message: Outgoing) -> Result:
        try:
            # Looked up per send, so a gateway swapped in (tests, a hospital's own) is used.
            get_gateway().send(message.address, sms_text(message))
        except Exception as exc:  # noqa: BLE001 - any gateway failure is a failed attempt
            log.warning("SMS to %s failed: %s", mask_phone(message.address), type(exc).__name__)
            return Result(ok=False, error=scrub(f"{type(exc).__name__}: {exc}")[:500], code="gateway_error")
        return Result(ok=True)
