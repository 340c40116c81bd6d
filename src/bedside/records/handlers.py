"""How record copies react to other domains: the fee's payment arriving."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bedside.core.events import subscribe
from bedside.payments.events import PaymentCredited
from bedside.payments.states import Purpose
from bedside.records import models as _models  # noqa: F401 - wiring loads the domain from here
from bedside.records import notify as _notify  # noqa: F401
from bedside.records import service


@subscribe(PaymentCredited)
def fee_paid(session: Session, event: PaymentCredited) -> None:
    # Money that reached a closed order is refunded whole by the payment layer itself.
    if event.purpose != Purpose.RECORD_COPY or event.late:
        return
    service.on_payment_credited(session, event.order_id)
