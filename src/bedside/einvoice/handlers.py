"""The e-invoice reacts to discharge and payments: a settlement gets its bill, a reversed
settlement its red-letter bill, a deposit its receipt bill where the hospital issues them.
A platform failure raises, so the outbox tries again later with backoff."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from bedside.core.events import subscribe
from bedside.discharge.events import Settled, SettlementReversed
from bedside.einvoice import service
from bedside.einvoice.port import EInvoiceError
from bedside.payments.events import PaymentCredited

log = logging.getLogger("bedside.einvoice")
DEPOSIT_PURPOSES = ("deposit", "topup")


def _logged(what: str, exc: EInvoiceError) -> None:
    log.warning("e-invoice %s not done yet (%s): %s", what, exc.failure.value, exc.code)


@subscribe(Settled)
def issue_settlement_bill(session: Session, ev: Settled) -> None:
    try:
        service.issue_for_settlement(session, ev.settlement_id)
    except EInvoiceError as exc:
        _logged(f"for settlement {ev.settlement_id}", exc)
        raise


@subscribe(SettlementReversed)
def red_letter_settlement_bill(session: Session, ev: SettlementReversed) -> None:
    try:
        service.red_letter_for_settlement(session, ev.settlement_id, ev.reason)
    except EInvoiceError as exc:
        _logged(f"red letter for settlement {ev.settlement_id}", exc)
        raise


@subscribe(PaymentCredited)
def issue_deposit_bill(session: Session, ev: PaymentCredited) -> None:
    if ev.purpose not in DEPOSIT_PURPOSES:
        return
    try:
        service.issue_for_payment(session, ev.order_id)
    except EInvoiceError as exc:
        _logged(f"for payment {ev.order_id}", exc)
        raise
