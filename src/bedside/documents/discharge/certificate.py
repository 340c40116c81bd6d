"""The discharge certificate (出院证明书) on A5 portrait: who stayed, where, from when to when,
the diagnosis and the doctor's advice, with the hospital's seal on its name and a QR code to
the verification page. Unsigned here; the caller signs it like the other discharge documents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from fpdf.enums import Align

from bedside.documents.discharge.drawing import A5, GREY, image, new_pdf, put, qr_code, rect, stay_text
from bedside.documents.seal import seal_png

TITLE = "出院证明书"
MARGIN = 12.0
SEAL_MM = 34.0
SEAL_LABEL = "医务处专用章"
QR_MM = 24.0
GENDER = {"M": "男", "F": "女"}


@dataclass(frozen=True)
class DischargeCertificate:
    hospital_name: str
    number: str
    patient_name: str
    gender: str  # M / F
    age: int
    inpatient_no: str
    department: str
    ward_bed: str
    admitted_on: date
    discharged_on: date
    diagnosis: str
    advice: str
    doctor: str
    issued_at: datetime
    verify_url: str
    check_code: str


def render(c: DischargeCertificate) -> bytes:
    pdf = new_pdf(c.issued_at, f"{TITLE} {c.number}", page_format=A5)
    pdf.add_page()
    w = A5[0] - 2 * MARGIN
    put(pdf, MARGIN, 12.0, w, 8.0, c.hospital_name, 13, align=Align.C)
    put(pdf, MARGIN, 21.0, w, 9.0, TITLE, 17, align=Align.C)
    put(pdf, MARGIN, 31.0, w, 5.0, f"编号 {c.number}", 8, align=Align.R, color=GREY)
    days = max(1, (c.discharged_on - c.admitted_on).days)
    rows = [
        (("姓名", c.patient_name), ("性别", GENDER.get(c.gender, "—")), ("年龄", f"{c.age} 岁")),
        (("住院号", c.inpatient_no or "—"), ("科室", c.department)),
        (("病区床号", c.ward_bed or "—"),),
        (("住院时间", stay_text(c.admitted_on, c.discharged_on)), ("住院天数", f"{days} 天")),
        (("出院诊断", c.diagnosis or "—"),),
        (("出院医嘱", c.advice or "—"),),
        (("经治医师", c.doctor or "—"),),
    ]
    y = 40.0
    for row in rows:
        cell = w / len(row)
        for i, (label, value) in enumerate(row):
            x = MARGIN + i * cell
            rect(pdf, x, y, cell, 10.0, GREY)
            put(pdf, x + 1.0, y + 0.5, 18.0, 4.0, label, 7, color=GREY)
            put(pdf, x + 1.0, y + 4.5, cell - 2.0, 5.0, value, 9.5)
        y += 10.0
    y += 8.0
    put(pdf, MARGIN, y, w, 5.0, "特此证明。", 10)
    y += 16.0
    put(pdf, MARGIN, y, 80.0, 6.0, f"{c.hospital_name}（章）", 10)
    put(pdf, MARGIN, y + 7.0, 80.0, 6.0, c.issued_at.strftime("%Y 年 %m 月 %d 日"), 10)
    image(pdf, seal_png(c.hospital_name, SEAL_LABEL), MARGIN + 24.0, y + 4.0 - SEAL_MM / 2, SEAL_MM)
    qr_x = MARGIN + w - QR_MM
    qr_code(pdf, c.verify_url, qr_x, y - 6.0, QR_MM)
    put(pdf, qr_x, y - 6.0 + QR_MM, QR_MM, 4.0, "扫码核验", 7, align=Align.C, color=GREY)
    put(pdf, qr_x - 6.0, y - 2.0 + QR_MM, QR_MM + 6.0, 4.0, f"核验码 {c.check_code}", 7, align=Align.C)
    note = "本证明由医院自助服务系统生成并加盖电子签章，可扫码或在医院网站凭编号与核验码核验真伪。"
    put(pdf, MARGIN, A5[1] - 14.0, w, 4.0, note, 6.5, color=GREY)
    return bytes(pdf.output())
