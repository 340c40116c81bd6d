"""The inpatient wristband: ZPL II for a Zebra wristband printer, and a PNG preview of the same band.

One layout (`wristband_layout`) feeds both renderers. It is placed in *label* coordinates, the ones
ZPL uses: x across the band (0 .. ^PW), y along the feed direction (0 .. ^LL). The text reads
along the band, so every field is rotated 90° clockwise; the preview turns the rasterised label
back 90° counter-clockwise so it shows the band the way a nurse reads it.

Zebra printers rarely carry a Chinese font, so every piece of free text (hospital, name, ward,
bed, the allergy flag) is drawn here with the vendored font and sent as a ^GFA bitmap. Only
fields that are ASCII by construction (inpatient number, sex, age, date) use the printer's ^A0.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import segno
from PIL import Image, ImageChops, ImageDraw, ImageFont, ImageOps

from bedside.documents.fonts import font_path, renderable

MM_PER_INCH = 25.4
INPATIENT_NO = re.compile(r"[A-Z0-9]{4,20}")
ALLERGY_FLAG = "过敏 ALLERGY"
ELLIPSIS = "\u2026"

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

# Noto CJK's ideographic em box sits 880/1000 above the baseline and 120/1000 below; putting the
# baseline there lets a row's height be the em size, so hanzi come out as large as the row allows.
EM_ASCENT = 0.88
# Long names shrink to this share of the row before they are cut: smaller is unreadable on a wrist.
MIN_TEXT_SCALE = 0.6
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


_CONTROL_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})


def clean_text(text: str) -> str:
    """One line of printable text: control and format characters (newlines, bidi overrides,
    zero-width joiners) become spaces, runs of whitespace collapse."""
    spaced = "".join(" " if unicodedata.category(ch) in _CONTROL_CATEGORIES else ch for ch in text)
    return " ".join(spaced.split())


def sanitize_field_data(text: str) -> str:
    """Text safe inside ^FD…^FS. ^ and ~ start ZPL commands wherever they appear, so a caret in data
    would end the field and run whatever follows; control characters have no glyph and some
    interfaces act on them. All are dropped, not escaped with ^FH: every field here comes from
    validated values, so one can only be an attack or a bug."""
    return "".join(
        ch for ch in text if ch not in "^~" and unicodedata.category(ch) not in _CONTROL_CATEGORIES
    )


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


# --- text rendering ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FittedText:
    text: str  # what is drawn: cleaned, uncovered characters as □, maybe cut with …
    size: int  # font size in dots (the em)


@lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(font_path(), size)


def _extent(text: str, font: ImageFont.FreeTypeFont) -> tuple[int, int, int, int]:
    """(x offset, width, ink top, ink bottom) relative to the baseline."""
    left, top, right, bottom = font.getbbox(text, anchor="ls")
    shift = -min(int(left), 0)
    width = math.ceil(max(right, font.getlength(text))) + shift
    return shift, width, int(top), int(bottom)


def _fits(text: str, size: int, height: int, max_width: int) -> bool:
    _, width, top, bottom = _extent(text, _font(size))
    baseline = round(height * EM_ASCENT)
    return width <= max_width and baseline + top >= 0 and baseline + bottom <= height


def fit_text(text: str, height: int, max_width: int) -> FittedText:
    """The largest size at which `text` fits a row `height` dots tall and `max_width` wide; below
    MIN_TEXT_SCALE the text is cut and ends in … instead."""
    if height < 1 or max_width < 1:
        raise ValueError("a text row needs a positive height and width")
    line = renderable(clean_text(text))
    if not line:
        raise ValueError("nothing to draw")
    smallest = max(1, math.floor(height * MIN_TEXT_SCALE))
    if _fits(line, smallest, height, max_width):
        low, high = smallest, height
        while low < high:  # bounding boxes grow with the size, so bisect
            mid = (low + high + 1) // 2
            if _fits(line, mid, height, max_width):
                low = mid
            else:
                high = mid - 1
        return FittedText(line, low)
    font = _font(smallest)
    for cut in range(len(line) - 1, 0, -1):
        candidate = line[:cut].rstrip() + ELLIPSIS
        if _extent(candidate, font)[1] <= max_width:
            return FittedText(candidate, smallest)
    return FittedText(ELLIPSIS, smallest)


def text_bitmap(text: str, height: int, max_width: int) -> Image.Image:
    """`text` as one line, `height` dots tall and at most `max_width` wide, read left to right
    (the band's orientation, not the label's). Mode "1" with ZPL's sense: a set pixel is a black dot."""
    fitted = fit_text(text, height, max_width)
    font = _font(fitted.size)
    shift, width, _, _ = _extent(fitted.text, font)
    grey = Image.new("L", (min(width, max_width), height), 0)
    ImageDraw.Draw(grey).text(
        (shift, round(height * EM_ASCENT)), fitted.text, font=font, fill=255, anchor="ls"
    )
    # Thresholded rather than dithered: a dithered edge on a thermal head prints as grey fuzz.
    return grey.point(lambda p: 255 if p >= 128 else 0, mode="1")


