"""The insurance settlement list (医疗保障基金结算清单) on one A4 page."""

from __future__ import annotations

from collections.abc import Sequence

from fpdf import FPDF
from fpdf.enums import Align

from bedside.core.money import format_yuan
from bedside.documents.discharge.drawing import (
    A4_HEIGHT,
    GREY,
    HEADER_FILL,
    LIST_MARGIN,
    LIST_WIDTH,
    RULE_GREY,
    image,
    local_time,
    masked_insurance_no,
    new_pdf,
    put,
    qr_code,
    rect,
)
from bedside.documents.discharge.model import SettlementList
from bedside.documents.seal import seal_png

SETTLEMENT_TITLE = "医疗保障基金结算清单"
SETTLEMENT_SEAL_MM = 36.0
SETTLEMENT_SEAL_LABEL = "医疗保险专用章"
SETTLEMENT_QR_MM = 28.0


def render(sl: SettlementList) -> bytes:
    """The settlement summary on A4: who, which scheme, and how the total was split."""
    pdf = new_pdf(sl.settled_at, f"{SETTLEMENT_TITLE} {sl.setl_id}")
    pdf.add_page()
    m, w = LIST_MARGIN, LIST_WIDTH
    put(pdf, m, 14.0, w, 10.0, SETTLEMENT_TITLE, 17, align=Align.C)

    y = 30.0
    y = _section(pdf, y, "基本信息")
    info = [
        [("定点医疗机构", sl.hospital_name)],
        [("姓名", sl.patient_name), ("医保类型", sl.insurance_type or "—")],
        [("医保编号", masked_insurance_no(sl.insurance_no)), ("结算ID", sl.setl_id)],
        [("结算时间", local_time(sl.settled_at))],
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
    put(pdf, m, y, 100.0, 6.0, f"定点医疗机构（章）：{sl.hospital_name}", 10)
    qr_x, qr_y, qr_side = m + w - SETTLEMENT_QR_MM, y - 4.0, SETTLEMENT_QR_MM
    qr_code(pdf, sl.verify_url, qr_x, qr_y, qr_side)
    put(pdf, qr_x, qr_y + qr_side, qr_side, 4.0, "扫码核验", 7.5, align=Align.C, color=GREY)
    if sl.check_code:  # the verification page asks for it together with the number
        put(pdf, qr_x, qr_y + qr_side + 4.0, qr_side, 4.0, f"核验码 {sl.check_code}", 7.5, align=Align.C)
    seal = seal_png(sl.hospital_name, SETTLEMENT_SEAL_LABEL)
    image(pdf, seal, m + 40.0, y + 3.0 - SETTLEMENT_SEAL_MM / 2, SETTLEMENT_SEAL_MM)
    note = "本清单为医保结算结果摘要，由医院自助服务系统生成；以医保经办机构记录为准。"
    put(pdf, m, A4_HEIGHT - 16.0, w, 4.0, note, 7.5, color=GREY)
    return bytes(pdf.output())


def _section(pdf: FPDF, y: float, title: str) -> float:
    put(pdf, LIST_MARGIN, y, LIST_WIDTH, 6.0, title, 10.5)
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
            rect(pdf, x, y, label_w, h, RULE_GREY, HEADER_FILL)
            rect(pdf, x + label_w, y, pair_w - label_w, h, RULE_GREY)
            put(pdf, x, y, label_w, h, label, 9)
            put(pdf, x + label_w, y, pair_w - label_w, h, value, 10, align=align)
    return top + len(rows) * h
