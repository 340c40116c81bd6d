"""Discharge documents as PDFs: the medical e-invoice (医疗收费电子票据), the itemised fee list
(住院费用明细清单) and the insurance settlement list (医疗保障基金结算清单).

All three take frozen dataclasses whose amounts are integer fen, print them in yuan via
`format_yuan`, embed the vendored CJK font, carry a QR code to the document's verify URL, and give
the same bytes for the same input (the creation date comes from the document, the producer is
fixed). The invoice and the settlement list carry the hospital's seal picture (`seal.seal_png`).

Tamper evidence. `document_hash` is the SHA-256 of the bytes handed out; `sign_pdf` adds a real
PDF signature (pyHanko, CMS with a self-signed certificate from `make_signing_identity`) that
`verify_pdf` checks: any change to the signed bytes, or anything appended after them, fails.
This is Bedside's tamper evidence only. It is not a fiscal seal: the legally binding seal of a
medical e-invoice is applied by the fiscal e-invoice platform (财政电子票据平台), and a patient's
reimbursement rests on that platform's copy, not on this PDF.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fpdf import FPDF
from fpdf.enums import Align, MethodReturnValue

from bedside.core.money import format_yuan
from bedside.core.pii import mask_card
from bedside.documents.fonts import register_font, renderable
from bedside.documents.qr import qr_png
from bedside.documents.receipts import CHINA_TZ, PRODUCER
from bedside.documents.seal import seal_png

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
    """A medical e-invoice for one inpatient stay, as the fiscal platform issued it.

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


# --- amounts in words ----------------------------------------------------------------------------

_DIGIT_WORDS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")
_SECTION_UNITS = ("", "万", "亿")


def amount_in_words(fen: int) -> str:
    """The amount in capital numerals as invoices print it (金额大写): 12345 -> '壹佰贰拾叁元肆角伍分'.

    Follows the 支付结算办法 conventions: '整' after a whole yuan, '零' between yuan and a fen
    amount with no jiao, one '零' for any run of zeros inside the yuan, '壹拾' rather than '拾'.
    """
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError("amounts are integer fen")
    if fen < 0:
        return "负" + amount_in_words(-fen)
    yuan, rest = divmod(fen, 100)
    jiao, cents = divmod(rest, 10)
    if yuan >= 10 ** (4 * len(_SECTION_UNITS)):
        raise ValueError("amount too large for capital numerals")
    if fen == 0:
        return "零元整"
    words = _yuan_words(yuan) + "元" if yuan else ""
    if rest == 0:
        return words + "整"
    if jiao:
        words += _DIGIT_WORDS[jiao] + "角"
    elif yuan:
        words += "零"
    if cents:
        words += _DIGIT_WORDS[cents] + "分"
    return words


