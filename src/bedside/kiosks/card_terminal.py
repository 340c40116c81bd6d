"""A bank card paid on the kiosk's PIN pad through the kiosk agent.

The PIN pad belongs to the acquirer's POS module: the card and the PIN go from the pad to the
acquirer, never to Bedside. What the page reports afterwards (approval code, trace number,
masked card) is recorded, and then Bedside asks the acquirer itself; the page's word alone
never moves money. A real POS module tells its acquirer over its own line; the bundled sandbox
acquirer is told through the relay the composition root sets (wiring), as that line would.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from bedside.core import audit
from bedside.core.audit import Actor
from bedside.core.errors import InvalidInput, NotFound
from bedside.core.i18n import N_
from bedside.payments import service as payments_service
from bedside.payments.models import PaymentOrder

CHANNEL = "unionpay"


# (out_trade_no, masked card) -> None: how a simulated acquirer hears of the terminal's approval.
_acquirer_relay: Callable[[str, str], None] | None = None


def set_acquirer_relay(relay: Callable[[str, str], None] | None) -> None:
    global _acquirer_relay
    _acquirer_relay = relay


def report_approval(
    session: Session,
    actor: Actor,
    order_id: int,
    *,
    patient_id: int,
    reference: str,
    amount_fen: int,
    card_masked: str,
    approval_code: str,
    trace_no: str,
) -> PaymentOrder:
    """The PIN pad approved this order's amount. Idempotent: a repeated report finds the order
    already paid, and the ledger moves once (apply_trade)."""
    order = payments_service.get_order(session, order_id)
    if order.patient_id != patient_id or order.channel != CHANNEL:
        raise NotFound(N_("Payment not found."), code="payment_not_found")
    if reference != order.out_trade_no or amount_fen != order.amount_fen:
        raise InvalidInput(
            N_("The card terminal's answer does not belong to this payment."), code="card_result_mismatch"
        )
    out_trade_no = order.out_trade_no
    audit.record(
        session,
        actor,
        "kiosk.card_terminal_approved",
        "payment_order",
        order.id,
        patient_id=order.patient_id,
        card=card_masked,
        approval_code=approval_code,
        trace_no=trace_no,
    )
    session.commit()
    if _acquirer_relay is not None:
        _acquirer_relay(out_trade_no, card_masked)
    payments_service.check_order(session, order_id)
    return payments_service.get_order(session, order_id)
