"""What the three renderers share: colours, page sizes, the document's metadata, and a text box
that shrinks its text until it fits."""

from __future__ import annotations

import io
import unicodedata
from datetime import date, datetime

from fpdf import FPDF
from fpdf.enums import Align

from bedside.core.pii import mask_card
from bedside.documents.fonts import register_font, renderable
from bedside.documents.qr import qr_png
from bedside.documents.receipts import CHINA_TZ, PRODUCER

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


def printable(text: str) -> str:
    cleaned = "".join(" " if unicodedata.category(ch) in _UNPRINTABLE else ch for ch in text)
    return renderable(cleaned.strip())


def new_pdf(
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


def put(
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
    text = printable(text)
    pdf.set_font_size(size)
    while size > MIN_FONT_PT and pdf.get_string_width(text) + 2 * pdf.c_margin > w:
        size = max(MIN_FONT_PT, size - 0.5)
        pdf.set_font_size(size)
    pdf.set_text_color(color)
    pdf.set_xy(x, y)
    pdf.cell(w, h, text, align=align)


def rect(pdf: FPDF, x: float, y: float, w: float, h: float, color: Color, fill: Color | None = None) -> None:
    pdf.set_draw_color(color)
    pdf.set_line_width(0.2)
    if fill is not None:
        pdf.set_fill_color(fill)
        pdf.rect(x, y, w, h, style="DF")
    else:
        pdf.rect(x, y, w, h)


def image(pdf: FPDF, png: bytes, x: float, y: float, side: float) -> None:
    pdf.image(io.BytesIO(png), x=x, y=y, w=side, h=side)


def qr_code(pdf: FPDF, url: str, x: float, y: float, side: float) -> None:
    # segno's PNG carries the 4-module quiet zone, so nothing else may be drawn inside it.
    image(pdf, qr_png(url, scale=8), x, y, side)


def local_time(moment: datetime) -> str:
    return moment.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S")


def stay_text(admitted_on: date, discharged_on: date) -> str:
    return f"{admitted_on.isoformat()} 至 {discharged_on.isoformat()}"


def masked_insurance_no(number: str) -> str:
    return mask_card(number.strip()) or "—"


# The A4 lists (fee list and settlement list) share their margins.
A4_WIDTH, A4_HEIGHT = A4
LIST_MARGIN = 12.0
LIST_WIDTH = A4_WIDTH - 2 * LIST_MARGIN
