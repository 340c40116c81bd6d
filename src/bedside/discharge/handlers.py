"""What discharge does when others announce something."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bedside.core.events import subscribe
from bedside.discharge import settlement
from bedside.payments.events import PaymentCredited
from bedside.payments.states import Purpose


@subscribe(PaymentCredited)
def settle_when_paid(session: Session, ev: PaymentCredited) -> None:
    # The patient may close the screen once the wallet says paid: the stay settles anyway.
    if ev.purpose == Purpose.SUPPLEMENTARY:
        settlement.finish(session, ev.order_id)
