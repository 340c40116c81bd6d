"""What a bill says, read from Bedside's records: the settlement's stay, patient, item groups
and payment split (the PDF and the platform's bill are made from the same BillRequest), or a
deposit payment."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bedside.admissions import service as notices
from bedside.charges import service as charges_service
from bedside.core.clock import local_today
from bedside.deposits import service as deposits_service
from bedside.discharge.models import Settlement
from bedside.documents.discharge.model import CATEGORY_GROUPS, INPATIENT_GROUPS, INSURANCE_NAMES
from bedside.einvoice.port import BillRequest, ChargeGroup
from bedside.hospital import service as hospital_service
from bedside.patients import service as patients_service
from bedside.payments.models import PaymentOrder
from bedside.settings import get_settings


def settlement_serial(settlement_id: int) -> str:
    """业务流水号 of a settlement's bill: unique for as long as the platform account lives,
    so an installation sharing an account with another (a test system) sets its own prefix."""
    return f"{get_settings().einvoice_serial_prefix}ZY{settlement_id:012d}"


def payment_serial(order_id: int) -> str:
    return f"{get_settings().einvoice_serial_prefix}YJ{order_id:012d}"


def group_code(name: str) -> str:
    """The item group's code on the wire: its place in the national inpatient list, 01-13."""
    return f"{INPATIENT_GROUPS.index(name) + 1:02d}"


def paid_by_purpose(session: Session, account_id: int, purpose: str) -> int:
    total = session.scalar(
        select(func.coalesce(func.sum(PaymentOrder.amount_fen), 0)).where(
            PaymentOrder.account_id == account_id,
            PaymentOrder.purpose == purpose,
            PaymentOrder.channel_trade_no.is_not(None),
        )
    )
    return int(total or 0)


def settlement_request(session: Session, st: Settlement) -> BillRequest:
    settings = get_settings()
    notice = notices.get(session, st.notice_id)
    patient = patients_service.get(session, notice.patient_id)
    dept = hospital_service.get_department(session, notice.department_id)
    account = deposits_service.account_for_notice(session, notice.patient_id, notice.id)
    by_group: dict[str, int] = {}
    for category, fen in charges_service.summary(session, notice.id).by_category.items():
        if fen > 0:
            name = CATEGORY_GROUPS.get(category, "其他")
            by_group[name] = by_group.get(name, 0) + fen
    groups = tuple(
        ChargeGroup(group_code(name), name, by_group[name]) for name in INPATIENT_GROUPS if name in by_group
    )
    admitted_on = notice.admitted_at.astimezone(settings.tz).date() if notice.admitted_at else local_today()
    return BillRequest(
        serial=settlement_serial(st.id),
        kind="inpatient",
        issued_for=st.settled_at,
        payer=patient.name,
        total_fen=st.total_fen,
        groups=groups,
        gender="男" if patient.gender == "M" else "女",
        inpatient_no=notice.inpatient_no or "",
        department=dept.name,
        admitted_on=admitted_on,
        discharged_on=st.settled_at.astimezone(settings.tz).date(),
        insurance_type=INSURANCE_NAMES.get(st.insurance_type or "self_pay", "自费"),
        insurance_no=notice.insurance_no or "",
        fund_fen=st.fund_fen,
        personal_account_fen=st.personal_account_fen,
        cash_fen=st.cash_fen,
        self_pay_fen=int(st.split.get("class_c_fen", st.total_fen if not st.setl_id else 0)),
        deposit_fen=paid_by_purpose(session, account.id, "deposit")
        + paid_by_purpose(session, account.id, "topup"),
        supplementary_fen=paid_by_purpose(session, account.id, "supplementary_payment"),
        refund_fen=st.refund_fen,
        operator=settings.einvoice_operator,
    )


def payment_request(session: Session, order: PaymentOrder, notice_id: int) -> BillRequest:
    settings = get_settings()
    notice = notices.get(session, notice_id)
    patient = patients_service.get(session, notice.patient_id)
    return BillRequest(
        serial=payment_serial(order.id),
        kind="deposit",
        issued_for=order.paid_at or order.created_at,
        payer=patient.name,
        total_fen=order.amount_fen,
        inpatient_no=notice.inpatient_no or "",
        deposit_fen=order.amount_fen,
        cash_fen=order.amount_fen,
        operator=settings.einvoice_operator,
    )
