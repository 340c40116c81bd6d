"""The medical e-invoice (医疗收费电子票据) on A5 landscape."""

from __future__ import annotations

import math

from fpdf import FPDF
from fpdf.enums import Align

from bedside.core.money import format_yuan
from bedside.documents.discharge.drawing import (
    A5,
    FORM_COLOR,
    GREY,
    image,
    local_time,
    masked_insurance_no,
    new_pdf,
    put,
    qr_code,
    rect,
    stay_text,
)
from bedside.documents.discharge.model import INPATIENT_GROUPS, EInvoice
from bedside.documents.discharge.words import amount_in_words
from bedside.documents.seal import seal_png

INVOICE_PAGE_W, INVOICE_PAGE_H = A5[1], A5[0]  # landscape
INVOICE_MARGIN = 8.0
INVOICE_WIDTH = INVOICE_PAGE_W - 2 * INVOICE_MARGIN
INVOICE_COLUMNS = 3
INVOICE_SEAL_MM = 30.0
INVOICE_QR_MM = 22.0
INVOICE_TITLE = "医疗收费电子票据"
INVOICE_NOTE = "票据由财政电子票据平台开具，票据真伪以财政电子票据查验平台查验结果为准。"
INVOICE_VERIFY = "本院电子文书验真（签名与内容，凭票据号码与校验码）："


def render(inv: EInvoice) -> bytes:
    """The e-invoice on A5 landscape, about the size of the fiscal platform's own e-invoice PDFs."""
    pdf = new_pdf(inv.issued_at, f"{INVOICE_TITLE} {inv.invoice_code} {inv.invoice_no}", "L", A5)
    pdf.add_page()
    m, w = INVOICE_MARGIN, INVOICE_WIDTH

    # The platform's own QR code: scanning it checks the bill at the fiscal platform.
    qr_code(pdf, inv.platform_qr or inv.verify_url, m, 6.0, INVOICE_QR_MM)
    put(pdf, m, 6.0 + INVOICE_QR_MM, INVOICE_QR_MM, 3.0, "扫码查验", 6, align=Align.C, color=FORM_COLOR)

    put(pdf, m + 50, 9.0, w - 100, 9.0, INVOICE_TITLE, 17, align=Align.C, color=FORM_COLOR)
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
    _caption_value(pdf, head_x, row_y, head_w, 5.0, "开票日期", local_time(inv.issued_at)[:10], 8.5)

    y = _invoice_items(pdf, inv, row_y + 6.0)
    y = _invoice_total(pdf, inv, y)
    y = _invoice_other(pdf, inv, y)

    # Far enough below the table that the seal stamped on the payee's name stays off the amounts.
    payee_y = y + 12.0
    _caption_value(pdf, m, payee_y, 110, 5.0, "收款单位（章）", inv.hospital_name, 9)
    # Stamped last, over the payee's name, as a real seal is pressed onto the printed form.
    seal_y = payee_y + 2.5 - INVOICE_SEAL_MM / 2
    image(pdf, seal_png(inv.hospital_name), m + 26.0, seal_y, INVOICE_SEAL_MM)
    put(pdf, m, INVOICE_PAGE_H - m - 7.0, w, 3.5, f"{INVOICE_VERIFY}{inv.verify_url}", 6, color=GREY)
    put(pdf, m, INVOICE_PAGE_H - m - 3.5, w, 3.5, INVOICE_NOTE, 6, color=GREY)
    return bytes(pdf.output())


def _caption_value(
    pdf: FPDF, x: float, y: float, w: float, h: float, caption: str, value: str, size: float
) -> None:
    pdf.set_font_size(size)
    label = f"{caption}："
    label_w = pdf.get_string_width(label) + 2 * pdf.c_margin
    put(pdf, x, y, label_w, h, label, size, color=FORM_COLOR)
    put(pdf, x + label_w, y, w - label_w, h, value, size)


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
        rect(pdf, x, top, name_w, header_h, FORM_COLOR)
        rect(pdf, x + name_w, top, amount_w, header_h, FORM_COLOR)
        put(pdf, x, top, name_w, header_h, "项目名称", 8.5, align=Align.C, color=FORM_COLOR)
        put(pdf, x + name_w, top, amount_w, header_h, "金额（元）", 8.5, align=Align.C, color=FORM_COLOR)
    body_top = top + header_h
    rect(pdf, m, body_top, INVOICE_WIDTH, rows * row_h, FORM_COLOR)
    for col in range(1, INVOICE_COLUMNS):
        x = m + col * pair_w
        pdf.line(x, body_top, x, body_top + rows * row_h)
    for i, (group, amount_fen) in enumerate(items):
        col, row = divmod(i, rows)
        x, y = m + col * pair_w, body_top + row * row_h
        amount = format_yuan(amount_fen, symbol=False)
        put(pdf, x, y, name_w, row_h, group, 9, align=Align.C)
        put(pdf, x + name_w, y, amount_w, row_h, amount, 9, align=Align.R)
    return body_top + rows * row_h


def _invoice_total(pdf: FPDF, inv: EInvoice, top: float) -> float:
    m, w, h = INVOICE_MARGIN, INVOICE_WIDTH, 7.0
    rect(pdf, m, top, w, h, FORM_COLOR)
    caption_w = 30.0
    put(pdf, m, top, caption_w, h, "金额合计（大写）", 8.5, color=FORM_COLOR)
    put(pdf, m + caption_w, top, w * 0.55, h, amount_in_words(inv.total_fen), 9.5)
    small_x = m + w * 0.68
    put(pdf, small_x, top, 16.0, h, "（小写）", 8.5, color=FORM_COLOR)
    put(pdf, small_x + 16.0, top, m + w - small_x - 16.0, h, format_yuan(inv.total_fen), 10.5)
    return top + h


def _invoice_other(pdf: FPDF, inv: EInvoice, top: float) -> float:
    m, w = INVOICE_MARGIN, INVOICE_WIDTH
    rows: list[list[tuple[str, str]]] = [
        [("性别", inv.patient_gender), ("住院号", inv.inpatient_no), ("住院科别", inv.department)],
        [
            ("住院时间", stay_text(inv.admitted_on, inv.discharged_on)),
            ("医保类型", inv.insurance_type or "—"),
            ("医保编号", masked_insurance_no(inv.insurance_no)),
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
    rect(pdf, m, top, w, height, FORM_COLOR)
    pdf.line(m + label_w, top, m + label_w, top + height)
    put(pdf, m, top + height / 2 - 5.0, label_w, 5.0, "其他", 8.5, align=Align.C, color=FORM_COLOR)
    put(pdf, m, top + height / 2, label_w, 5.0, "信息", 8.5, align=Align.C, color=FORM_COLOR)
    cell_w = (w - label_w - 2) / 3
    for r, row in enumerate(rows):
        for c, (caption, value) in enumerate(row):
            x = m + label_w + 1 + c * cell_w
            _caption_value(pdf, x, top + pad + r * row_h, cell_w, row_h, caption, value, 7.5)
    return top + height