def _yuan_words(yuan: int) -> str:
    digits = str(yuan)
    out: list[str] = []
    zeros_pending = False
    section_has_digit = False
    for i, ch in enumerate(digits):
        position = len(digits) - 1 - i
        digit = int(ch)
        if digit == 0:
            zeros_pending = True
        else:
            if zeros_pending:
                out.append("零")
                zeros_pending = False
            out.append(_DIGIT_WORDS[digit] + _SMALL_UNITS[position % 4])
            section_has_digit = True
        if position % 4 == 0:
            if section_has_digit:
                out.append(_SECTION_UNITS[position // 4])
            section_has_digit = False
    return "".join(out)


# --- drawing helpers -----------------------------------------------------------------------------

Color = tuple[int, int, int]
BLACK: Color = (0, 0, 0)
GREY: Color = (110, 110, 110)
RULE_GREY: Color = (150, 150, 150)
HEADER_FILL: Color = (236, 236, 236)
GROUP_FILL: Color = (246, 246, 246)
# E-invoices print their captions and rules in a brownish red, values in black.
FORM_COLOR: Color = (150, 62, 36)
MIN_FONT_PT = 4.5
# Portrait (width, height) in mm, given as numbers: fpdf2 changed its named A5 in 2.8.5 and warns.
A4 = (210.0, 297.0)
A5 = (148.0, 210.0)

_UNPRINTABLE = frozenset(("Cc", "Cf", "Cs", "Co", "Zl", "Zp"))


def _printable(text: str) -> str:
    cleaned = "".join(" " if unicodedata.category(ch) in _UNPRINTABLE else ch for ch in text)
    return renderable(cleaned.strip())


def _new_pdf(
    created: datetime, title: str, orientation: str = "P", page_format: tuple[float, float] = A4
) -> FPDF:
    pdf = FPDF(orientation=orientation, unit="mm", format=page_format)
    pdf.set_auto_page_break(False)
    pdf.set_creation_date(created)
    pdf.set_producer(PRODUCER)
    pdf.set_creator(PRODUCER)
    pdf.set_title(title)
    pdf.set_lang("zh-CN")
    pdf.set_font(register_font(pdf), size=9)
    return pdf


def _put(
    pdf: FPDF,
    x: float,
    y: float,
    w: float,
    h: float,
    text: str,
    size: float,
    *,
    align: Align = Align.L,
    color: Color = BLACK,
) -> None:
    """One line of text in a box, shrunk until it fits: a form's boxes have fixed sizes, and a
    long department or hospital name must not run into the next box."""
    text = _printable(text)
    pdf.set_font_size(size)
    while size > MIN_FONT_PT and pdf.get_string_width(text) + 2 * pdf.c_margin > w:
        size = max(MIN_FONT_PT, size - 0.5)
        pdf.set_font_size(size)
    pdf.set_text_color(color)
    pdf.set_xy(x, y)
    pdf.cell(w, h, text, align=align)


def _rect(pdf: FPDF, x: float, y: float, w: float, h: float, color: Color, fill: Color | None = None) -> None:
    pdf.set_draw_color(color)
    pdf.set_line_width(0.2)
    if fill is not None:
        pdf.set_fill_color(fill)
        pdf.rect(x, y, w, h, style="DF")
    else:
        pdf.rect(x, y, w, h)


def _image(pdf: FPDF, png: bytes, x: float, y: float, side: float) -> None:
    pdf.image(io.BytesIO(png), x=x, y=y, w=side, h=side)


def _qr(pdf: FPDF, url: str, x: float, y: float, side: float) -> None:
    # segno's PNG carries the 4-module quiet zone, so nothing else may be drawn inside it.
    _image(pdf, qr_png(url, scale=8), x, y, side)


def _local_time(moment: datetime) -> str:
    return moment.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S")


def _stay(admitted_on: date, discharged_on: date) -> str:
    return f"{admitted_on.isoformat()} 至 {discharged_on.isoformat()}"


def _insurance_no(number: str) -> str:
    return mask_card(number.strip()) or "—"


# --- the e-invoice -------------------------------------------------------------------------------

INVOICE_PAGE_W, INVOICE_PAGE_H = A5[1], A5[0]  # landscape
INVOICE_MARGIN = 8.0
INVOICE_WIDTH = INVOICE_PAGE_W - 2 * INVOICE_MARGIN
INVOICE_COLUMNS = 3
INVOICE_SEAL_MM = 30.0
INVOICE_QR_MM = 22.0
INVOICE_TITLE = "医疗收费电子票据"
INVOICE_NOTE = "本文件由医院自助服务系统生成，票据真伪以财政电子票据查验平台查验结果为准。"


def invoice_pdf(inv: EInvoice) -> bytes:
    """The e-invoice on A5 landscape, about the size of the fiscal platform's own e-invoice PDFs."""
    pdf = _new_pdf(inv.issued_at, f"{INVOICE_TITLE} {inv.invoice_code} {inv.invoice_no}", "L", A5)
    pdf.add_page()
    m, w = INVOICE_MARGIN, INVOICE_WIDTH

    _qr(pdf, inv.verify_url, m, 6.0, INVOICE_QR_MM)
    _put(pdf, m, 6.0 + INVOICE_QR_MM, INVOICE_QR_MM, 3.0, "扫码查验", 6, align=Align.C, color=FORM_COLOR)

    _put(pdf, m + 50, 9.0, w - 100, 9.0, INVOICE_TITLE, 17, align=Align.C, color=FORM_COLOR)
    pdf.set_draw_color(FORM_COLOR)
    pdf.set_line_width(0.3)
    middle = INVOICE_PAGE_W / 2
    for rule_y in (19.0, 20.0):
        pdf.line(middle - 30, rule_y, middle + 30, rule_y)

    head_x, head_w = 146.0, m + w - 146.0
    head = (("票据代码", inv.invoice_code), ("票据号码", inv.invoice_no), ("校验码", inv.check_code))
    for i, (caption, value) in enumerate(head):
        _caption_value(pdf, head_x, 8.0 + i * 5.5, head_w, 5.0, caption, value, 8.5)

    row_y = 33.0
    _caption_value(pdf, m + INVOICE_QR_MM + 4, row_y, 90, 5.0, "交款人", inv.payer_name, 9)
    _caption_value(pdf, head_x, row_y, head_w, 5.0, "开票日期", _local_time(inv.issued_at)[:10], 8.5)

    y = _invoice_items(pdf, inv, row_y + 6.0)
    y = _invoice_total(pdf, inv, y)
    y = _invoice_other(pdf, inv, y)

    # Far enough below the table that the seal stamped on the payee's name stays off the amounts.
    payee_y = y + 12.0
    _caption_value(pdf, m, payee_y, 110, 5.0, "收款单位（章）", inv.hospital_name, 9)
    # Stamped last, over the payee's name, as a real seal is pressed onto the printed form.
    seal_y = payee_y + 2.5 - INVOICE_SEAL_MM / 2
    _image(pdf, seal_png(inv.hospital_name), m + 26.0, seal_y, INVOICE_SEAL_MM)
    _put(pdf, m, INVOICE_PAGE_H - m - 3.5, w, 3.5, INVOICE_NOTE, 6, color=GREY)
    return bytes(pdf.output())


def _caption_value(
    pdf: FPDF, x: float, y: float, w: float, h: float, caption: str, value: str, size: float
) -> None:
    pdf.set_font_size(size)
    label = f"{caption}："
    label_w = pdf.get_string_width(label) + 2 * pdf.c_margin
    _put(pdf, x, y, label_w, h, label, size, color=FORM_COLOR)
    _put(pdf, x + label_w, y, w - label_w, h, value, size)


def _invoice_items(pdf: FPDF, inv: EInvoice, top: float) -> float:
    """The item groups in columns of (name, amount), filled top to bottom then left to right as
    fiscal e-invoices do; returns the y below the table."""
    m = INVOICE_MARGIN
    pair_w = INVOICE_WIDTH / INVOICE_COLUMNS
    name_w, amount_w = pair_w * 0.55, pair_w * 0.45
    header_h, row_h = 6.0, 5.5
    by_group: dict[str, int] = {}
    for item in inv.items:
        by_group[item.group] = by_group.get(item.group, 0) + item.amount_fen
    items = [(group, by_group[group]) for group in INPATIENT_GROUPS if group in by_group]
    rows = max(1, math.ceil(len(items) / INVOICE_COLUMNS))

    for col in range(INVOICE_COLUMNS):
        x = m + col * pair_w
        _rect(pdf, x, top, name_w, header_h, FORM_COLOR)
        _rect(pdf, x + name_w, top, amount_w, header_h, FORM_COLOR)
        _put(pdf, x, top, name_w, header_h, "项目名称", 8.5, align=Align.C, color=FORM_COLOR)
        _put(pdf, x + name_w, top, amount_w, header_h, "金额（元）", 8.5, align=Align.C, color=FORM_COLOR)
    body_top = top + header_h
    _rect(pdf, m, body_top, INVOICE_WIDTH, rows * row_h, FORM_COLOR)
    for col in range(1, INVOICE_COLUMNS):
        x = m + col * pair_w
        pdf.line(x, body_top, x, body_top + rows * row_h)
    for i, (group, amount_fen) in enumerate(items):
        col, row = divmod(i, rows)
        x, y = m + col * pair_w, body_top + row * row_h
        amount = format_yuan(amount_fen, symbol=False)
        _put(pdf, x, y, name_w, row_h, group, 9, align=Align.C)
        _put(pdf, x + name_w, y, amount_w, row_h, amount, 9, align=Align.R)
    return body_top + rows * row_h


def _invoice_total(pdf: FPDF, inv: EInvoice, top: float) -> float:
    m, w, h = INVOICE_MARGIN, INVOICE_WIDTH, 7.0
    _rect(pdf, m, top, w, h, FORM_COLOR)
    caption_w = 30.0
    _put(pdf, m, top, caption_w, h, "金额合计（大写）", 8.5, color=FORM_COLOR)
    _put(pdf, m + caption_w, top, w * 0.55, h, amount_in_words(inv.total_fen), 9.5)
    small_x = m + w * 0.68
    _put(pdf, small_x, top, 16.0, h, "（小写）", 8.5, color=FORM_COLOR)
    _put(pdf, small_x + 16.0, top, m + w - small_x - 16.0, h, format_yuan(inv.total_fen), 10.5)
    return top + h


def _invoice_other(pdf: FPDF, inv: EInvoice, top: float) -> float:
    m, w = INVOICE_MARGIN, INVOICE_WIDTH
    rows: list[list[tuple[str, str]]] = [
        [("性别", inv.patient_gender), ("住院号", inv.inpatient_no), ("住院科别", inv.department)],
        [
            ("住院时间", _stay(inv.admitted_on, inv.discharged_on)),
            ("医保类型", inv.insurance_type or "—"),
            ("医保编号", _insurance_no(inv.insurance_no)),
        ],
        [
            ("预缴金额", format_yuan(inv.deposit_fen)),
            ("补缴金额", format_yuan(inv.supplementary_fen)),
            ("退费金额", format_yuan(inv.refund_fen)),
        ],
        [
            ("医保统筹基金支付", format_yuan(inv.fund_fen)),
            ("其他支付", format_yuan(inv.other_fund_fen)),
            ("个人账户支付", format_yuan(inv.personal_account_fen)),
        ],
        [("个人现金支付", format_yuan(inv.cash_fen)), ("个人自费", format_yuan(inv.self_pay_fen))],
    ]
    label_w, row_h, pad = 14.0, 4.8, 1.0
    height = len(rows) * row_h + 2 * pad
    _rect(pdf, m, top, w, height, FORM_COLOR)
    pdf.line(m + label_w, top, m + label_w, top + height)
    _put(pdf, m, top + height / 2 - 5.0, label_w, 5.0, "其他", 8.5, align=Align.C, color=FORM_COLOR)
    _put(pdf, m, top + height / 2, label_w, 5.0, "信息", 8.5, align=Align.C, color=FORM_COLOR)
    cell_w = (w - label_w - 2) / 3
    for r, row in enumerate(rows):
        for c, (caption, value) in enumerate(row):
            x = m + label_w + 1 + c * cell_w
            _caption_value(pdf, x, top + pad + r * row_h, cell_w, row_h, caption, value, 7.5)
    return top + height


# --- the fee list --------------------------------------------------------------------------------

A4_WIDTH, A4_HEIGHT = A4
LIST_MARGIN = 12.0
LIST_WIDTH = A4_WIDTH - 2 * LIST_MARGIN
FOOTER_Y = A4_HEIGHT - 10.0
# Rows stop here, leaving room for the page footer.
BODY_BOTTOM = A4_HEIGHT - 16.0
TABLE_PT = 7.5
# National medical insurance item codes run to 23 characters; at this size they fit one line.
CODE_PT = 6.3
LINE_MM = 3.4
ROW_PAD = 0.8
CELL_MARGIN = 0.8
FEE_LIST_TITLE = "住院费用明细清单"
CONTINUED = "（续）"
LIST_QR_MM = 26.0
# The QR code and the note beside it, below the grand total.
CLOSING_MM = LIST_QR_MM + 8.0


@dataclass(frozen=True)
class _Column:
    caption: str
    width: float
    align: Align
    size: float = TABLE_PT


# Widths add up to LIST_WIDTH.
FEE_COLUMNS: tuple[_Column, ...] = (
    _Column("日期", 17.0, Align.C),
    _Column("项目编码", 32.0, Align.L, CODE_PT),
    _Column("项目名称", 45.0, Align.L),
    _Column("规格", 20.0, Align.L),
    _Column("医保类别", 13.0, Align.C),
    _Column("单价（元）", 19.0, Align.R),
    _Column("数量", 14.0, Align.R),
    _Column("金额（元）", 26.0, Align.R),
)
_HEADER_COLUMNS = tuple(_Column(col.caption, col.width, Align.C) for col in FEE_COLUMNS)
_GROUP_COLUMNS = (_Column("", LIST_WIDTH, Align.L),)
_TOTAL_COLUMNS = (
    _Column("", LIST_WIDTH - FEE_COLUMNS[-1].width, Align.R),
    _Column("", FEE_COLUMNS[-1].width, Align.R),
)
_GRAND_TOTAL_COLUMNS = tuple(_Column("", col.width, col.align, 9.0) for col in _TOTAL_COLUMNS)


def fee_list_pdf(fl: FeeList) -> bytes:
    """The itemised fee list on A4, grouped by category with a subtotal after each, a grand total,
    and the table header repeated on every page above "第 x 页 共 y 页"."""
    created = datetime.combine(fl.discharged_on, time(0), tzinfo=CHINA_TZ)
    pdf = _new_pdf(created, f"{FEE_LIST_TITLE} {fl.inpatient_no}")
    pdf.c_margin = CELL_MARGIN
    pages = _FeePages(pdf, fl)
    pages.start()

    grand_total = ["合计", format_yuan(fl.total_fen)]
    categories = _by_category(fl.lines)
    for n, (category, lines) in enumerate(categories):
        subtotal = [f"{category} 小计", format_yuan(sum(line.amount_fen for line in lines), symbol=False)]
        # The last line keeps its subtotal (and, at the very end, the grand total) on its page.
        closing_rows = pages.height(subtotal, _TOTAL_COLUMNS)
        if n == len(categories) - 1:
            closing_rows += pages.height(grand_total, _GRAND_TOTAL_COLUMNS) + CLOSING_MM
        # A category's header never sits alone at the foot of a page.
        first = pages.height(_fee_cells(lines[0])) + (closing_rows if len(lines) == 1 else 0)
        pages.ensure(pages.height([category], _GROUP_COLUMNS) + first)
        pages.row([category], _GROUP_COLUMNS, GROUP_FILL)
        for i, line in enumerate(lines):
            cells = _fee_cells(line)
            needed = pages.height(cells)
            if i == len(lines) - 1:
                needed += closing_rows
            if not pages.fits(needed):
                pages.start(continuing=category)
            pages.row(cells)
        pages.row(subtotal, _TOTAL_COLUMNS)

    pages.ensure(pages.height(grand_total, _GRAND_TOTAL_COLUMNS) + CLOSING_MM)
    pages.row(grand_total, _GRAND_TOTAL_COLUMNS)
    pages.closing(fl.verify_url)
    return bytes(pdf.output())


def _by_category(lines: Sequence[FeeLine]) -> list[tuple[str, list[FeeLine]]]:
    """Categories in the e-invoice's group order, any others after them in the order first seen;
    lines keep their order inside a category."""
    grouped: dict[str, list[FeeLine]] = {}
    for line in lines:
        grouped.setdefault(line.category.strip(), []).append(line)
    known = [g for g in INPATIENT_GROUPS if g in grouped]
    others = [g for g in grouped if g not in INPATIENT_GROUPS]
    return [(g, grouped[g]) for g in known + others]


def _fee_cells(line: FeeLine) -> list[str]:
    return [
        line.service_date.isoformat(),
        line.code,
        line.name,
        line.spec,
        line.insurance_class,
        format_yuan(line.unit_price_fen, symbol=False),
        line.quantity,
        format_yuan(line.amount_fen, symbol=False),
    ]


class _FeePages:
    """Page state of the fee list: where the next row goes, and what every new page starts with."""

    def __init__(self, pdf: FPDF, fl: FeeList) -> None:
        self.pdf = pdf
        self.fl = fl
        self.y = 0.0

    def start(self, continuing: str | None = None) -> None:
        """A new page: heading, patient, footer, the table header, and the category being
        continued, so a page torn off the rest still says whose charges these are."""
        pdf, fl = self.pdf, self.fl
        pdf.add_page()
        m, w = LIST_MARGIN, LIST_WIDTH
        _put(pdf, m, 10.0, w, 6.0, fl.hospital_name, 11, align=Align.C)
        _put(pdf, m, 16.5, w, 8.0, FEE_LIST_TITLE, 15, align=Align.C)
        info = (
            f"姓名：{_printable(fl.patient_name)}    住院号：{_printable(fl.inpatient_no)}    "
            f"科室：{_printable(fl.department)}    住院时间：{_stay(fl.admitted_on, fl.discharged_on)}"
        )
        _put(pdf, m, 26.0, w, 5.0, info, 8.5)
        # fpdf2 replaces the alias with the page count when it writes the document.
        page_label = f"第 {pdf.page_no()} 页 共 {pdf.str_alias_nb_pages} 页"
        _put(pdf, m, FOOTER_Y, w, 4.0, page_label, 8, align=Align.C)
        self.y = 32.0
        self.row([col.caption for col in FEE_COLUMNS], _HEADER_COLUMNS, HEADER_FILL)
        if continuing is not None:
            self.row([continuing + CONTINUED], _GROUP_COLUMNS, GROUP_FILL)

    def fits(self, height: float) -> bool:
        return self.y + height <= BODY_BOTTOM

    def ensure(self, height: float) -> None:
        if not self.fits(height):
            self.start()

    def height(self, cells: Sequence[str], columns: Sequence[_Column] = FEE_COLUMNS) -> float:
        tallest = max(
            len(self._wrapped(_printable(text), col)) for text, col in zip(cells, columns, strict=True)
        )
        return tallest * LINE_MM + 2 * ROW_PAD

    def row(
        self, cells: Sequence[str], columns: Sequence[_Column] = FEE_COLUMNS, fill: Color | None = None
    ) -> None:
        pdf = self.pdf
        texts = [_printable(text) for text in cells]
        height = self.height(texts, columns)
        pdf.set_text_color(BLACK)
        x = LIST_MARGIN
        for text, col in zip(texts, columns, strict=True):
            _rect(pdf, x, self.y, col.width, height, RULE_GREY, fill)
            lines = len(self._wrapped(text, col))
            pdf.set_xy(x, self.y + (height - lines * LINE_MM) / 2)
            pdf.multi_cell(col.width, LINE_MM, text, align=col.align)
            x += col.width
        self.y += height

    def closing(self, verify_url: str) -> None:
        side = LIST_QR_MM
        pdf = self.pdf
        x = LIST_MARGIN + LIST_WIDTH - side
        _qr(pdf, verify_url, x, self.y + 4.0, side)
        _put(pdf, x, self.y + 4.0 + side, side, 3.5, "扫码核验", 7, align=Align.C, color=GREY)
        note = "本清单按费用类别分组列出住院期间全部收费项目；如有疑问请咨询住院收费处。"
        _put(pdf, LIST_MARGIN, self.y + 4.0, LIST_WIDTH - side - 4.0, 4.0, note, 7.5, color=GREY)

    def _wrapped(self, text: str, col: _Column) -> list[str]:
        self.pdf.set_font_size(col.size)
        lines = self.pdf.multi_cell(col.width, LINE_MM, text, dry_run=True, output=MethodReturnValue.LINES)
        if not isinstance(lines, list):  # fpdf2 types the return as a union over all `output` modes
            raise TypeError("multi_cell(output=LINES) did not return lines")
        return lines or [""]


# --- the settlement list -------------------------------------------------------------------------

SETTLEMENT_TITLE = "医疗保障基金结算清单"
SETTLEMENT_SEAL_MM = 36.0
SETTLEMENT_SEAL_LABEL = "医疗保险专用章"
SETTLEMENT_QR_MM = 28.0


def settlement_list_pdf(sl: SettlementList) -> bytes:
    """The settlement summary on A4: who, which scheme, and how the total was split."""
    pdf = _new_pdf(sl.settled_at, f"{SETTLEMENT_TITLE} {sl.setl_id}")
    pdf.add_page()
    m, w = LIST_MARGIN, LIST_WIDTH
    _put(pdf, m, 14.0, w, 10.0, SETTLEMENT_TITLE, 17, align=Align.C)

    y = 30.0
    y = _section(pdf, y, "基本信息")
    info = [
        [("定点医疗机构", sl.hospital_name)],
        [("姓名", sl.patient_name), ("医保类型", sl.insurance_type or "—")],
        [("医保编号", _insurance_no(sl.insurance_no)), ("结算ID", sl.setl_id)],
        [("结算时间", _local_time(sl.settled_at))],
    ]
    y = _grid(pdf, y, info, label_w=28.0)

    y = _section(pdf, y + 6.0, "医保结算信息")
    money = [
        [("医疗费总额", format_yuan(sl.total_fen)), ("甲类费用", format_yuan(sl.class_a_fen))],
        [("乙类费用", format_yuan(sl.class_b_fen)), ("丙类费用（全自费）", format_yuan(sl.class_c_fen))],
        [("乙类先行自付", format_yuan(sl.b_self_fen)), ("超限价自付", format_yuan(sl.over_cap_fen))],
        [("起付标准（本次）", format_yuan(sl.deductible_fen)), ("统筹基金支付", format_yuan(sl.fund_fen))],
        [
            ("其他基金支付", format_yuan(sl.other_fund_fen)),
            ("个人账户支付", format_yuan(sl.personal_account_fen)),
        ],
        [
            ("个人现金支付", format_yuan(sl.cash_fen)),
            ("个人负担总额", format_yuan(sl.personal_account_fen + sl.cash_fen)),
        ],
    ]
    y = _grid(pdf, y, money, label_w=34.0, align=Align.R)

    # Far enough below the table that the seal stamped on the name stays off the amounts.
    y += 20.0
    _put(pdf, m, y, 100.0, 6.0, f"定点医疗机构（章）：{sl.hospital_name}", 10)
    qr_x, qr_y, qr_side = m + w - SETTLEMENT_QR_MM, y - 4.0, SETTLEMENT_QR_MM
    _qr(pdf, sl.verify_url, qr_x, qr_y, qr_side)
    _put(pdf, qr_x, qr_y + qr_side, qr_side, 4.0, "扫码核验", 7.5, align=Align.C, color=GREY)
    seal = seal_png(sl.hospital_name, SETTLEMENT_SEAL_LABEL)
    _image(pdf, seal, m + 40.0, y + 3.0 - SETTLEMENT_SEAL_MM / 2, SETTLEMENT_SEAL_MM)
    note = "本清单为医保结算结果摘要，由医院自助服务系统生成；以医保经办机构记录为准。"
    _put(pdf, m, A4_HEIGHT - 16.0, w, 4.0, note, 7.5, color=GREY)
    return bytes(pdf.output())


def _section(pdf: FPDF, y: float, title: str) -> float:
    _put(pdf, LIST_MARGIN, y, LIST_WIDTH, 6.0, title, 10.5)
    return y + 7.0


def _grid(
    pdf: FPDF, top: float, rows: Sequence[Sequence[tuple[str, str]]], label_w: float, align: Align = Align.L
) -> float:
    """Rows of (label, value) pairs in boxes; a row with one pair spans the full width."""
    m, w, h = LIST_MARGIN, LIST_WIDTH, 8.0
    for r, row in enumerate(rows):
        y = top + r * h
        pair_w = w / len(row)
        for c, (label, value) in enumerate(row):
            x = m + c * pair_w
            _rect(pdf, x, y, label_w, h, RULE_GREY, HEADER_FILL)
            _rect(pdf, x + label_w, y, pair_w - label_w, h, RULE_GREY)
            _put(pdf, x, y, label_w, h, label, 9)
            _put(pdf, x + label_w, y, pair_w - label_w, h, value, 10, align=align)
    return top + len(rows) * h


# --- tamper evidence -----------------------------------------------------------------------------

SIGNATURE_FIELD = "BedsideTamperEvidence"
SIGNATURE_REASON = "Bedside tamper evidence (not a fiscal seal)"
# The certificate only has to be valid when signing: verification checks it at the signing time
# (see verify_pdf), so documents kept for decades outlive it. Rotate the identity before it expires.
DEFAULT_VALID_DAYS = 3 * 365
# Covers a clock that is corrected backwards between making the identity and first signing.
BACKDATE = timedelta(hours=1)

T = TypeVar("T")


def document_hash(pdf: bytes) -> str:
    """SHA-256 hex of the document's bytes: what to store next to a handed-out PDF so a copy
    brought back later can be compared."""
    return hashlib.sha256(pdf).hexdigest()


def make_signing_identity(common_name: str, valid_days: int = DEFAULT_VALID_DAYS) -> tuple[bytes, bytes]:
    """A new P-256 key and a self-signed certificate for it, as (key PEM, certificate PEM).

    The key PEM is unencrypted PKCS#8: the caller stores it as a secret. The certificate is a
    leaf (not a CA) limited to digital signature and non-repudiation, so it cannot vouch for
    other certificates.
    """
    if not common_name.strip():
        raise ValueError("a signing identity needs a name")
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name.strip())])
    now = datetime.now(UTC)
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)


