"""Payment receipts: a PDF for the phone and ESC/POS bytes for the kiosk's thermal printer.

Both renderers take the same `Receipt`; captions come from `receipt_labels`, amounts are
integer fen formatted by `format_yuan`.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bedside.core.i18n import normalize
from bedside.core.money import format_yuan
from bedside.documents.fonts import register_font, renderable
from bedside.documents.qr import qr_png

if TYPE_CHECKING:
    # fpdf2 and python-escpos cost about a second of imports together: loaded by the first
    # receipt printed, not by every start of the app.
    from escpos.printer import Dummy
    from fpdf import FPDF

CHINA_TZ = ZoneInfo("Asia/Shanghai")
PRODUCER = "Bedside"

_ZH_CN = MappingProxyType(
    {
        "title": "缴费收据",
        "receipt_no": "收据号",
        "issued_at": "缴费时间",
        "patient": "患者",
        "inpatient_no": "住院号",
        "department": "科室",
        "purpose": "缴费项目",
        "channel": "支付方式",
        "amount": "金额",
        "out_trade_no": "交易号",
        "channel_trade_no": "支付流水号",
        "balance_after": "预交金余额",
        "place": "缴费地点",
        "verify": "扫码核验本收据",
        "footer": "本凭证为缴费凭证，不作报销凭证",
    }
)
_EN = MappingProxyType(
    {
        "title": "Payment Receipt",
        "receipt_no": "Receipt No.",
        "issued_at": "Paid at (UTC+8)",
        "patient": "Patient",
        "inpatient_no": "Inpatient No.",
        "department": "Department",
        "purpose": "Item",
        "channel": "Payment method",
        "amount": "Amount",
        "out_trade_no": "Transaction No.",
        "channel_trade_no": "Channel ref.",
        "balance_after": "Deposit balance",
        "place": "Place",
        "verify": "Scan to verify this receipt",
        "footer": "This is a payment receipt, not an invoice",
    }
)
_LABELS = {"zh_CN": _ZH_CN, "en": _EN}


def receipt_labels(locale: str = "zh_CN") -> dict[str, str]:
    """Captions for `locale` ("zh_CN" or "en"; anything else falls back to zh_CN)."""
    return dict(_LABELS[normalize(locale)])


@dataclass(frozen=True)
class Receipt:
    hospital_name: str
    receipt_no: str
    issued_at: datetime
    patient_name: str
    inpatient_no: str | None
    department: str | None
    purpose: str
    channel: str
    amount_fen: int
    out_trade_no: str
    channel_trade_no: str | None
    balance_after_fen: int | None
    place: str
    verify_url: str | None = None

    def __post_init__(self) -> None:
        if self.issued_at.tzinfo is None or self.issued_at.utcoffset() is None:
            raise ValueError("issued_at must be timezone-aware")
        for name in ("amount_fen", "balance_after_fen"):
            value = getattr(self, name)
            if value is None and name == "balance_after_fen":
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{name} is integer fen, got {type(value).__name__}")

    @property
    def local_time(self) -> str:
        return self.issued_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S")


def _rows(r: Receipt, labels: dict[str, str]) -> list[tuple[str, str, str]]:
    """(key, caption, value) in print order; optional fields that are absent are left out."""
    rows: list[tuple[str, str | None]] = [
        ("receipt_no", r.receipt_no),
        ("issued_at", r.local_time),
        ("patient", r.patient_name),
        ("inpatient_no", r.inpatient_no),
        ("department", r.department),
        ("purpose", r.purpose),
        ("channel", r.channel),
        ("amount", format_yuan(r.amount_fen)),
        ("out_trade_no", r.out_trade_no),
        ("channel_trade_no", r.channel_trade_no),
        ("balance_after", None if r.balance_after_fen is None else format_yuan(r.balance_after_fen)),
        ("place", r.place),
    ]
    return [(key, labels[key], _clean(value)) for key, value in rows if value is not None and value != ""]


_UNPRINTABLE = frozenset(("Cc", "Cf", "Cs", "Co", "Zl", "Zp"))


def _clean(text: str) -> str:
    # A control byte in a name (ESC, GS, a newline) would otherwise reach the printer as a
    # command, e.g. GS V cuts the paper mid-receipt.
    return "".join(" " if unicodedata.category(ch) in _UNPRINTABLE else ch for ch in text).strip()


# --- PDF ---------------------------------------------------------------------------------------

PAGE_WIDTH_MM = 80.0
MARGIN_MM = 5.0
CONTENT_MM = PAGE_WIDTH_MM - 2 * MARGIN_MM
ROW_GAP_MM = 3.0
QR_MM = 32.0


def receipt_pdf(r: Receipt, locale: str = "zh_CN") -> bytes:
    """An 80 mm wide receipt PDF as tall as its content, with the CJK font embedded.

    The same receipt gives the same bytes: the creation date is the payment time and the
    producer is fixed, so a re-download matches the first one.
    """
    labels = receipt_labels(locale)
    # fpdf2 needs the page size before drawing, so lay out once on a tall scratch page to
    # measure, then draw for real on a page cut to that height.
    height = _draw(_new_pdf(r, labels, locale, 2000.0), r, labels) + MARGIN_MM
    pdf = _new_pdf(r, labels, locale, height)
    _draw(pdf, r, labels)
    return bytes(pdf.output())


def _new_pdf(r: Receipt, labels: dict[str, str], locale: str, height_mm: float) -> FPDF:
    from fpdf import FPDF

    pdf = FPDF(unit="mm", format=(PAGE_WIDTH_MM, height_mm))
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(False)
    pdf.set_creation_date(r.issued_at)
    pdf.set_producer(PRODUCER)
    pdf.set_creator(PRODUCER)
    pdf.set_title(f"{labels['title']} {r.receipt_no}")
    pdf.set_lang("zh-CN" if normalize(locale) == "zh_CN" else "en")
    register_font(pdf)
    pdf.add_page()
    return pdf


def _draw(pdf: FPDF, r: Receipt, labels: dict[str, str]) -> float:
    """Draws the receipt and returns the y (mm) just below the last line."""
    family = register_font(pdf)
    pdf.set_text_color(0)

    _centred(pdf, family, 10, _clean(r.hospital_name))
    _centred(pdf, family, 15, labels["title"])
    _rule(pdf)

    for key, caption, value in _rows(r, labels):
        size = 13.0 if key == "amount" else 9.0
        _pdf_row(pdf, family, renderable(caption), renderable(value), size)
    _rule(pdf)

    if r.verify_url:
        x = (PAGE_WIDTH_MM - QR_MM) / 2
        # segno's PNG carries the 4-module quiet zone, so nothing else may be drawn inside it.
        pdf.image(io.BytesIO(qr_png(r.verify_url, scale=8)), x=x, y=pdf.get_y(), w=QR_MM, h=QR_MM)
        pdf.set_y(pdf.get_y() + QR_MM)
        _centred(pdf, family, 8, labels["verify"])
        pdf.ln(2)

    pdf.set_text_color(90)
    _centred(pdf, family, 8, labels["footer"])
    return pdf.get_y()


def _centred(pdf: FPDF, family: str, size: float, text: str) -> None:
    from fpdf.enums import Align, XPos, YPos

    pdf.set_font(family, size=size)
    pdf.multi_cell(
        CONTENT_MM, size * 0.5, renderable(text), align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )


def _pdf_row(pdf: FPDF, family: str, caption: str, value: str, size: float) -> None:
    from fpdf.enums import Align, XPos, YPos

    pdf.set_font(family, size=size)
    line_h = size * 0.55
    caption_w = pdf.get_string_width(caption)
    if caption_w + ROW_GAP_MM + pdf.get_string_width(value) <= CONTENT_MM:
        y = pdf.get_y()
        pdf.set_text_color(90)
        pdf.cell(CONTENT_MM, line_h, caption, align=Align.L)
        pdf.set_xy(MARGIN_MM, y)
        pdf.set_text_color(0)
        pdf.cell(CONTENT_MM, line_h, value, align=Align.R, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    else:
        # Too long to share a line (a long trade number, a long department name): caption
        # above, value right-aligned below and wrapped.
        pdf.set_text_color(90)
        pdf.cell(CONTENT_MM, line_h, caption, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0)
        pdf.multi_cell(CONTENT_MM, line_h, value, align=Align.R, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(0.8)


def _rule(pdf: FPDF) -> None:
    pdf.ln(1.5)
    y = pdf.get_y()
    pdf.set_draw_color(150)
    pdf.set_line_width(0.2)
    pdf.set_dash_pattern(dash=0.8, gap=0.8)
    pdf.line(MARGIN_MM, y, PAGE_WIDTH_MM - MARGIN_MM, y)
    pdf.set_dash_pattern()
    pdf.ln(2.5)


# --- ESC/POS -----------------------------------------------------------------------------------

ESC = b"\x1b"
FS = b"\x1c"
GS = b"\x1d"
# FS &: Chinese character mode, in which the printer reads two- and four-byte GB18030 sequences
# as hanzi. Without it a Chinese-firmware printer prints each byte as a Latin character.
CHINESE_MODE_ON = FS + b"&"
# Dot size of one QR module: 6 dots of a 203 dpi head is 0.75 mm, scannable from a phone.
QR_MODULE_DOTS = 6


def display_width(text: str) -> int:
    """Printer columns `text` occupies: hanzi and full-width forms take two, ASCII one.

    Ambiguous-width characters (· “ ” × é) also take two: GB18030 encodes them as double-byte
    codes, which the printer draws from its hanzi font at full width.
    """
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F", "A") else 1
    return width


def wrap_columns(text: str, width: int) -> list[str]:
    """Splits `text` into lines of at most `width` columns, never splitting a character."""
    if width < 2:
        raise ValueError("width must leave room for a double-width character")
    lines: list[str] = []
    line, used = "", 0
    for ch in text:
        w = display_width(ch)
        if used + w > width:
            lines.append(line)
            line, used = "", 0
        line += ch
        used += w
    if line or not lines:
        lines.append(line)
    return lines


def pad_columns(label: str, value: str, width: int) -> list[str]:
    """Label flush left, value flush right, on one line of exactly `width` columns when both
    fit; otherwise the label on its own line(s) and the value right-aligned below it."""
    label_w, value_w = display_width(label), display_width(value)
    if label_w + 1 + value_w <= width:
        return [label + " " * (width - label_w - value_w) + value]
    lines = wrap_columns(label, width)
    for part in wrap_columns(value, width):
        lines.append(" " * (width - display_width(part)) + part)
    return lines


def receipt_escpos(r: Receipt, locale: str = "zh_CN", width_chars: int = 48) -> bytes:
    """The receipt as one ESC/POS job for an 80 mm printer (48 columns of font A; use 32
    for 58 mm paper). Text is GB18030, which Chinese-market printers expect in Chinese mode."""
    from escpos.constants import QR_ECLEVEL_M
    from escpos.printer import Dummy

    labels = receipt_labels(locale)
    p = Dummy()
    p.hw("INIT")  # ESC @
    p._raw(CHINESE_MODE_ON)

    p.set(align="center", bold=True)
    for line in wrap_columns(_printer_text(_clean(r.hospital_name)), width_chars):
        _line(p, line)
    # GS ! scales hanzi as well as ASCII; ESC ! (python-escpos's double_width) leaves hanzi small.
    p.set(custom_size=True, width=2, height=2)
    for line in wrap_columns(labels["title"], width_chars // 2):
        _line(p, line)
    p.set(custom_size=True, width=1, height=1)
    p.set(align="left", bold=False)
    _line(p, "-" * width_chars)

    for key, caption, value in _rows(r, labels):
        if key == "amount":
            p.set(bold=True)
        for line in pad_columns(caption, _printer_text(value), width_chars):
            _line(p, line)
        if key == "amount":
            p.set(bold=False)
    _line(p, "-" * width_chars)

    p.set(align="center")
    if r.verify_url:
        # ESC a 1 (set just above) centres the symbol; python-escpos refuses center=True with native=True.
        p.qr(r.verify_url, native=True, ec=QR_ECLEVEL_M, size=QR_MODULE_DOTS)
        _line(p, labels["verify"])
    for line in wrap_columns(labels["footer"], width_chars):
        _line(p, line)
    p.set(align="left")
    p.cut()
    return bytes(p.output)


def _printer_text(text: str) -> str:
    # U+00A5 ¥ is a four-byte GB18030 code that GBK-only printer fonts lack; the full-width
    # ￥ is in GB2312, so every Chinese printer has it.
    return text.replace("\u00a5", "\uffe5")


def _line(p: Dummy, text: str) -> None:
    # Raw bytes, not p.text(): python-escpos's MagicEncode picks single-byte code pages (ESC t)
    # and would print hanzi as '?', while in FS & mode the printer takes GB18030 directly.
    p._raw(text.encode("gb18030", errors="replace") + b"\n")
