"""The wristband's content and its layout in label coordinates, the ones ZPL uses: x across
the band (0 .. ^PW), y along the feed direction (0 .. ^LL). One layout feeds both the ZPL and
the preview (wristband_zpl)."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from bedside.documents.wristband_text import CONTROL_CATEGORIES, clean_text, text_bitmap, to_label

if TYPE_CHECKING:
    import segno
    from PIL import Image

MM_PER_INCH = 25.4
INPATIENT_NO = re.compile(r"[A-Z0-9]{4,20}")
ALLERGY_FLAG = "过敏 ALLERGY"

# Millimetres. The band's ends go under the clasp or get trimmed, so they stay blank.
LEAD_MM = 10.0
TAIL_MM = 10.0
EDGE_MM = 1.5  # across the band: thermal heads print unevenly at the very edge of the media
GAP_MM = 3.0
TEXT_MAX_MM = 80.0
TEXT_MIN_MM = 30.0
ALLERGY_MAX_MM = 60.0
ALLERGY_PAD_MM = 1.5
# 0.25 mm is the usual minimum X-dimension for hospital handheld scanners reading a curved band.
BAR_MODULE_MM = 0.25
MIN_WIDTH_MM = 15.0

# Shares of the printable height across the band (band width minus both edges).
ROW_HOSPITAL = 0.15
ROW_NAME = 0.36
ROW_WARD = 0.22
ROW_INFO = 0.15
BAR_HEIGHT = 0.58
BAR_TEXT_GAP = 0.04
ALLERGY_FLAG_ROW = 0.40
ALLERGY_FLAG_ALONE = 0.50
ALLERGY_TEXT_ROW = 0.30

# Conservative advance of the printer's font 0 (CG Triumvirate Bold Condensed) per dot of ^A0
# width; the real glyphs are narrower, so a field reserved with it never runs into the next one.
A0_ADVANCE = 0.62
QR_QUIET_MODULES = 4
CODE128_QUIET_MODULES = 10
# Firmware (and Labelary) push an ^FO-placed ^BQ symbol down by the current ^BY bar height. The
# header pins ^BY's height to the firmware default instead of inheriting whatever an earlier job
# left on the printer, and the layout keeps that much extra room after the QR code.
BY_HEIGHT = 10
GF_MAX_BYTES = 99999  # ^GF's byte-count limit


def dots(mm: float, dpi: int) -> int:
    return round(mm / MM_PER_INCH * dpi)


def sanitize_field_data(text: str) -> str:
    """Text safe inside ^FD…^FS. ^ and ~ start ZPL commands wherever they appear, so a caret in data
    would end the field and run whatever follows; control characters have no glyph and some
    interfaces act on them. All are dropped, not escaped with ^FH: every field here comes from
    validated values, so one can only be an attack or a bug."""
    return "".join(ch for ch in text if ch not in "^~" and unicodedata.category(ch) not in CONTROL_CATEGORIES)


@dataclass(frozen=True)
class Wristband:
    hospital_name: str
    patient_name: str
    gender: str  # "M" / "F"
    age: int
    inpatient_no: str
    ward: str
    bed: str
    admission_date: date
    allergy: bool
    allergy_text: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.inpatient_no, str) or not INPATIENT_NO.fullmatch(self.inpatient_no):
            raise ValueError("inpatient_no must be 4-20 characters A-Z or 0-9")
        if isinstance(self.age, bool) or not isinstance(self.age, int) or not 0 <= self.age <= 150:
            raise ValueError("age must be an integer from 0 to 150")
        if self.gender not in ("M", "F"):
            raise ValueError('gender must be "M" or "F"')
        if not isinstance(self.admission_date, date):
            raise TypeError("admission_date must be a date")
        for field in ("hospital_name", "patient_name", "ward", "bed"):
            value = getattr(self, field)
            if not isinstance(value, str) or not clean_text(value):
                raise ValueError(f"{field} must not be empty")
        # A band that prints "no allergy" for a record carrying an allergy text would be the
        # dangerous kind of wrong; refuse it so the contradiction reaches a person.
        if not self.allergy and self.allergy_text is not None and clean_text(self.allergy_text):
            raise ValueError("allergy_text given but allergy is False")


# --- Code 128 (only needed to draw the preview; the printer encodes ^BC itself) -------------------

CODE128_PATTERNS = (
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212", "221213",
    "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221", "223211", "221132",
    "221231", "213212", "223112", "312131", "311222", "321122", "321221", "312212", "322112", "322211",
    "212123", "212321", "232121", "111323", "131123", "131321", "112313", "132113", "132311", "211313",
    "231113", "231311", "112133", "112331", "132131", "113123", "113321", "133121", "313121", "211331",
    "231131", "213113", "213311", "213131", "311123", "311321", "331121", "312113", "312311", "332111",
    "314111", "221411", "431111", "111224", "111422", "121124", "121421", "141122", "141221", "112214",
    "112412", "122114", "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111",
    "111242", "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
    "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311", "113141",
    "114131", "311141", "411131", "211412", "211214", "211232",
)  # fmt: skip
CODE128_STOP = "2331112"
CODE128_START_B = 104


def code128_widths(data: str) -> str:
    """Bar/space widths in modules, bar first, for `data` in subset B: what ^BC mode N prints when
    the field data names no start code (ZPL II guide, "Code 128 Subsets")."""
    if not data or any(not 32 <= ord(ch) <= 126 for ch in data):
        raise ValueError("Code 128 subset B takes printable ASCII")
    values = [CODE128_START_B] + [ord(ch) - 32 for ch in data]
    check = (values[0] + sum(i * v for i, v in enumerate(values[1:], start=1))) % 103
    return "".join(CODE128_PATTERNS[v] for v in [*values, check]) + CODE128_STOP


def code128_modules(data: str) -> int:
    return sum(int(w) for w in code128_widths(data))


# --- layout -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Graphic:
    """^GFA: a bitmap in label orientation. `reverse` is ^FR (knock out of a black box)."""

    role: str
    x: int
    y: int
    image: Image.Image
    reverse: bool = False

    @property
    def extent(self) -> tuple[int, int]:
        return self.image.width, self.image.height


@dataclass(frozen=True)
class Text:
    """^A0R: the printer's font 0, rotated. `length` is the room reserved along the band."""

    role: str
    x: int
    y: int
    height: int
    length: int
    text: str

    @property
    def extent(self) -> tuple[int, int]:
        return self.height, self.length


