"""A payment's receipt, assembled from the order and the ledger for the phone (PDF) and the
kiosk's receipt printer (ESC/POS)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bedside.admissions import service as admissions_service
from bedside.core.errors import Conflict
from bedside.core.i18n import N_, gettext
from bedside.deposits import service as deposits_service
from bedside.documents.receipts import Receipt
from bedside.hospital import service as hospital_service
from bedside.patients import service as patients_service
from bedside.payments.models import PaymentOrder
from bedside.settings import get_settings
from bedside.web.labels import LABELS

PAID_STATES = ("paid", "partially_refunded", "refunded")


def receipt_for(session: Session, order: PaymentOrder, locale: str) -> Receipt:
    if order.state not in PAID_STATES or order.paid_at is None:
        raise Conflict(N_("A receipt exists only for a completed payment."), code="receipt_not_ready")
    account = deposits_service.get(session, order.account_id)
    entry = deposits_service.credit_entry_for_payment(session, order.id)
    patient = patients_service.get(session, order.patient_id)
    notice = admissions_service.get(session, account.notice_id)
    dept = hospital_service.get_department(session, notice.department_id)

    def label(kind: str, value: str) -> str:
        return gettext(locale, LABELS[kind].get(value, value))

    return Receipt(
        hospital_name=get_settings().hospital_name,
        receipt_no=f"R{order.out_trade_no}",
        issued_at=order.paid_at,
        patient_name=patient.name,
        inpatient_no=None,  # given at admission (the admission issue)
        department=dept.name_en if locale == "en" else dept.name,
        purpose=label("purpose", order.purpose),
        channel=label("channel", order.channel),
        amount_fen=order.amount_fen,
        out_trade_no=order.out_trade_no,
        channel_trade_no=order.channel_trade_no,
        balance_after_fen=deposits_service.balance_after(session, entry) if entry else None,
        place=gettext(locale, N_("Phone")) if order.place == "phone" else order.place,
    )
