"""What Bedside needs from the fiscal e-invoice platform (财政电子票据平台), in its own words:
issue a medical bill for a business serial number, find a bill by that serial, reverse a bill
by a red-letter bill (冲红), read a bill's status. The client (client.py) speaks the
platform's wire protocol; callers never see it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol


class Failure(StrEnum):
    # Timeout, connection refused, 5xx, the platform's own system error: the bill may or may
    # not exist now; ask by serial number before issuing again.
    UNAVAILABLE = "unavailable"
    # App id, app key, signature, the agency's registration: the hospital's account.
    ACCOUNT = "account"
    # The bill content or a code in it was refused: as sent, it will never be issued.
    CONTENT = "content"
    # The agency has no bill numbers left in its batch: later, once finance issues more.
    STOCK = "stock"
    # The bill asked for does not exist at the platform.
    NOT_FOUND = "not_found"


class EInvoiceError(Exception):
    """A call the platform did not carry out; `code` is the platform's own result code. The
    platform's text is kept apart from str(): it may echo the bill (a payer's name), and
    str() reaches the logs."""

    def __init__(self, failure: Failure, code: str, message: str = "") -> None:
        super().__init__(code)
        self.failure = failure
        self.code = code
        self.platform_message = message

    def describe(self) -> str:
        """For the bill's record and the operator's console, not for logs."""
        text = f"{self.failure.value}: {self.code}"
        return f"{text} {self.platform_message}" if self.platform_message else text


@dataclass(frozen=True)
class ChargeGroup:
    """One item group of the bill (床位费, 西药费 ...), in fen."""

    code: str
    name: str
    amount_fen: int


@dataclass(frozen=True)
class BillRequest:
    """A medical bill as Bedside asks for it. Amounts are integer fen; the client writes yuan."""

    serial: str  # 业务流水号: unique per business, the platform's idempotency key
    kind: str  # inpatient | deposit
    issued_for: datetime  # the business time (settlement or payment)
    payer: str
    total_fen: int
    groups: tuple[ChargeGroup, ...] = ()
    gender: str = ""
    inpatient_no: str = ""
    department: str = ""
    admitted_on: date | None = None
    discharged_on: date | None = None
    insurance_type: str = ""
    insurance_no: str = ""
    fund_fen: int = 0
    other_fund_fen: int = 0
    personal_account_fen: int = 0
    cash_fen: int = 0
    self_pay_fen: int = 0
    deposit_fen: int = 0
    supplementary_fen: int = 0
    refund_fen: int = 0
    operator: str = ""
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Bill:
    """A bill as the platform numbered it: BillBatchCode (票据代码), BillNo (票据号码) and
    Random (校验码), the issue time and what its QR code carries (the platform's check page)."""

    batch_code: str
    number: str
    check_code: str
    issued_at: datetime
    qr_content: str
    serial: str = ""


@dataclass(frozen=True)
class BillStatus:
    bill: Bill
    reversed: bool
    red: Bill | None = None  # the red-letter bill, once reversed


class EInvoicePort(Protocol):
    endpoint: str

    def issue(self, request: BillRequest) -> Bill: ...

    def find_by_serial(self, serial: str) -> BillStatus | None: ...

    def red_letter(self, bill: Bill, reason: str, operator: str, at: datetime) -> Bill: ...

    def status(self, batch_code: str, number: str) -> BillStatus | None: ...

    def check(self) -> str:
        """An authenticated query that issues nothing; the answer says what was checked."""
        ...
