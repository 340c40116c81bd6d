"""Turns other domains' events into messages for every account acting for the patient."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bedside.accounts import service as accounts_service
from bedside.admissions import service as admissions_service
from bedside.admissions.beds import ASSIGNMENT_HOLD
from bedside.admissions.events import (
    AdmissionNoticeCancelled,
    AdmissionNoticeIssued,
    AdmissionRegistered,
    BedAssigned,
    BedAssignmentExpired,
    PatientAdmitted,
)
from bedside.core.events import subscribe
from bedside.core.money import format_yuan
from bedside.deposits import service as deposits_service
from bedside.deposits.events import LowBalance
from bedside.discharge import service as discharge_service
from bedside.discharge.events import DischargeOrdered, ReadyToSettle, Settled
from bedside.discharge.models import Discharge
from bedside.hospital import service as hospital_service
from bedside.notifications import service
from bedside.patients import service as patients_service
from bedside.payments import service as payments_service
from bedside.payments.events import PaymentCredited, RefundFinished
from bedside.reports.events import ReportReady
from bedside.settings import get_settings
from bedside.staff import service as staff_service

# Channel names as message parameters; a `_en` twin is used when the reader's locale is English.
CHANNEL_NAMES = {"wechat": "微信支付", "alipay": "支付宝", "unionpay": "银行卡", "cash": "现金"}
CHANNEL_NAMES_EN = {"wechat": "WeChat Pay", "alipay": "Alipay", "unionpay": "bank card", "cash": "cash"}


@subscribe(AdmissionNoticeIssued)
def notice_issued(session: Session, event: AdmissionNoticeIssued) -> None:
    notice = admissions_service.get(session, event.notice_id)
    patient = patients_service.get(session, event.patient_id)
    dept = hospital_service.get_department(session, event.department_id)
    # A notice the HIS sent names no Bedside doctor: the message then leaves the phrase out.
    doctor = staff_service.get_user(session, notice.issued_by_id).full_name if notice.issued_by_id else ""
    service.deliver(
        session,
        accounts_service.account_ids_for(session, event.patient_id),
        template="admission_notice_issued",
        params={
            "patient": patient.name,
            "doctor": doctor,
            "department": dept.name,
            "department_en": dept.name_en,
            "date": event.expected_date.isoformat(),
        },
        dedupe_key=f"notice_issued:{event.notice_id}",
        patient_id=event.patient_id,
        link=f"/phone/notices/{event.notice_id}",
    )


@subscribe(AdmissionNoticeCancelled)
def notice_cancelled(session: Session, event: AdmissionNoticeCancelled) -> None:
    notice = admissions_service.get(session, event.notice_id)
    patient = patients_service.get(session, event.patient_id)
    dept = hospital_service.get_department(session, notice.department_id)
    service.deliver(
        session,
        accounts_service.account_ids_for(session, event.patient_id),
        template="admission_notice_cancelled",
        params={
            "patient": patient.name,
            "department": dept.name,
            "department_en": dept.name_en,
            "reason": event.reason,
        },
        dedupe_key=f"notice_cancelled:{event.notice_id}",
        patient_id=event.patient_id,
        link=f"/phone/notices/{event.notice_id}",
    )


def _money_params(session: Session, patient_id: int, account_id: int) -> dict[str, str]:
    patient = patients_service.get(session, patient_id)
    account = deposits_service.get(session, account_id)
    return {"patient": patient.name, "balance": format_yuan(account.balance_fen)}


@subscribe(PaymentCredited)
def payment_credited(session: Session, event: PaymentCredited) -> None:
    if event.late:
        return  # money for a closed order goes straight back; "refund sent" tells the patient
    if event.purpose in payments_service.FEE_PURPOSES:
        return  # a fee (e.g. record copies) is not a deposit; its own domain tells the patient
    params = _money_params(session, event.patient_id, event.account_id)
    params.update(
        amount=format_yuan(event.amount_fen),
        channel=CHANNEL_NAMES.get(event.channel, event.channel),
        channel_en=CHANNEL_NAMES_EN.get(event.channel, event.channel),
    )
    notice_id = deposits_service.get(session, event.account_id).notice_id
    service.deliver(
        session,
        accounts_service.account_ids_for(session, event.patient_id),
        template="deposit_paid",
        params=params,
        dedupe_key=f"payment_credited:{event.order_id}",
        patient_id=event.patient_id,
        link=f"/phone/deposit/{notice_id}",
    )


@subscribe(LowBalance)
def low_balance(session: Session, event: LowBalance) -> None:
    account = deposits_service.get(session, event.account_id)
    discharge = discharge_service.find(session, account.notice_id)
    if discharge is not None and discharge.state in ("settled", "discharged"):
        return  # settlement empties the account on purpose; there is nothing to top up
    params = _money_params(session, event.patient_id, event.account_id)
    params.update(balance=format_yuan(event.balance_fen), threshold=format_yuan(event.threshold_fen))
    notice_id = account.notice_id
    service.deliver(
        session,
        accounts_service.account_ids_for(session, event.patient_id),
        template="deposit_low",
        params=params,
        # Each crossing is its own alert; the ledger announces a crossing only once.
        dedupe_key=f"low_balance:{event.account_id}:{event.entry_id}",
        patient_id=event.patient_id,
        link=f"/phone/deposit/{notice_id}",
    )


@subscribe(RefundFinished)
def refund_finished(session: Session, event: RefundFinished) -> None:
    order_account = payments_service.get_order(session, event.order_id).account_id
    params = _money_params(session, event.patient_id, order_account)
    params.update(
        amount=format_yuan(event.amount_fen),
        channel=CHANNEL_NAMES.get(event.channel, event.channel),
        channel_en=CHANNEL_NAMES_EN.get(event.channel, event.channel),
    )
    service.deliver(
        session,
        accounts_service.account_ids_for(session, event.patient_id),
        template="refund_sent",
        params=params,
        dedupe_key=f"refund_finished:{event.refund_id}",
        patient_id=event.patient_id,
    )


def _bed_params(session: Session, patient_id: int, bed_id: int) -> dict[str, str]:
    bed = hospital_service.get_bed(session, bed_id)
    ward = hospital_service.get_ward(session, bed.ward_id)
    return {"patient": patients_service.get(session, patient_id).name, "bed": bed.code, "ward": ward.name}


@subscribe(BedAssigned)
def bed_assigned(session: Session, event: BedAssigned) -> None:
    notice = admissions_service.get(session, event.notice_id)
    params = _bed_params(session, event.patient_id, event.bed_id)
    # Admission clears the expiry, and the outbox may deliver after that: the hold ran from the
    # assignment. No assignment left (released or expired): the message leaves the phrase out.
    until = notice.assignment_expires_at or (
        notice.assigned_at + ASSIGNMENT_HOLD if notice.assigned_at else None
    )
    params["until"] = until.astimezone(get_settings().tz).strftime("%Y-%m-%d %H:%M") if until else ""
    service.deliver(
        session,
        accounts_service.account_ids_for(session, event.patient_id),
        template="bed_assigned",
        params=params,
        dedupe_key=f"bed_assigned:{event.notice_id}:{event.bed_id}:{notice.assigned_at}",
        patient_id=event.patient_id,
        link=f"/phone/notices/{event.notice_id}",
    )


@subscribe(BedAssignmentExpired)
def bed_expired(session: Session, event: BedAssignmentExpired) -> None:
    service.deliver(
        session,
        accounts_service.account_ids_for(session, event.patient_id),
        template="bed_expired",
        params={"patient": patients_service.get(session, event.patient_id).name},
        dedupe_key=f"bed_expired:{event.notice_id}:{event.bed_id}",
        patient_id=event.patient_id,
        link=f"/phone/notices/{event.notice_id}",
    )


@subscribe(AdmissionRegistered)
def registered(session: Session, event: AdmissionRegistered) -> None:
    service.deliver(
        session,
        accounts_service.account_ids_for(session, event.patient_id),
        template="admission_registered",
        params={"patient": patients_service.get(session, event.patient_id).name},
        dedupe_key=f"registered:{event.notice_id}",
        patient_id=event.patient_id,
        link=f"/phone/deposit/{event.notice_id}",
    )


@subscribe(PatientAdmitted)
def admitted(session: Session, event: PatientAdmitted) -> None:
    params = _bed_params(session, event.patient_id, event.bed_id)
    params["inpatient_no"] = event.inpatient_no
    service.deliver(
        session,
        accounts_service.account_ids_for(session, event.patient_id),
        template="admitted",
        params=params,
        dedupe_key=f"admitted:{event.notice_id}",
        patient_id=event.patient_id,
        link=f"/phone/notices/{event.notice_id}",
    )


def _discharge(session: Session, notice_id: int) -> Discharge:
    return discharge_service.get(session, notice_id)


@subscribe(DischargeOrdered)
def discharge_ordered(session: Session, event: DischargeOrdered) -> None:
    service.deliver(
        session,
        accounts_service.account_ids_for(session, event.patient_id),
        template="discharge_ordered",
        params={"patient": patients_service.get(session, event.patient_id).name},
        # A revoked order ordered again is news again: the order time tells them apart.
        dedupe_key=f"discharge_ordered:{event.notice_id}:{_discharge(session, event.notice_id).ordered_at}",
        patient_id=event.patient_id,
        link=f"/phone/notices/{event.notice_id}",
    )


@subscribe(ReadyToSettle)
def ready_to_settle(session: Session, event: ReadyToSettle) -> None:
    service.deliver(
        session,
        accounts_service.account_ids_for(session, event.patient_id),
        template="ready_to_settle",
        params={"patient": patients_service.get(session, event.patient_id).name},
        dedupe_key=f"ready_to_settle:{event.notice_id}:{_discharge(session, event.notice_id).cleared_at}",
        patient_id=event.patient_id,
        link=f"/phone/stays/{event.notice_id}/settle",
    )


@subscribe(Settled)
def settled(session: Session, event: Settled) -> None:
    names = "、".join(CHANNEL_NAMES.get(c, c) for c in event.refund_channels)
    names_en = ", ".join(CHANNEL_NAMES_EN.get(c, c) for c in event.refund_channels)
    refund = f"退款 {format_yuan(event.refund_fen)} 将原路退回{names}。" if event.refund_fen else ""
    refund_en = (
        f"A refund of {format_yuan(event.refund_fen)} is on its way to {names_en}."
        if event.refund_fen
        else ""
    )
    service.deliver(
        session,
        accounts_service.account_ids_for(session, event.patient_id),
        template="settled",
        params={
            "patient": patients_service.get(session, event.patient_id).name,
            "refund": refund,
            "refund_en": refund_en,
        },
        dedupe_key=f"settled:{event.settlement_id}",
        patient_id=event.patient_id,
        link=f"/phone/stays/{event.notice_id}/settled",
    )


@subscribe(ReportReady)
def report_ready(session: Session, event: ReportReady) -> None:
    service.deliver(
        session,
        accounts_service.account_ids_for(session, event.patient_id),
        template="report_ready",
        params={"patient": patients_service.get(session, event.patient_id).name, "title": event.title},
        dedupe_key=f"report_ready:{event.report_id}",
        patient_id=event.patient_id,
        link=f"/phone/reports/{event.report_id}",
    )
