"""A bank card paid on the kiosk's PIN pad through the kiosk agent.

The PIN pad belongs to the acquirer's POS module: the card and the PIN go from the pad to the
acquirer, never to Bedside. What the page reports afterwards (approval code, trace number,
masked card) is recorded, and then Bedside asks the acquirer itself; the page's word alone
never moves money. With the bundled sandbox the "acquirer" lives in this process, so the
terminal's approval is handed to it here, as the POS module would send it over its own line.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bedside.core import audit
from bedside.core.audit import Actor
from bedside.core.db import get_database
from bedside.core.errors import Conflict, InvalidInput, NotFound
from bedside.core.i18n import N_
from bedside.payments import registry
from bedside.payments import service as payments_service
from bedside.payments.models import PaymentOrder
from bedside.payments.sandbox import server as sandbox
from bedside.payments.sandbox.wiring import SandboxTransport

CHANNEL = "unionpay"


def _sandbox_acquirer_approves(out_trade_no: str, card_masked: str) -> None:
    with get_database().session() as s:
        try:
            sandbox.pay(s, out_trade_no, payer=card_masked)
        except sandbox.SandboxError as exc:
            s.rollback()
            if exc.code != "ORDERCLOSED":
                raise Conflict(N_("This order can no longer be paid."), code="card_not_accepted") from exc
            # The order timed out while the card was in the pad: the money arrived late and is
            # refunded automatically once Bedside learns of it.
            sandbox.pay(s, out_trade_no, mode="after_close", payer=card_masked)
        s.commit()


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
    transport = getattr(registry.get(CHANNEL), "transport", None)
    if isinstance(transport, SandboxTransport):
        _sandbox_acquirer_approves(out_trade_no, card_masked)
    payments_service.check_order(session, order_id)
    return payments_service.get_order(session, order_id)