def to_label(image: Image.Image) -> Image.Image:
    """A band-orientation bitmap turned the way ^A0R text runs: 90° clockwise."""
    return image.transpose(Image.Transpose.ROTATE_270)


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
    return segno.make_qr(data, error="q", boost_error=False)


def _qr_modules_reserved(data: str) -> int:
    # Automatic input may pick byte mode where an optimising encoder picks alphanumeric; room
    # for the bigger of the two keeps the symbol clear of its neighbours either way.
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


# --- ZPL ----------------------------------------------------------------------------------------


def wristband_zpl(
    w: Wristband,
    dpi: int = 300,
    width_mm: float = 25.4,
    length_mm: float = 279.4,
    *,
    compress_graphics: bool = False,
) -> str:
    """One label, ^XA … ^XZ. `compress_graphics` sends ^GFA data in Zebra's ASCII run-length
    scheme (about a fifth of the size); plain hex is the default because every ZPL device reads it."""
    layout = wristband_layout(w, dpi, width_mm, length_mm)
    module = next((e.module for e in layout.elements if isinstance(e, Code128)), 2)
    lines = [
        "^XA",
        "^CI28",
        f"^PW{layout.width}",
        f"^LL{layout.length}",
        # Format settings survive on the printer between jobs; a previous job's label home or
        # label reverse would shift or invert this band.
        "^LH0,0",
        "^LRN",
        f"^BY{module},3,{BY_HEIGHT}",
    ]
    lines.extend(_zpl_field(e, compress_graphics) for e in layout.elements)
    lines += ["^PQ1", "^XZ"]
    return "\n".join(lines) + "\n"


def _zpl_field(e: Element, compress: bool) -> str:
    # Orientation is given per field (^A0R, ^BCR) rather than with ^FWR: nothing depends on ^FW
    # state, and the fields ^FW cannot turn are handled explicitly -- ^BQ has no rotation (a square
    # symbol reads at any angle) and ^GF bitmaps are never rotated by the printer, so to_label()
    # turns them here. R (90° clockwise) makes the text start at the label's leading edge.
    origin = f"^FO{e.x},{e.y}"
    if isinstance(e, Graphic):
        return f"{origin}{'^FR' if e.reverse else ''}{_graphic_field(e.image, compress)}^FS"
    if isinstance(e, Text):
        return f"{origin}^A0R,{e.height},{e.height}^FD{sanitize_field_data(e.text)}^FS"
    if isinstance(e, Code128):
        return f"{origin}^BCR,{e.height},N,N,N,N^FD{sanitize_field_data(e.data)}^FS"
    if isinstance(e, QRCode):
        # ^FD for ^BQ starts with switches: Q = error correction level, A = automatic input,
        # then a comma and the data. The ^BQ "Q" only applies when the switches are missing.
        return f"{origin}^BQN,2,{e.magnification},Q^FDQA,{sanitize_field_data(e.data)}^FS"
    return f"{origin}^GB{e.width},{e.height},{min(e.width, e.height)}^FS"


