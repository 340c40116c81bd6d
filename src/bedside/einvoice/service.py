"""Issuing and reversing fiscal e-invoices. Each call to the platform is one attempt made
outside any patient transaction (from an outbox handler, or when a document is first asked
for); the attempt is committed before the call, so that after a timeout the next attempt asks
the platform by business serial first and never makes a second bill (the platform is
idempotent per serial, too)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bedside.core import audit
from bedside.core.audit import SYSTEM
from bedside.core.db import utcnow
from bedside.discharge.models import Settlement
from bedside.einvoice import content
from bedside.einvoice.client import EInvoiceConfig, FiscalEInvoiceClient
from bedside.einvoice.models import EInvoiceBill
from bedside.einvoice.port import Bill, BillRequest, BillStatus, EInvoiceError, EInvoicePort
from bedside.einvoice.states import BILL_MACHINE, BillState
from bedside.payments.models import PaymentOrder
from bedside.settings import Settings, get_settings

_client: EInvoicePort | None = None


def client_from_settings(settings: Settings) -> FiscalEInvoiceClient:
    return FiscalEInvoiceClient(
        EInvoiceConfig(
            endpoint=settings.einvoice_url,
            app_id=settings.einvoice_app_id,
            app_key=settings.einvoice_app_key,
            region_code=settings.einvoice_region_code,
            agency_code=settings.einvoice_agency_code,
            place_code=settings.einvoice_place_code,
            bill_types=dict(settings.einvoice_bill_types),
            payee=settings.hospital_name,
            version=settings.einvoice_version,
            timeout_seconds=settings.einvoice_timeout_seconds,
            connect_timeout_seconds=settings.einvoice_connect_timeout_seconds,
        )
    )


def set_client(client: EInvoicePort | None) -> None:
    """Replaces the configured client (tests give one with a short timeout)."""
    global _client
    _client = client


def _port() -> EInvoicePort:
    return _client or client_from_settings(get_settings())


def enabled(business: str) -> bool:
    settings = get_settings()
    return bool(settings.einvoice_url) and business in settings.einvoice_issue_set


def bill_for_settlement(session: Session, settlement_id: int) -> EInvoiceBill | None:
    return session.scalar(
        select(EInvoiceBill).where(EInvoiceBill.serial == content.settlement_serial(settlement_id))
    )


def bills_for_notice(session: Session, notice_id: int) -> list[EInvoiceBill]:
    return list(
        session.scalars(
            select(EInvoiceBill).where(EInvoiceBill.notice_id == notice_id).order_by(EInvoiceBill.id)
        )
    )


def issued_bill(row: EInvoiceBill) -> Bill | None:
    if row.state not in (BillState.ISSUED, BillState.REVERSED):
        return None
    if not (row.number and row.batch_code and row.check_code and row.issued_at):
        return None
    return Bill(row.batch_code, row.number, row.check_code, row.issued_at, row.qr_content or "", row.serial)


def _move(session: Session, row: EInvoiceBill, action: str, number: str = "") -> None:
    """Every change of a bill's state goes through the table and is audited (the numbers are
    the platform's, not personal data)."""
    old = BillState(row.state)
    row.state = BILL_MACHINE.next_state(old, action)
    audit.record(
        session,
        SYSTEM,
        f"einvoice.{action}",
        "einvoice_bill",
        row.id,
        old=old.value,
        new=row.state,
        number=number,
    )


def _row(session: Session, serial: str, **values: object) -> EInvoiceBill:
    """The bill's row, made (and committed) on first use."""
    row = session.scalar(select(EInvoiceBill).where(EInvoiceBill.serial == serial))
    if row is not None:
        return row
    row = EInvoiceBill(serial=serial, **values)
    session.add(row)
    try:
        session.commit()
    except IntegrityError:  # made at the same moment by another worker or request
        session.rollback()
        return _row(session, serial, **values)
    return row


def _record(session: Session, row: EInvoiceBill, bill: Bill) -> None:
    row.batch_code, row.number, row.check_code = bill.batch_code, bill.number, bill.check_code
    row.issued_at, row.qr_content, row.last_error = bill.issued_at, bill.qr_content[:500], None


def _record_red(session: Session, row: EInvoiceBill, red: Bill, reason: str) -> None:
    row.red_batch_code, row.red_number, row.red_check_code = red.batch_code, red.number, red.check_code
    row.red_issued_at, row.red_qr_content = red.issued_at, red.qr_content[:500]
    row.reversal_reason = reason[:300]
    _move(session, row, "red_letter", number=f"{red.batch_code}{red.number}")


def _failed(session: Session, row_id: int, exc: EInvoiceError) -> None:
    session.rollback()
    row = session.get(EInvoiceBill, row_id)
    if row is not None:
        row.last_error = exc.describe()[:300]
        session.commit()


