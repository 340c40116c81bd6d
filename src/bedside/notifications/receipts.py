"""Delivery receipts from a message provider, recorded on the deliveries they report on."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from bedside.core.db import utcnow
from bedside.notifications.models import NotificationDelivery
from bedside.sms.port import Receipt

log = logging.getLogger("bedside.notify.receipts")

DELIVERED = "delivered"
FAILED = "failed"


def _find(session: Session, channel: str, receipt: Receipt) -> NotificationDelivery | None:
    base = select(NotificationDelivery).where(NotificationDelivery.channel == channel).with_for_update()
    if receipt.delivery_id is not None:
        row = session.scalar(base.where(NotificationDelivery.id == receipt.delivery_id))
        # The id echoed back (Aliyun's OutId) finds the row even before its send's answer was
        # stored; a different ref on it means a report on some other message.
        if row is not None and (not row.provider_ref or not receipt.ref or row.provider_ref == receipt.ref):
            return row
    if receipt.ref:
        return session.scalar(base.where(NotificationDelivery.provider_ref == receipt.ref))
    return None


def record(session: Session, channel: str, receipts: Iterable[Receipt]) -> int:
    """Marks each reported delivery delivered or failed; returns how many were found. Reports on
    messages that are not deliveries (login codes) are ignored, and a vendor's repeat of a
    batch changes nothing."""
    found = 0
    for receipt in receipts:
        row = _find(session, channel, receipt)
        if row is None:
            log.info("receipt for unknown %s message %s ignored", channel, receipt.ref[:64])
            continue
        found += 1
        # A retried message may have gone out twice: once delivered, it stays delivered.
        if row.receipt == DELIVERED and not receipt.delivered:
            continue
        row.receipt = DELIVERED if receipt.delivered else FAILED
        row.receipt_code = receipt.code[:40] or None
        row.receipt_at = receipt.reported_at or utcnow()
    session.commit()
    return found