def sign_pdf(pdf: bytes, key_pem: bytes, cert_pem: bytes) -> bytes:
    """`pdf` with an invisible signature over all of it, appended as an incremental update.

    Blocking; safe to call from async code (it then runs in a worker thread, because pyHanko
    starts its own event loop).
    """
    # pyHanko pulls in aiohttp and lxml (~0.7 s to import): loaded when a document is signed,
    # not whenever this module is imported.
    from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    # cryptography parses first, so a malformed PEM is refused with a clear error, and a key
    # that is not the certificate's is refused before it makes signatures that never verify.
    public_key = x509.load_pem_x509_certificate(cert_pem).public_key()
    key = serialization.load_pem_private_key(key_pem, password=None)
    if key.public_key() != public_key:
        raise ValueError("the key does not belong to the certificate")
    (cert,) = load_certs_from_pemder_data(cert_pem)
    signer = signers.SimpleSigner(
        signing_cert=cert,
        signing_key=load_private_key_from_pemder_data(key_pem, passphrase=None),
        cert_registry=SimpleCertificateStore.from_certs([cert]),
    )
    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD, md_algorithm="sha256", reason=SIGNATURE_REASON
    )

    def sign() -> bytes:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        out = signers.sign_pdf(writer, meta, signer=signer)
        return out.getvalue()

    return _off_event_loop(sign)