def _issue(
    session: Session, row: EInvoiceBill, request: BillRequest, *, business_reversed: bool
) -> EInvoiceBill:
    port = _port()
    row_id = row.id
    try:
        found: BillStatus | None = port.find_by_serial(row.serial) if row.attempts else None
        if found is None and business_reversed:
            _move(session, row, "void")  # reversed before it was ever issued: it never will be
            session.commit()
            return row
        if found is None:
            row.attempts += 1
            session.commit()  # the attempt is on record before the platform can make the bill
            bill = port.issue(request)
        else:
            bill = found.bill
    except EInvoiceError as exc:
        _failed(session, row_id, exc)
        raise
    row = session.get(EInvoiceBill, row_id, populate_existing=True) or row
    if row.state in (BillState.ISSUED, BillState.REVERSED):
        return row  # the other attempt (handler or page) recorded the same bill first
    if row.state == BillState.VOID:  # reversed while the platform was answering: reverse it too
        _move(session, row, "late_issue")
    _record(session, row, bill)
    _move(session, row, "issue", number=f"{bill.batch_code}{bill.number}")
    if found is not None and found.reversed and found.red is not None:
        _record_red(session, row, found.red, "reversed at the platform")
    session.commit()
    return row


def issue_for_settlement(session: Session, settlement_id: int) -> EInvoiceBill | None:
    """The settlement's bill, issued if it is not yet; None when the hospital issues none."""
    if not enabled("settlement"):
        return None
    st = session.get(Settlement, settlement_id)
    if st is None:
        return None
    row = _row(
        session,
        content.settlement_serial(st.id),
        kind="inpatient",
        notice_id=st.notice_id,
        settlement_id=st.id,
        total_fen=st.total_fen,
    )
    reversed_ = st.state == "reversed"
    if row.state == BillState.PENDING:
        row = _issue(session, row, content.settlement_request(session, st), business_reversed=reversed_)
    if reversed_ and row.state == BillState.ISSUED:  # issued late, after the reversal's handler ran
        return red_letter_for_settlement(session, st.id, st.reversal_reason or "")
    return row


def issue_for_payment(session: Session, order_id: int) -> EInvoiceBill | None:
    """A deposit receipt bill, for hospitals that issue them through the platform."""
    if not enabled("deposit"):
        return None
    order = session.get(PaymentOrder, order_id)
    if order is None or order.channel_trade_no is None:
        return None
    from bedside.deposits.models import DepositAccount

    account = session.get(DepositAccount, order.account_id)
    if account is None:
        return None
    row = _row(
        session,
        content.payment_serial(order.id),
        kind="deposit",
        notice_id=account.notice_id,
        payment_order_id=order.id,
        total_fen=order.amount_fen,
    )
    if row.state != BillState.PENDING:
        return row
    return _issue(
        session, row, content.payment_request(session, order, account.notice_id), business_reversed=False
    )


def ensure_issued(session: Session, settlement: Settlement) -> EInvoiceBill | None:
    """For a page asking before the outbox handler ran: one attempt, never an error page."""
    try:
        return issue_for_settlement(session, settlement.id)
    except EInvoiceError:
        return bill_for_settlement(session, settlement.id)


def red_letter_for_settlement(session: Session, settlement_id: int, reason: str) -> EInvoiceBill | None:
    """Reverses the settlement's bill by a red-letter bill (冲红). A bill never issued is made
    void, so that a late retry of the issue cannot make one."""
    st = session.get(Settlement, settlement_id)
    if st is None or not get_settings().einvoice_url:
        return None
    row = _row(
        session,
        content.settlement_serial(st.id),
        kind="inpatient",
        notice_id=st.notice_id,
        settlement_id=st.id,
        total_fen=st.total_fen,
    )
    if row.state in (BillState.REVERSED, BillState.VOID):
        return row
    port, row_id = _port(), row.id
    try:
        if row.state == BillState.PENDING:
            found = port.find_by_serial(row.serial) if row.attempts else None
            if found is None:
                _move(session, row, "void")
                session.commit()
                return row
            _record(session, row, found.bill)
            _move(session, row, "issue", number=f"{found.bill.batch_code}{found.bill.number}")
            if found.reversed and found.red is not None:
                _record_red(session, row, found.red, reason)
                session.commit()
                return row
        bill = issued_bill(row)
        if bill is None:
            return row
        row.attempts += 1
        session.commit()
        red = port.red_letter(bill, reason, get_settings().einvoice_operator, utcnow())
    except EInvoiceError as exc:
        _failed(session, row_id, exc)
        raise
    row = session.get(EInvoiceBill, row_id, populate_existing=True) or row
    if row.state == BillState.REVERSED:
        return row  # recorded meanwhile by another worker: the platform gave it the same red letter
    _record_red(session, row, red, reason)
    session.commit()
    return row