def _graphic_field(image: Image.Image, compress: bool) -> str:
    """^GFA,<bytes>,<bytes>,<bytes per row>,<data>. For ASCII data both counts are the size of the
    uncompressed bitmap, whatever the encoding sends."""
    bytes_per_row = (image.width + 7) // 8
    raw = image.convert("1").tobytes()  # rows MSB first, padded to whole bytes with white
    total = len(raw)
    if total != bytes_per_row * image.height:
        raise AssertionError("bitmap rows are not whole bytes")
    if total > GF_MAX_BYTES:
        raise ValueError("graphic too large for one ^GF field")
    rows = [raw[i : i + bytes_per_row] for i in range(0, total, bytes_per_row)]
    data = compress_rows(rows) if compress else raw.hex().upper()
    return f"^GFA,{total},{total},{bytes_per_row},{data}"


def _repeat(count: int) -> str:
    """Zebra's repeat prefix: g..z add 20..400, G..Y add 1..19."""
    out = "z" * (count // 400)
    count %= 400
    if count >= 20:
        out += chr(ord("g") + count // 20 - 1)
    if count % 20:
        out += chr(ord("G") + count % 20 - 1)
    return out


def compress_rows(rows: list[bytes]) -> str:
    """Zebra's ASCII compression ("Alternative Data Compression Scheme", ZPL II guide): a repeat
    prefix before a hex digit, "," = rest of the row white, "!" = rest black, ":" = same row again.
    Fills only cover whole bytes, as the guide requires; ":" is never first, where it would
    announce a B64/Z64 payload."""
    out: list[str] = []
    previous: bytes | None = None
    for row in rows:
        if row == previous:
            out.append(":")
            continue
        previous = row
        body, fill = row.rstrip(b"\x00"), ","
        if len(body) == len(row):
            body, fill = row.rstrip(b"\xff"), "!"
            if len(body) == len(row):
                fill = ""
        digits = body.hex().upper()
        i = 0
        while i < len(digits):
            j = i
            while j < len(digits) and digits[j] == digits[i]:
                j += 1
            run = j - i
            out.append(digits[i] if run == 1 else _repeat(run) + digits[i])
            i = j
        out.append(fill)
    return "".join(out)


# --- preview ------------------------------------------------------------------------------------


def _stamp(canvas: Image.Image, image: Image.Image, x: int, y: int, reverse: bool = False) -> None:
    box = (x, y, x + image.width, y + image.height)
    region = canvas.crop(box)
    combined = ImageChops.logical_xor(region, image) if reverse else ImageChops.logical_or(region, image)
    canvas.paste(combined, box)


def wristband_raster(layout: WristbandLayout) -> Image.Image:
    """The label as the printer would image it: label orientation, mode "1", set pixel = black dot.
    ^A0 text uses the vendored font at the same height, an approximation of the printer's font 0."""
    canvas = Image.new("1", (layout.width, layout.length), 0)
    draw = ImageDraw.Draw(canvas)
    for e in layout.elements:
        if isinstance(e, Box):
            draw.rectangle((e.x, e.y, e.x + e.width - 1, e.y + e.height - 1), fill=1)
        elif isinstance(e, Graphic):
            _stamp(canvas, e.image, e.x, e.y, e.reverse)
        elif isinstance(e, Text):
            _stamp(canvas, to_label(text_bitmap(e.text, e.height, e.length)), e.x, e.y)
        elif isinstance(e, Code128):
            y, bar = e.y, True
            for width in code128_widths(e.data):
                step = int(width) * e.module
                if bar:
                    draw.rectangle((e.x, y, e.x + e.height - 1, y + step - 1), fill=1)
                y, bar = y + step, not bar
        else:
            for row, modules in enumerate(qr_symbol(e.data).matrix):
                for col, dark in enumerate(modules):
                    if dark:
                        left, top = e.x + col * e.magnification, e.y + row * e.magnification
                        draw.rectangle(
                            (left, top, left + e.magnification - 1, top + e.magnification - 1), fill=1
                        )
    return canvas


def wristband_preview_png(
    w: Wristband, dpi: int = 300, width_mm: float = 25.4, length_mm: float = 279.4
) -> bytes:
    """The band as read (text upright, running left to right), one pixel per printer dot, black on
    white. Drawn from the same layout and bitmaps as the ZPL."""
    label = wristband_raster(wristband_layout(w, dpi, width_mm, length_mm))
    band = label.transpose(Image.Transpose.ROTATE_90)
    shown = ImageOps.invert(band.convert("L")).convert("1", dither=Image.Dither.NONE)
    out = io.BytesIO()
    shown.save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()