def verify_pdf(pdf: bytes, cert_pem: bytes) -> bool:
    """True only if `pdf` carries a signature by `cert_pem`'s key that is cryptographically
    intact and covers the whole file: a changed byte anywhere in the signed part, or any
    update appended after signing, gives False. So does a PDF that does not parse.

    The certificate is checked at the signing time the signature itself carries, so documents
    stay verifiable after the certificate expires.
    """
    from pyhanko.keys import load_certs_from_pemder_data
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    x509.load_pem_x509_certificate(cert_pem)
    (cert,) = load_certs_from_pemder_data(cert_pem)
    expected = cert.dump()

    def verify() -> bool:
        reader = PdfFileReader(io.BytesIO(pdf))
        for embedded in reader.embedded_signatures:
            if embedded.signer_cert.dump() != expected:
                continue
            context = ValidationContext(
                trust_roots=[cert], allow_fetching=False, moment=embedded.self_reported_timestamp
            )
            status = validate_pdf_signature(embedded, context)
            if (
                status.intact
                and status.valid
                and status.trusted
                and status.coverage == SignatureCoverageLevel.ENTIRE_FILE
            ):
                return True
        return False

    try:
        return _off_event_loop(verify)
    # A damaged or hand-edited file fails to parse in many ways (pyHanko's PdfError family,
    # ValueError for broken CMS, a lookup into a structure that is not there); for the question
    # asked here each one means "not verified".
    except (PdfError, ValueError, KeyError, IndexError):
        return False


def _off_event_loop(work: Callable[[], T]) -> T:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return work()
    # pyHanko's synchronous calls use asyncio.run, which refuses to start inside a running loop
    # (a FastAPI handler): give the work a thread where no loop runs.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()
