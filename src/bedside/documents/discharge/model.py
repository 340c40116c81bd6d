"""The discharge documents' data: frozen dataclasses whose amounts are integer fen, checked on
construction so that a renderer never prints a split that does not add up."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

# The inpatient item groups of the medical e-invoice, in the order the invoice prints them.
INPATIENT_GROUPS: tuple[str, ...] = (
    "床位费",
    "诊察费",
    "检查费",
    "化验费",
    "治疗费",
    "手术费",
    "护理费",
    "卫生材料费",
    "西药费",
    "中药饮片",
    "中成药费",
    "一般诊疗费",
    "其他",
)

# The receipt group of an inpatient medical e-invoice, by charge category.
CATEGORY_GROUPS: dict[str, str] = {
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
INSURANCE_NAMES: dict[str, str] = {
    "self_pay": "自费",
    "employee": "职工医保",
    "resident": "居民医保",
    "out_of_region": "异地医保",
    "commercial": "商业保险",
}

_INVOICE_CODE = re.compile(r"\d{8}")
_INVOICE_NO = re.compile(r"\d{10}")
_CHECK_CODE = re.compile(r"[0-9A-Za-z]{6}")
# A quantity is printed as the HIS sent it, so it must be a plain decimal: no exponent, no NaN.
_QUANTITY = re.compile(r"-?\d{1,9}(\.\d{1,4})?")


# --- data ----------------------------------------------------------------------------------------


def _require_fen(owner: object, *names: str, negative_ok: bool = False) -> None:
    for name in names:
        value = getattr(owner, name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} is integer fen, got {type(value).__name__}")
        if value < 0 and not negative_ok:
            raise ValueError(f"{name} cannot be negative")


def _require_aware(name: str, value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def _require_stay(admitted_on: date, discharged_on: date) -> None:
    if discharged_on < admitted_on:
        raise ValueError("discharged_on is before admitted_on")


@dataclass(frozen=True)
class InvoiceItem:
    group: str
    amount_fen: int

    def __post_init__(self) -> None:
        if self.group not in INPATIENT_GROUPS:
            raise ValueError(f"{self.group!r} is not an inpatient item group of the e-invoice")
        _require_fen(self, "amount_fen")


@dataclass(frozen=True)
class EInvoice:
    """A medical e-invoice for one inpatient stay, as the fiscal platform issued it: the
    platform's BillBatchCode (invoice_code), BillNo (invoice_no) and Random (check_code).

    The payment split must add up: fund + other funds + personal account + cash = total, and the
    items add up to the total. Items of the same group (two HIS categories that both fall under
    其他) are printed as one line. `self_pay_fen` is the patient's
    out-of-scope share (个人自费: class C items and over-cap amounts), printed for information.
    `other_fund_fen` covers serious-illness insurance, medical assistance and the like.
    """

    hospital_name: str
    invoice_code: str
    invoice_no: str
    check_code: str
    issued_at: datetime
    payer_name: str
    patient_gender: str
    inpatient_no: str
    department: str
    admitted_on: date
    discharged_on: date
    items: tuple[InvoiceItem, ...]
    total_fen: int
    deposit_fen: int
    supplementary_fen: int
    refund_fen: int
    insurance_type: str
    insurance_no: str
    fund_fen: int
    personal_account_fen: int
    cash_fen: int
    self_pay_fen: int
    verify_url: str
    other_fund_fen: int = 0
    # What the platform's QR code carries (its check page for this bill); the invoice prints
    # it as the main QR code, and Bedside's own verify_url beside it.
    platform_qr: str = ""

    def __post_init__(self) -> None:
        if not _INVOICE_CODE.fullmatch(self.invoice_code):
            raise ValueError("invoice_code is 8 digits")
        if not _INVOICE_NO.fullmatch(self.invoice_no):
            raise ValueError("invoice_no is 10 digits")
        if not _CHECK_CODE.fullmatch(self.check_code):
            raise ValueError("check_code is 6 letters or digits")
        _require_aware("issued_at", self.issued_at)
        _require_stay(self.admitted_on, self.discharged_on)
        object.__setattr__(self, "items", tuple(self.items))
        _require_fen(
            self,
            "total_fen",
            "deposit_fen",
            "supplementary_fen",
            "refund_fen",
            "fund_fen",
            "other_fund_fen",
            "personal_account_fen",
            "cash_fen",
            "self_pay_fen",
        )
        if sum(item.amount_fen for item in self.items) != self.total_fen:
            raise ValueError("the item groups do not add up to total_fen")
        paid = self.fund_fen + self.other_fund_fen + self.personal_account_fen + self.cash_fen
        if paid != self.total_fen:
            raise ValueError("fund, other funds, personal account and cash do not add up to total_fen")
        if not self.verify_url:
            raise ValueError("verify_url is required: the QR code is how the invoice is checked")


@dataclass(frozen=True)
class FeeLine:
    """One charge. A reversal (冲销) is a line with a negative quantity and amount."""

    service_date: date
    code: str
    name: str
    spec: str
    category: str
    insurance_class: str
    unit_price_fen: int
    quantity: str
    amount_fen: int

    def __post_init__(self) -> None:
        if not _QUANTITY.fullmatch(self.quantity):
            raise ValueError(f"quantity must be a plain decimal, got {self.quantity!r}")
        _require_fen(self, "unit_price_fen")
        _require_fen(self, "amount_fen", negative_ok=True)
        if not self.category.strip():
            raise ValueError("a fee line needs a category")


@dataclass(frozen=True)
class FeeList:
    hospital_name: str
    patient_name: str
    inpatient_no: str
    department: str
    admitted_on: date
    discharged_on: date
    lines: tuple[FeeLine, ...]
    total_fen: int
    verify_url: str
    # Printed beside the QR code: the verification page asks for it with the number.
    check_code: str = ""

    def __post_init__(self) -> None:
        _require_stay(self.admitted_on, self.discharged_on)
        object.__setattr__(self, "lines", tuple(self.lines))
        _require_fen(self, "total_fen", negative_ok=True)
        if sum(line.amount_fen for line in self.lines) != self.total_fen:
            raise ValueError("the fee lines do not add up to total_fen")
        if not self.verify_url:
            raise ValueError("verify_url is required")


@dataclass(frozen=True)
class SettlementList:
    """The summary of a 医疗保障基金结算清单, in the terms of the settlement (2304) output.

    class A/B/C are the amounts of the items in each insurance class; `b_self_fen` is the class B
    first self-pay share (preselfpay_amt), `over_cap_fen` the over-price-cap self-pay
    (overlmt_selfpay), `deductible_fen` the deductible paid this time (act_pay_dedc), `fund_fen`
    the pooled fund (hifp_pay) and `other_fund_fen` the other funds (serious illness, medical
    assistance, ...). Classes add up to the total; so do the funds, personal account and cash.
    """

    hospital_name: str
    patient_name: str
    insurance_type: str
    insurance_no: str
    setl_id: str
    settled_at: datetime
    total_fen: int
    class_a_fen: int
    class_b_fen: int
    class_c_fen: int
    b_self_fen: int
    deductible_fen: int
    fund_fen: int
    personal_account_fen: int
    cash_fen: int
    over_cap_fen: int
    verify_url: str
    other_fund_fen: int = 0
    check_code: str = ""

    def __post_init__(self) -> None:
        _require_aware("settled_at", self.settled_at)
        _require_fen(
            self,
            "total_fen",
            "class_a_fen",
            "class_b_fen",
            "class_c_fen",
            "b_self_fen",
            "deductible_fen",
            "fund_fen",
            "other_fund_fen",
            "personal_account_fen",
            "cash_fen",
            "over_cap_fen",
        )
        if self.class_a_fen + self.class_b_fen + self.class_c_fen != self.total_fen:
            raise ValueError("class A, B and C amounts do not add up to total_fen")
        paid = self.fund_fen + self.other_fund_fen + self.personal_account_fen + self.cash_fen
        if paid != self.total_fen:
            raise ValueError("fund, other funds, personal account and cash do not add up to total_fen")
        if not self.setl_id:
            raise ValueError("setl_id is required")
        if not self.verify_url:
            raise ValueError("verify_url is required")
