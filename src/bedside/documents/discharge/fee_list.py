"""The itemised fee list (住院费用明细清单) on A4, as many pages as the charges need."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time

from fpdf import FPDF
from fpdf.enums import Align, MethodReturnValue

from bedside.core.money import format_yuan
from bedside.documents.discharge.drawing import (
    A4_HEIGHT,
    BLACK,
    GREY,
    GROUP_FILL,
    HEADER_FILL,
    LIST_MARGIN,
    LIST_WIDTH,
    RULE_GREY,
    Color,
    new_pdf,
    printable,
    put,
    qr_code,
    rect,
    stay_text,
)
from bedside.documents.discharge.model import INPATIENT_GROUPS, FeeLine, FeeList
from bedside.documents.receipts import CHINA_TZ

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
CLOSING_MM = LIST_QR_MM + 12.0  # QR, its caption and the check code under it


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


def render(fl: FeeList) -> bytes:
    """The itemised fee list on A4, grouped by category with a subtotal after each, a grand total,
    and the table header repeated on every page above "第 x 页 共 y 页"."""
    created = datetime.combine(fl.discharged_on, time(0), tzinfo=CHINA_TZ)
    pdf = new_pdf(created, f"{FEE_LIST_TITLE} {fl.inpatient_no}")
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
    pages.closing(fl.verify_url, fl.check_code)
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
        put(pdf, m, 10.0, w, 6.0, fl.hospital_name, 11, align=Align.C)
        put(pdf, m, 16.5, w, 8.0, FEE_LIST_TITLE, 15, align=Align.C)
        info = (
            f"姓名：{printable(fl.patient_name)}    住院号：{printable(fl.inpatient_no)}    "
            f"科室：{printable(fl.department)}    住院时间：{stay_text(fl.admitted_on, fl.discharged_on)}"
        )
        put(pdf, m, 26.0, w, 5.0, info, 8.5)
        # fpdf2 replaces the alias with the page count when it writes the document.
        page_label = f"第 {pdf.page_no()} 页 共 {pdf.str_alias_nb_pages} 页"
        put(pdf, m, FOOTER_Y, w, 4.0, page_label, 8, align=Align.C)
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
            len(self._wrapped(printable(text), col)) for text, col in zip(cells, columns, strict=True)
        )
        return tallest * LINE_MM + 2 * ROW_PAD

    def row(
        self, cells: Sequence[str], columns: Sequence[_Column] = FEE_COLUMNS, fill: Color | None = None
    ) -> None:
        pdf = self.pdf
        texts = [printable(text) for text in cells]
        height = self.height(texts, columns)
        pdf.set_text_color(BLACK)
        x = LIST_MARGIN
        for text, col in zip(texts, columns, strict=True):
            rect(pdf, x, self.y, col.width, height, RULE_GREY, fill)
            lines = len(self._wrapped(text, col))
            pdf.set_xy(x, self.y + (height - lines * LINE_MM) / 2)
            pdf.multi_cell(col.width, LINE_MM, text, align=col.align)
            x += col.width
        self.y += height

    def closing(self, verify_url: str, check_code: str) -> None:
        side = LIST_QR_MM
        pdf = self.pdf
        x = LIST_MARGIN + LIST_WIDTH - side
        qr_code(pdf, verify_url, x, self.y + 4.0, side)
        put(pdf, x, self.y + 4.0 + side, side, 3.5, "扫码核验", 7, align=Align.C, color=GREY)
        if check_code:  # the verification page asks for it together with the number
            put(pdf, x, self.y + 7.5 + side, side, 3.5, f"核验码 {check_code}", 7, align=Align.C)
        note = "本清单按费用类别分组列出住院期间全部收费项目；如有疑问请咨询住院收费处。"
        put(pdf, LIST_MARGIN, self.y + 4.0, LIST_WIDTH - side - 4.0, 4.0, note, 7.5, color=GREY)

    def _wrapped(self, text: str, col: _Column) -> list[str]:
        self.pdf.set_font_size(col.size)
        lines = self.pdf.multi_cell(col.width, LINE_MM, text, dry_run=True, output=MethodReturnValue.LINES)
        if not isinstance(lines, list):  # fpdf2 types the return as a union over all `output` modes
            raise TypeError("multi_cell(output=LINES) did not return lines")
        return lines or [""]
