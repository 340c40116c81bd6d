"""The settlement's documents — medical e-invoice, fee list, insurance settlement list — made
once from the settlement and the stay, signed by the hospital's certificate, and stored with the
SHA-256 of the signed bytes so they can be fetched again and a copy can be checked on the
verification page."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bedside.admissions import service as notices
from bedside.charges import service as charges_service
from bedside.core.auth import keyed_digest
from bedside.core.clock import local_today
from bedside.core.errors import Conflict, NotFound
from bedside.core.i18n import N_
from bedside.discharge.models import DischargeDocument, Settlement
from bedside.documents import certificates, signing
from bedside.documents import discharge as pdfs
from bedside.einvoice import content as einvoice_content
from bedside.einvoice import service as einvoice_service
from bedside.einvoice.port import Bill
from bedside.hospital import service as hospital_service
from bedside.patients import service as patients_service
from bedside.settings import get_settings

KINDS = ("e_invoice", "fee_list", "settlement_list")
GROUPS = pdfs.CATEGORY_GROUPS
INSURANCE_NAMES = pdfs.INSURANCE_NAMES


def _check_code(number: str) -> str:
    return keyed_digest(get_settings().secret_key, f"invoice:{number}")[:6].upper()


def documents(session: Session, settlement: Settlement) -> dict[str, DischargeDocument]:
    """The three documents, made on first request."""
    rows = {
        d.kind: d
        for d in session.scalars(
            # The discharge certificate shares the table but not this set (discharge/certificate.py).
            select(DischargeDocument).where(
                DischargeDocument.settlement_id == settlement.id, DischargeDocument.kind.in_(KINDS)
            )
        )
    }
    if len(rows) == len(KINDS):
        return rows
    bill = _platform_bill(session, settlement) if "e_invoice" not in rows else None
    made = _make(session, settlement, rows, bill)
    try:
        session.commit()
    except IntegrityError:  # made at the same moment by another request: read theirs
        session.rollback()
        return documents(session, settlement)
    return made


def _platform_bill(session: Session, st: Settlement) -> Bill | None:
    """The platform's bill for this settlement: issued by the outbox handler, or now, once, if
    the patient asks first. None while the platform has not numbered it (or none is issued)."""
    row = einvoice_service.bill_for_settlement(session, st.id)
    if row is None or row.state == "pending":
        row = einvoice_service.ensure_issued(session, st)
    return einvoice_service.issued_bill(row) if row is not None else None


def document(session: Session, settlement: Settlement, kind: str) -> DischargeDocument:
    """One document; the e-invoice answers 409 while the platform has not issued it yet."""
    made = documents(session, settlement)
    if kind not in made:
        raise Conflict(
            N_("The e-invoice is being issued by the fiscal e-invoice platform. Please try again shortly."),
            code="einvoice_pending",
        )
    return made[kind]


def _make(
    session: Session, st: Settlement, have: dict[str, DischargeDocument], bill: Bill | None
) -> dict[str, DischargeDocument]:
    notice = notices.get(session, st.notice_id)
    patient = patients_service.get(session, notice.patient_id)
    dept = hospital_service.get_department(session, notice.department_id)
    settings = get_settings()
    # Before anything is drawn: without the hospital's certificate nothing is issued at all.
    identity = certificates.hospital_identity(settings)
    admitted_on = notice.admitted_at.astimezone(settings.tz).date() if notice.admitted_at else local_today()
    discharged_on = st.settled_at.astimezone(settings.tz).date()
    summary = charges_service.summary(session, notice.id)
    base = settings.base_url.rstrip("/")
    out = dict(have)
    for kind in KINDS:
        if kind in out:
            continue
        if kind == "e_invoice":
            if bill is None:
                continue
            number, check = f"{bill.batch_code}{bill.number}", bill.check_code
        else:
            number = f"{'FL' if kind == 'fee_list' else 'SL'}{st.id:010d}"
            check = _check_code(number)
        url = f"{base}/verify/{number}"
        if kind == "e_invoice" and bill is not None:
            pdf = pdfs.invoice_pdf(_invoice(session, st, bill, url))
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
                    check_code=check,
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
                    check_code=check,
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


def _invoice(session: Session, st: Settlement, bill: Bill, url: str) -> pdfs.EInvoice:
    """The e-invoice as the platform numbered it, with the content the platform was sent."""
    req = einvoice_content.settlement_request(session, st)
    return pdfs.EInvoice(
        hospital_name=get_settings().hospital_name,
        invoice_code=bill.batch_code,
        invoice_no=bill.number,
        check_code=bill.check_code,
        issued_at=bill.issued_at,
        payer_name=req.payer,
        patient_gender=req.gender,
        inpatient_no=req.inpatient_no,
        department=req.department,
        admitted_on=req.admitted_on or bill.issued_at.date(),
        discharged_on=req.discharged_on or bill.issued_at.date(),
        items=tuple(pdfs.InvoiceItem(group=g.name, amount_fen=g.amount_fen) for g in req.groups),
        total_fen=req.total_fen,
        deposit_fen=req.deposit_fen,
        supplementary_fen=req.supplementary_fen,
        refund_fen=req.refund_fen,
        insurance_type=req.insurance_type,
        insurance_no=req.insurance_no,
        fund_fen=req.fund_fen,
        personal_account_fen=req.personal_account_fen,
        cash_fen=req.cash_fen,
        self_pay_fen=req.self_pay_fen,
        verify_url=url,
        platform_qr=bill.qr_content or url,
    )


def _quantity(milli: int) -> str:
    whole, frac = divmod(abs(milli), 1000)
    text = f"{whole}.{frac:03d}".rstrip("0").rstrip(".")
    return f"-{text}" if milli < 0 else text


def by_number_and_code(session: Session, number: str, code: str) -> DischargeDocument:
    """The document only for its number together with its printed check code: a wrong pair and an
    unknown number give the same answer, so the numbers (sequential for the lists) cannot be
    walked and the code is never told to someone who only has the number."""
    row = session.scalar(select(DischargeDocument).where(DischargeDocument.number == number.strip()[:40]))
    given = code.strip().upper().encode()[:40]
    # Compared even for an unknown number, so the timing does not tell the two apart.
    expected = (row.check_code if row is not None else "-").upper().encode()
    if not hmac.compare_digest(given, expected) or row is None:
        raise NotFound(N_("No document has this number and check code."), code="document_not_found")
    return row


@dataclass(frozen=True)
class Verdict:
    """What the verification page says about a copy: `reason` is a `signing.Outcome` value, or
    "not_issued" for a file the hospital signed that is not the document with this number."""

    genuine: bool
    reason: str
    signer: str | None = None
    signed_at: datetime | None = None


def check_copy(row: DischargeDocument, pdf: bytes) -> Verdict:
    """Genuine only if the hospital's certificate signed the whole file and the file is the one
    issued under this number. The signature is what a forger cannot redo: someone who changes a
    document and recomputes its hash (in the file or in the database) still fails it."""
    check = signing.check_signature(pdf, certificates.hospital_trust(get_settings()))
    if not check.valid:
        return Verdict(False, check.outcome.value, check.signer, check.signed_at)
    digest = signing.document_hash(pdf)
    issued = digest == row.sha256 and signing.document_hash(row.pdf) == row.sha256
    return Verdict(issued, "genuine" if issued else "not_issued", check.signer, check.signed_at)
