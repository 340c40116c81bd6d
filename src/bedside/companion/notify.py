"""Tells the patient (and the accounts acting for them) that a care bill is ready to confirm,
and sends the receipt once it is paid."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bedside.accounts import service as accounts_service
from bedside.companion import bills as _bills  # noqa: F401 - the payment handler and the tables
from bedside.companion.events import CareBillPaid, CareBillReady
from bedside.core.events import subscribe
from bedside.core.money import format_yuan
from bedside.notifications import service as notifications
from bedside.patients import service as patients_service


def _tell(
    session: Session, patient_id: int, notice_id: int, template: str, params: dict[str, str], key: str
) -> None:
    notifications.deliver(
        session,
        accounts_service.account_ids_for(session, patient_id),
        template=template,
        params={"patient": patients_service.get(session, patient_id).name, **params},
        dedupe_key=key,
        patient_id=patient_id,
        link=f"/phone/stays/{notice_id}/care",
    )


@subscribe(CareBillReady)
def bill_ready(session: Session, event: CareBillReady) -> None:
    params = {"days": str(event.days), "amount": format_yuan(event.amount_fen)}
    _tell(
        session,
        event.patient_id,
        event.notice_id,
        "care_bill_ready",
        params,
        f"care_bill_ready:{event.bill_id}:{event.revision}",
    )


@subscribe(CareBillPaid)
def bill_paid(session: Session, event: CareBillPaid) -> None:
    params = {"amount": format_yuan(event.amount_fen), "receipt": event.receipt_no}
    _tell(session, event.patient_id, event.notice_id, "care_receipt", params, f"care_receipt:{event.bill_id}")
