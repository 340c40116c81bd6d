"""The settlement's documents — medical e-invoice, fee list, insurance settlement list — made
once from the settlement and the stay, signed by the hospital's certificate, and stored with the
SHA-256 of the signed bytes so they can be fetched again and a copy can be checked on the
verification page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bedside.admissions import service as notices
from bedside.charges import service as charges_service
from bedside.core.auth import keyed_digest
from bedside.core.clock import local_today
from bedside.core.errors import NotFound
from bedside.core.i18n import N_
from bedside.deposits import service as deposits_service
from bedside.discharge.models import DischargeDocument, Settlement
from bedside.documents import certificates, signing
from bedside.documents import discharge as pdfs
from bedside.hospital import service as hospital_service
from bedside.patients import service as patients_service
from bedside.payments.models import PaymentOrder
from bedside.settings import get_settings

KINDS = ("e_invoice", "fee_list", "settlement_list")
# The receipt groups of an inpatient medical e-invoice, by charge category.
GROUPS = {
    "western_drug": "西药费",
    "chinese_patent_drug": "中成药费",
    "herbal": "中药饮片",
    "exam": "检查费",
    "lab": "化验费",
    "treatment": "治疗费",
    "surgery": "手术费",
    "bed": "床位费",
    "nursing": "护理费",
    "material": "卫生材料费",
    "other": "其他",
}
INSURANCE_NAMES = {
    "self_pay": "自费",
    "employee": "职工医保",
    "resident": "居民医保",
    "out_of_region": "异地医保",
    "commercial": "商业保险",
}
# 票据代码: region (43, Hunan), category (04, medical), type (01, inpatient), year.
INVOICE_CODE_HEAD = "430401"


def _check_code(number: str) -> str:
    return keyed_digest(get_settings().secret_key, f"invoice:{number}")[:6].upper()


def _paid_by_purpose(session: Session, account_id: int, purpose: str) -> int:
    total = session.scalar(
        select(func.coalesce(func.sum(PaymentOrder.amount_fen), 0)).where(
            PaymentOrder.account_id == account_id,
            PaymentOrder.purpose == purpose,
            PaymentOrder.channel_trade_no.is_not(None),
        )
    )
    return int(total or 0)


def documents(session: Session, settlement: Settlement) -> dict[str, DischargeDocument]:
    """The three documents, made on first request."""
    rows = {
        d.kind: d
        for d in session.scalars(
            select(DischargeDocument).where(DischargeDocument.settlement_id == settlement.id)
        )
    }
    if len(rows) == len(KINDS):
        return rows
    made = _make(session, settlement, rows)
    try:
        session.commit()
    except IntegrityError:  # made at the same moment by another request: read theirs
        session.rollback()
        return documents(session, settlement)
    return made


def _make(
    session: Session, st: Settlement, have: dict[str, DischargeDocument]
) -> dict[str, DischargeDocument]:
    notice = notices.get(session, st.notice_id)
    patient = patients_service.get(session, notice.patient_id)
    dept = hospital_service.get_department(session, notice.department_id)
    account = deposits_service.account_for_notice(session, notice.patient_id, notice.id)
    settings = get_settings()
    # Before anything is drawn: without the hospital's certificate nothing is issued at all.
    identity = certificates.hospital_identity(settings)
    admitted_on = notice.admitted_at.astimezone(settings.tz).date() if notice.admitted_at else local_today()
    discharged_on = st.settled_at.astimezone(settings.tz).date()
    summary = charges_service.summary(session, notice.id)
    base = settings.base_url.rstrip("/")
    out = dict(have)
    year = f"{discharged_on:%y}"
    for kind in KINDS:
        if kind in out:
            continue
        if kind == "e_invoice":
            seq = (
                session.scalar(
                    select(func.count()).select_from(DischargeDocument).where(DischargeDocument.kind == kind)
                )
                or 0
            ) + 1
            number = f"{INVOICE_CODE_HEAD}{year}{seq:010d}"
        else:
            number = f"{'FL' if kind == 'fee_list' else 'SL'}{st.id:010d}"
        check = _check_code(number)
        url = f"{base}/verify/{number}"
        if kind == "e_invoice":
            pdf = pdfs.invoice_pdf(
                pdfs.EInvoice(
                    hospital_name=settings.hospital_name,
                    invoice_code=number[:8],
                    invoice_no=number[8:],
                    check_code=check,
                    issued_at=st.settled_at,
                    payer_name=patient.name,
                    patient_gender="男" if patient.gender == "M" else "女",
                    inpatient_no=notice.inpatient_no or "",
                    department=dept.name,
                    admitted_on=admitted_on,
                    discharged_on=discharged_on,
                    items=tuple(
                        pdfs.InvoiceItem(group=GROUPS.get(c, "其他"), amount_fen=v)
                        for c, v in sorted(summary.by_category.items())
                        if v > 0
                    ),
                    total_fen=st.total_fen,
                    deposit_fen=_paid_by_purpose(session, account.id, "deposit")
                    + _paid_by_purpose(session, account.id, "topup"),
                    supplementary_fen=_paid_by_purpose(session, account.id, "supplementary_payment"),
                    refund_fen=st.refund_fen,
                    insurance_type=INSURANCE_NAMES.get(st.insurance_type or "self_pay", "自费"),
                    insurance_no=notice.insurance_no or "",
                    fund_fen=st.fund_fen,
                    personal_account_fen=st.personal_account_fen,
                    cash_fen=st.cash_fen,
                    self_pay_fen=int(st.split.get("class_c_fen", st.total_fen if not st.setl_id else 0)),
                    verify_url=url,
                )
            )
        elif kind == "fee_list":
            pdf = pdfs.fee_list_pdf(
                pdfs.FeeList(
                    hospital_name=settings.hospital_name,
                    patient_name=patient.name,
                    inpatient_no=notice.inpatient_no or "",
                    department=dept.name,
                    admitted_on=admitted_on,
                    discharged_on=discharged_on,
                    lines=tuple(
                        pdfs.FeeLine(
                            service_date=c.service_date,
                            code=c.code,
                            name=c.name,
                            spec=c.spec or "",
                            category=GROUPS.get(c.category, "其他"),
                            insurance_class=c.insurance_class,
                            unit_price_fen=c.unit_price_fen,
                            quantity=_quantity(c.quantity_milli),
                            amount_fen=c.amount_fen,
                        )
                        for c in charges_service.lines(session, notice.id)
                    ),
                    total_fen=summary.total_fen,
                    verify_url=url,
                )
            )
        else:
            split = st.split
            pdf = pdfs.settlement_list_pdf(
                pdfs.SettlementList(
                    hospital_name=settings.hospital_name,
                    patient_name=patient.name,
                    insurance_type=INSURANCE_NAMES.get(st.insurance_type or "self_pay", "自费"),
                    insurance_no=notice.insurance_no or "",
                    setl_id=st.setl_id or "-",
                    settled_at=st.settled_at,
                    total_fen=st.total_fen,
                    class_a_fen=int(split.get("class_a_fen", 0)),
                    class_b_fen=int(split.get("class_b_fen", 0)),
                    class_c_fen=int(split.get("class_c_fen", 0)),
                    b_self_fen=int(split.get("b_self_fen", 0)),
                    deductible_fen=int(split.get("deductible_fen", 0)),
                    fund_fen=st.fund_fen,
                    personal_account_fen=st.personal_account_fen,
                    cash_fen=st.cash_fen,
                    over_cap_fen=int(split.get("over_cap_fen", 0)),
                    verify_url=url,
                )
            )
        pdf = signing.sign_pdf(pdf, identity)
        row = DischargeDocument(
            settlement_id=st.id,
            kind=kind,
            number=number,
            check_code=check,
            sha256=signing.document_hash(pdf),
            pdf=pdf,
        )
        session.add(row)
        session.flush()
        out[kind] = row
    return out


def _quantity(milli: int) -> str:
    whole, frac = divmod(abs(milli), 1000)
    text = f"{whole}.{frac:03d}".rstrip("0").rstrip(".")
    return f"-{text}" if milli < 0 else text


def by_number(session: Session, number: str) -> DischargeDocument:
    row = session.scalar(select(DischargeDocument).where(DischargeDocument.number == number[:40]))
    if row is None:
        raise NotFound(N_("No document has this number."), code="document_not_found")
    return row


@dataclass(frozen=True)
class Verdict:
    """What the verification page says about a copy: `reason` is a `signing.Outcome` value, or
    "not_issued" for a file the hospital signed that is not the document with this number."""

    genuine: bool
    reason: str
    signer: str | None = None
    signed_at: datetime | None = None


def check_copy(session: Session, number: str, pdf: bytes) -> Verdict:
    """Genuine only if the hospital's certificate signed the whole file and the file is the one
    issued under this number. The signature is what a forger cannot redo: someone who changes a
    document and recomputes its hash (in the file or in the database) still fails it."""
    row = by_number(session, number)
    check = signing.check_signature(pdf, certificates.hospital_trust(get_settings()))
    if not check.valid:
        return Verdict(False, check.outcome.value, check.signer, check.signed_at)
    digest = signing.document_hash(pdf)
    issued = digest == row.sha256 and signing.document_hash(row.pdf) == row.sha256
    return Verdict(issued, "genuine" if issued else "not_issued", check.signer, check.signed_at)