@dataclass(frozen=True)
class Code128:
    role: str
    x: int
    y: int
    module: int
    height: int
    data: str

    @property
    def extent(self) -> tuple[int, int]:
        return self.height, code128_modules(self.data) * self.module


@dataclass(frozen=True)
class QRCode:
    """^BQ. `size` is the room reserved: the largest symbol the printer may choose for `data`."""

    role: str
    x: int
    y: int
    magnification: int
    size: int
    data: str

    @property
    def extent(self) -> tuple[int, int]:
        return self.size, self.size


@dataclass(frozen=True)
class Box:
    """A solid black ^GB."""

    role: str
    x: int
    y: int
    width: int
    height: int

    @property
    def extent(self) -> tuple[int, int]:
        return self.width, self.height


Element = Graphic | Text | Code128 | QRCode | Box


@dataclass(frozen=True)
class WristbandLayout:
    dpi: int
    width: int  # ^PW, dots across the band
    length: int  # ^LL, dots along the band
    elements: tuple[Element, ...]

    def get(self, role: str) -> Element:
        found = [e for e in self.elements if e.role == role]
        if len(found) != 1:
            raise KeyError(role)
        return found[0]


def qr_symbol(data: str) -> segno.QRCode:
    """The symbol the printer makes for ^FDQA,<data>. boost_error=False because the printer keeps
    level Q even when the symbol has room for H."""
    import segno

    return segno.make_qr(data, error="q", boost_error=False)


def _qr_modules_reserved(data: str) -> int:
    # Automatic input may pick byte mode where an optimising encoder picks alphanumeric; room
    # for the bigger of the two keeps the symbol clear of its neighbours either way.
    import segno

    byte = segno.make_qr(data, error="q", boost_error=False, mode="byte")
    return max(int(qr.symbol_size(border=0)[0]) for qr in (qr_symbol(data), byte))


class _Band:
    """Places boxes given in band terms (u along the band, v down from its upper edge as the text
    reads) at label coordinates. Rotating 90° clockwise maps band (u, v) to label (width - v, u)."""

    def __init__(self, width: int) -> None:
        self.width = width

    def origin(self, u: int, v: int, across: int) -> tuple[int, int]:
        """^FO of a field whose box starts at (u, v) and is `across` dots tall in the band view."""
        return self.width - v - across, u


