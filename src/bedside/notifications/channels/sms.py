"""SMS through the accounts' gateway: the vendor's template registered for the message kind,
or the whole text in the account's language for the log; numbers are masked in logs."""

from __future__ import annotations

import logging

from bedside.accounts.sms import get_gateway
from bedside.core.i18n import N_, gettext
from bedside.core.pii import mask_phone, scrub
from bedside.notifications.channels import Outgoing, Result
from bedside.settings import get_settings
from bedside.sms.port import Notification, SmsError

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
        notification = Notification(
            kind=message.template,
            title=message.title,
            body=message.body,
            text=sms_text(message),
            delivery_id=message.delivery_id,
            params=message.params,
        )
        try:
            # Looked up per send, so a gateway swapped in (tests, a hospital's own) is used.
            sent = get_gateway().send_notification(message.address, notification)
        except SmsError as exc:
            # The vendor's own code is kept on the delivery; only a message that can never go
            # out as configured (bad number, unapproved template) is given up at once.
            return Result(
                ok=False,
                code=exc.code[:80],
                error=scrub(f"{exc.failure.value}: {exc}")[:500],
                retryable=exc.retryable,
            )
        except Exception as exc:  # noqa: BLE001 - any gateway failure is a failed attempt
            log.warning("SMS to %s failed: %s", mask_phone(message.address), type(exc).__name__)
            return Result(ok=False, error=scrub(f"{type(exc).__name__}: {exc}")[:500], code="gateway_error")
        return Result(ok=True, provider_ref=sent.ref[:64] if sent.ref else None)
