"""The bag label (patient, bed, inpatient number, the bag's Code 128 barcode) and the packing
list, in one PDF: the label on the first page, sized for a 100 × 70 mm label printer, the list
on an A5 page to go inside the bag. Always printed in Chinese: the ward reads it."""

from __future__ import annotations

from datetime import datetime

from bedside.core.i18n import gettext
from bedside.documents.discharge.drawing import A5, new_pdf, put, rect
from bedside.documents.wristband_layout import code128_widths
from bedside.medication.delivery import Row
from bedside.medication.formulary import FREQUENCIES
from bedside.medication.models import MedicationItem

LABEL = (100.0, 70.0)
ZH = "zh_CN"


def _barcode(pdf, data: str, x: float, y: float, w: float, h: float) -> None:  # type: ignore[no-untyped-def]
    """Bars drawn as rectangles: sharp at any printer resolution, 10 modules of quiet zone."""
    widths = code128_widths(data)
    module = w / (sum(int(c) for c in widths) + 20)
    pdf.set_fill_color(0, 0, 0)
    at = x + 10 * module
    for i, width in enumerate(widths):
        if i % 2 == 0:
            pdf.rect(at, y, int(width) * module, h, style="F")
        at += int(width) * module


def bag_pdf(hospital: str, row: Row, drugs: list[MedicationItem], now: datetime) -> bytes:
    order = row.order
    code = order.bag_code or ""
    pdf = new_pdf(now, f"出院带药 {code}", page_format=LABEL)
    pdf.add_page()
    put(pdf, 4, 3, 92, 6, f"{hospital} · 出院带药", 10)
    put(pdf, 4, 11, 60, 8, row.patient.name, 16)
    put(pdf, 64, 11, 32, 8, f"床 {row.bed.code if row.bed else '—'}", 12)
    put(pdf, 4, 20, 92, 6, f"住院号 {row.notice.inpatient_no or '—'}", 10)
    put(pdf, 4, 26, 92, 6, f"病区 {row.ward.name if row.ward else '—'} · {len(drugs)} 种药品", 10)
    _barcode(pdf, code, 4, 36, 92, 22)
    put(pdf, 4, 60, 92, 6, code, 10)
    pdf.add_page(format=A5)
    put(pdf, 10, 10, 128, 8, f"{hospital} · 出院带药装袋清单", 13)
    put(pdf, 10, 20, 128, 6, f"{row.patient.name} · 住院号 {row.notice.inpatient_no or '—'} · 袋号 {code}", 9)
    y = 30.0
    cols = ((10, 48, "药品"), (58, 24, "规格"), (82, 16, "数量"), (98, 40, "用法"))
    for x, w, title in cols:
        rect(pdf, x, y, w, 7, (150, 150, 150), (236, 236, 236))
        put(pdf, x, y, w, 7, title, 9)
    for item in drugs:
        y += 7
        usage = f"{item.dose} {gettext(ZH, FREQUENCIES.get(item.frequency, item.frequency))} {item.days}天"
        for (x, w, _), text in zip(
            cols,
            (gettext(ZH, item.drug_name), item.spec, f"{item.quantity}{gettext(ZH, item.unit)}", usage),
            strict=True,
        ):
            rect(pdf, x, y, w, 7, (150, 150, 150))
            put(pdf, x, y, w, 7, text, 8)
    put(pdf, 10, y + 12, 128, 6, "核对：药师 ________  护士 ________", 9)
    return bytes(pdf.output())