def wristband_layout(
    w: Wristband, dpi: int = 300, width_mm: float = 25.4, length_mm: float = 279.4
) -> WristbandLayout:
    """Along the band: QR code, text block (hospital / name / ward and bed / sex, age, admission
    date), the allergy box if any, the Code 128 barcode with the number under it."""
    if not 100 <= dpi <= 600:
        raise ValueError("dpi must be between 100 and 600")
    if width_mm < MIN_WIDTH_MM:
        raise ValueError(f"a band narrower than {MIN_WIDTH_MM} mm has no room for the layout")
    width, length = dots(width_mm, dpi), dots(length_mm, dpi)
    band = _Band(width)
    edge = dots(EDGE_MM, dpi)
    usable = width - 2 * edge
    gap = dots(GAP_MM, dpi)
    elements: list[Element] = []

    # QR code, centred across the band with its quiet zone inside the band.
    qr_modules = _qr_modules_reserved(w.inpatient_no)
    magnification = min(10, width // (qr_modules + 2 * QR_QUIET_MODULES))
    if magnification < 1:
        raise ValueError("the band is too narrow for the QR code at this dpi")
    qr_size = qr_modules * magnification
    u = dots(LEAD_MM, dpi)
    x, y = band.origin(u, (width - qr_size) // 2, qr_size)
    elements.append(QRCode("qr", x, y, magnification, qr_size, w.inpatient_no))
    u += qr_size + max(QR_QUIET_MODULES * magnification + BY_HEIGHT, gap)

    # Allergy and barcode blocks have fixed lengths; the text block gets what is left.
    allergy_block = _allergy_block(w, usable, dpi) if w.allergy else None
    module = max(1, dots(BAR_MODULE_MM, dpi))
    bar_length = code128_modules(w.inpatient_no) * module
    quiet = max(CODE128_QUIET_MODULES * module, gap)
    after_text = (gap + allergy_block[0] if allergy_block else 0) + quiet + bar_length + quiet
    text_length = min(dots(TEXT_MAX_MM, dpi), length - dots(TAIL_MM, dpi) - u - after_text)
    if text_length < dots(TEXT_MIN_MM, dpi):
        raise ValueError("the band is too short for the wristband layout")

    block, used = _text_block(w, band, u, edge, usable, text_length)
    elements.extend(block)
    u += used

    if allergy_block:
        box_length, lines = allergy_block
        u += gap
        x, y = band.origin(u, edge, usable)
        elements.append(Box("allergy_box", x, y, usable, box_length))
        for role, v, image in lines:
            x, y = band.origin(u + (box_length - image.width) // 2, v, image.height)
            elements.append(Graphic(role, x, y, to_label(image), reverse=True))
        u += box_length

    u += quiet
    bar_height = round(usable * BAR_HEIGHT)
    x, y = band.origin(u, edge, bar_height)
    elements.append(Code128("barcode", x, y, module, bar_height, w.inpatient_no))
    number_gap = round(usable * BAR_TEXT_GAP)
    number_height = min(
        usable - bar_height - number_gap, math.floor(bar_length / (len(w.inpatient_no) * A0_ADVANCE))
    )
    x, y = band.origin(u, edge + bar_height + number_gap, number_height)
    elements.append(Text("inpatient_no", x, y, number_height, bar_length, w.inpatient_no))
    return WristbandLayout(dpi, width, length, tuple(elements))


def _text_block(
    w: Wristband, band: _Band, u: int, edge: int, usable: int, text_length: int
) -> tuple[list[Element], int]:
    """The four text rows and the length they take: as long as the longest row, so the allergy box
    follows the name closely instead of sitting a hand's width away."""
    heights = [round(usable * share) for share in (ROW_HOSPITAL, ROW_NAME, ROW_WARD, ROW_INFO)]
    row_gap = (usable - sum(heights)) // 3
    tops = [edge + sum(heights[:i]) + i * row_gap for i in range(4)]
    bed = clean_text(w.bed)
    ward_bed = f"{clean_text(w.ward)} {bed if bed.endswith('床') else bed + '床'}"
    elements: list[Element] = []
    used = 0
    for role, text, top, height in zip(
        ("hospital_name", "patient_name", "ward_bed"),
        (w.hospital_name, w.patient_name, ward_bed),
        tops[:3],
        heights[:3],
        strict=True,
    ):
        image = text_bitmap(text, height, text_length)
        x, y = band.origin(u, top, height)
        elements.append(Graphic(role, x, y, to_label(image)))
        used = max(used, image.width)
    info = f"{w.gender} {w.age}Y  ADM {w.admission_date:%Y-%m-%d}"
    info_height = min(heights[3], math.floor(text_length / (len(info) * A0_ADVANCE)))
    info_length = math.ceil(len(info) * A0_ADVANCE * info_height)
    x, y = band.origin(u, tops[3], info_height)
    elements.append(Text("info", x, y, info_height, info_length, info))
    return elements, max(used, info_length)


def _allergy_block(w: Wristband, usable: int, dpi: int) -> tuple[int, list[tuple[str, int, Image.Image]]]:
    """(length along the band, [(role, v, band-orientation bitmap)]) for the reversed allergy box."""
    pad = dots(ALLERGY_PAD_MM, dpi)
    inner = dots(ALLERGY_MAX_MM, dpi) - 2 * pad
    detail = clean_text(w.allergy_text or "")
    flag_height = round(usable * (ALLERGY_FLAG_ROW if detail else ALLERGY_FLAG_ALONE))
    lines = [("allergy_flag", flag_height, text_bitmap(ALLERGY_FLAG, flag_height, inner))]
    if detail:
        detail_height = round(usable * ALLERGY_TEXT_ROW)
        lines.append(("allergy_text", detail_height, text_bitmap(detail, detail_height, inner)))
    edge = dots(EDGE_MM, dpi)
    line_gap = round(usable * BAR_TEXT_GAP)
    total = sum(h for _, h, _ in lines) + line_gap * (len(lines) - 1)
    v = edge + (usable - total) // 2
    placed = []
    for role, height, image in lines:
        placed.append((role, v, image))
        v += height + line_gap
    return max(image.width for _, _, image in lines) + 2 * pad, placed
