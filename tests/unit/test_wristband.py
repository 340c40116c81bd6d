"""The wristband ZPL, read back the way a Zebra printer reads it.

The reader below handles the subset the module emits: commands start at ^ or ~, CR/LF are
ignored, a field runs from ^FO to ^FS and collects ^A (font), ^FR, ^BC, ^BQ, ^GB, ^GF and ^FD.
"""

from __future__ import annotations

import dataclasses
import io
import math
import re
from dataclasses import dataclass, field
from datetime import date

import pytest
import segno
from PIL import Image, ImageChops

from bedside.documents.wristband import (
    ALLERGY_FLAG,
    ALLERGY_FLAG_ROW,
    ALLERGY_MAX_MM,
    ALLERGY_PAD_MM,
    CODE128_PATTERNS,
    CODE128_STOP,
    EDGE_MM,
    ELLIPSIS,
    ROW_NAME,
    TEXT_MAX_MM,
    FittedText,
    Graphic,
    Wristband,
    code128_modules,
    code128_widths,
    compress_rows,
    dots,
    fit_text,
    sanitize_field_data,
    text_bitmap,
    wristband_layout,
    wristband_preview_png,
    wristband_zpl,
)

LONG_NAME = "阿卜杜热合曼·买买提艾力·热西提江·阿不都克里木"
HOSTILE = "^XZ~JA^FO0,0^GB300,3300,300^FS\x1b\x00"
KNOWN = {
    "XA",
    "XZ",
    "CI",
    "PW",
    "LL",
    "LH",
    "LR",
    "BY",
    "PQ",
    "FO",
    "A",
    "FR",
    "FD",
    "FS",
    "BC",
    "BQ",
    "GB",
    "GF",
}
# Wider than the module's own estimate for font 0, so a text field placed with no slack fails here.
A0_ADVANCE_CHECK = 0.65


def make_band(**changes: object) -> Wristband:
    base = Wristband(
        hospital_name="北京市第一人民医院",
        patient_name="张晓明",
        gender="F",
        age=45,
        inpatient_no="ZY2026000123",
        ward="心血管内科一病区",
        bed="12",
        admission_date=date(2026, 3, 1),
        allergy=False,
        allergy_text=None,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


# --- a small ZPL reader ------------------------------------------------------------------------


@dataclass
class Field:
    x: int
    y: int
    kind: str  # "text", "BC", "BQ", "GB", "GF"
    args: str = ""
    data: str | None = None
    font: tuple[str, str, int, int] | None = None  # (name, orientation, height, width)
    reverse: bool = False


@dataclass
class Label:
    commands: list[tuple[str, str, str]]  # (prefix, name, arguments)
    settings: dict[str, str] = field(default_factory=dict)
    fields: list[Field] = field(default_factory=list)

    def of(self, kind: str) -> list[Field]:
        return [f for f in self.fields if f.kind == kind]


def read_zpl(zpl: str) -> Label:
    stream = zpl.replace("\r", "").replace("\n", "")  # the printer ignores CR and LF
    assert stream.startswith("^"), "bytes before the first command"
    commands = []
    for prefix, body in re.findall(r"([\^~])([^\^~]*)", stream):
        name, args = ("A", body[1:]) if body.startswith("A") else (body[:2], body[2:])
        commands.append((prefix, name, args))
    label = Label(commands)
    current: dict[str, object] = {}
    for prefix, name, args in commands:
        assert prefix == "^", f"control command ~{name}{args}"
        assert name in KNOWN, f"unexpected command ^{name}"
        if name == "FO":
            x, y = args.split(",")[:2]
            current = {"x": int(x), "y": int(y)}
        elif name == "A":
            font, rest = args[0], args[1:]
            orientation, height, width = rest.split(",")
            current["font"] = (font, orientation, int(height), int(width))
        elif name == "FR":
            current["reverse"] = True
        elif name in {"BC", "BQ", "GB", "GF"}:
            assert "x" in current, f"^{name} without ^FO"
            current["kind"], current["args"] = name, args
        elif name == "FD":
            current["data"] = args
        elif name == "FS":
            kind = current.pop("kind", "text")
            label.fields.append(Field(kind=kind, **current))  # type: ignore[arg-type]
            current = {}
        else:
            assert not current, f"^{name} inside a field"
            label.settings[name] = args
    assert not current, "field without ^FS"
    return label


def decode_graphic_data(data: str, bytes_per_row: int) -> list[bytes]:
    """Plain hex, or Zebra's ASCII compression (repeat counts G-Y = 1-19, g-z = 20-400, ","
    and "!" fill the row with 0 / 1 bits, ":" repeats the previous row)."""
    rows: list[bytes] = []
    digits: list[str] = []
    width = bytes_per_row * 2
    count = 0
    for ch in data:
        if "G" <= ch <= "Y":
            count += ord(ch) - ord("G") + 1
            continue
        if "g" <= ch <= "z":
            count += (ord(ch) - ord("g") + 1) * 20
            continue
        if ch in "0123456789ABCDEF":
            digits.extend(ch * (count or 1))
        elif ch in ",!":
            assert count == 0
            digits.extend(("0" if ch == "," else "F") * (width - len(digits)))
        elif ch == ":":
            assert count == 0 and not digits and rows, "':' must start a row and follow one"
            rows.append(rows[-1])
        else:
            raise AssertionError(f"bad character {ch!r} in ^GF data")
        count = 0
        while len(digits) >= width:
            rows.append(bytes.fromhex("".join(digits[:width])))
            digits = digits[width:]
    assert not digits and count == 0, "data ends inside a row"
    return rows


def decode_gfa(f: Field) -> Image.Image:
    kind, total, count, per_row, data = f.args.split(",", 4)
    assert kind == "A"
    total_bytes, bytes_per_row = int(total), int(per_row)
    assert int(count) == total_bytes, "for ASCII data the binary byte count must equal the field count"
    rows = decode_graphic_data(data, bytes_per_row)
    assert total_bytes == bytes_per_row * len(rows)
    return Image.frombytes("1", (bytes_per_row * 8, len(rows)), b"".join(rows))


def extent(f: Field, label: Label) -> tuple[int, int]:
    """Dots the field covers (across, along) from its ^FO, computed from the ZPL alone."""
    if f.kind == "GF":
        image = decode_gfa(f)
        return image.width, image.height
    if f.kind == "GB":
        width, height, _ = (int(v) for v in f.args.split(","))
        return width, height
    if f.kind == "BC":
        assert f.data is not None and f.args.startswith("R,")
        module = int(label.settings["BY"].split(",")[0])
        return int(f.args.split(",")[1]), (11 * (len(f.data) + 2) + 13) * module
    if f.kind == "BQ":
        assert f.data is not None
        magnification = int(f.args.split(",")[2])
        data = f.data.split(",", 1)[1]
        modules = max(
            int(segno.make_qr(data, error="q", boost_error=False, mode=mode).symbol_size(border=0)[0])
            for mode in (None, "byte")
        )
        return modules * magnification, modules * magnification
    assert f.font is not None and f.data is not None and f.font[1] == "R"
    return f.font[2], math.ceil(len(f.data) * A0_ADVANCE_CHECK * f.font[3])


def pad_to_bytes(image: Image.Image) -> Image.Image:
    padded = Image.new("1", ((image.width + 7) // 8 * 8, image.height), 0)
    padded.paste(image, (0, 0))
    return padded


def same_pixels(a: Image.Image, b: Image.Image) -> bool:
    return a.size == b.size and ImageChops.difference(a.convert("1"), b.convert("1")).getbbox() is None


def black_pixels(image: Image.Image) -> int:
    histogram = image.convert("L").histogram()
    return sum(histogram) - histogram[0]


def usable_dots(dpi: int, width_mm: float = 25.4) -> int:
    return dots(width_mm, dpi) - 2 * dots(EDGE_MM, dpi)


def name_bitmap(name: str, dpi: int) -> Image.Image:
    return text_bitmap(name, round(usable_dots(dpi) * ROW_NAME), dots(TEXT_MAX_MM, dpi))


def graphic_at(label: Label, x: int, y: int) -> Field:
    [found] = [f for f in label.of("GF") if (f.x, f.y) == (x, y)]
    return found


# --- structure -----------------------------------------------------------------------------------


def test_one_label_with_utf8_and_one_copy() -> None:
    zpl = wristband_zpl(make_band())
    label = read_zpl(zpl)
    assert zpl.startswith("^XA")
    assert zpl.rstrip().endswith("^XZ")
    names = [name for _, name, _ in label.commands]
    assert names[:2] == ["XA", "CI"] and label.settings["CI"] == "28"
    assert names.count("XA") == 1 and names.count("XZ") == 1
    assert label.settings["PQ"] == "1"


@pytest.mark.parametrize(
    ("dpi", "width_mm", "length_mm", "pw", "ll"),
    [
        (203, 25.4, 279.4, 203, 2233),
        (300, 25.4, 279.4, 300, 3300),
        (300, 25.4, 254.0, 300, 3000),
        (600, 25.4, 279.4, 600, 6600),
    ],
)
def test_print_width_and_label_length_follow_the_band(
    dpi: int, width_mm: float, length_mm: float, pw: int, ll: int
) -> None:
    label = read_zpl(wristband_zpl(make_band(allergy=True, allergy_text="青霉素"), dpi, width_mm, length_mm))
    assert label.settings["PW"] == str(pw)
    assert label.settings["LL"] == str(ll)
    assert pw == round(width_mm / 25.4 * dpi) and ll == round(length_mm / 25.4 * dpi)


def test_code128_carries_the_inpatient_number() -> None:
    label = read_zpl(wristband_zpl(make_band()))
    [barcode] = label.of("BC")
    orientation, height, interpretation, above, ucc, mode = barcode.args.split(",")
    assert (orientation, interpretation, above, ucc, mode) == ("R", "N", "N", "N", "N")
    assert int(height) > 0
    # Mode N with no start code is subset B, so the field data is exactly what gets encoded.
    assert barcode.data == "ZY2026000123"
    module = int(label.settings["BY"].split(",")[0])
    assert module == 3
    [number] = [f for f in label.of("text") if f.data == "ZY2026000123"]
    assert number.y == barcode.y  # the human-readable number starts where the bars do


def test_qr_is_model_2_with_level_q_and_automatic_input() -> None:
    label = read_zpl(wristband_zpl(make_band()))
    [qr] = label.of("BQ")
    orientation, model, magnification, level = qr.args.split(",")
    assert (orientation, model, level) == ("N", "2", "Q")
    assert 1 <= int(magnification) <= 10
    assert qr.data == "QA,ZY2026000123"


def test_ascii_fields_use_font_0_rotated() -> None:
    label = read_zpl(wristband_zpl(make_band()))
    texts = label.of("text")
    assert {t.data for t in texts} == {"ZY2026000123", "F 45Y  ADM 2026-03-01"}
    for t in texts:
        assert t.font is not None
        name, orientation, height, width = t.font
        assert (name, orientation) == ("0", "R") and height == width > 0


# --- graphics ----------------------------------------------------------------------------------


@pytest.mark.parametrize("compress", [False, True])
def test_graphic_fields_have_consistent_counts(compress: bool) -> None:
    label = read_zpl(
        wristband_zpl(make_band(allergy=True, allergy_text="青霉素"), compress_graphics=compress)
    )
    graphics = label.of("GF")
    assert len(graphics) == 5  # hospital, name, ward and bed, allergy flag, allergy text
    for g in graphics:
        kind, total, count, per_row, data = g.args.split(",", 4)
        image = decode_gfa(g)
        assert int(total) == int(count) == int(per_row) * image.height
        if not compress:
            assert len(data) == 2 * int(total)
            assert re.fullmatch(r"[0-9A-F]+", data)
        assert black_pixels(image) > 0


@pytest.mark.parametrize("dpi", [203, 300])
def test_name_graphic_is_the_rendered_name(dpi: int) -> None:
    band = make_band()
    label = read_zpl(wristband_zpl(band, dpi))
    expected = name_bitmap(band.patient_name, dpi)
    assert black_pixels(expected) > 0
    name = wristband_layout(band, dpi).get("patient_name")
    decoded = decode_gfa(graphic_at(label, name.x, name.y))
    # Rows are padded to whole bytes with white; the bitmap is the name turned 90° clockwise.
    assert same_pixels(decoded, pad_to_bytes(expected.transpose(Image.Transpose.ROTATE_270)))


def test_compressed_graphics_decode_to_the_same_bitmaps() -> None:
    band = make_band(allergy=True, allergy_text="青霉素、头孢类")
    plain, packed = wristband_zpl(band), wristband_zpl(band, compress_graphics=True)
    assert len(packed) < len(plain) / 2
    plain_graphics, packed_graphics = read_zpl(plain).of("GF"), read_zpl(packed).of("GF")
    assert [(g.x, g.y) for g in plain_graphics] == [(g.x, g.y) for g in packed_graphics]
    for a, b in zip(plain_graphics, packed_graphics, strict=True):
        assert same_pixels(decode_gfa(a), decode_gfa(b))
    assert any(ch in g.args.split(",", 4)[4] for g in packed_graphics for ch in ",:")


def test_compression_scheme_matches_the_programming_guide() -> None:
    # The guide's own examples: M6 is seven 6s, hB forty Bs, vMB 327 Bs.
    assert decode_graphic_data("M66", 4) == [bytes.fromhex("66666666")]
    assert decode_graphic_data("hB", 20) == [b"\xbb" * 20]
    assert decode_graphic_data("vMBB", 164) == [b"\xbb" * 164]
    rows = [b"\x00\x00\x00", b"\xff\x0f\x00", b"\xff\x0f\x00", b"\x12\xff\xff", b"\x10\x00\x01", b"\xab" * 3]
    packed = compress_rows(rows)
    assert not packed.startswith(":")
    assert decode_graphic_data(packed, 3) == rows
    assert packed == ",HF0F,:12!1J01ABABAB"


# --- injection ---------------------------------------------------------------------------------


def test_sanitize_field_data_drops_command_prefixes_and_controls() -> None:
    assert sanitize_field_data("A^XZ~JA\x00\x1b\n\u202eB C") == "AXZJAB C"
    assert sanitize_field_data("ZY2026000123") == "ZY2026000123"


def test_hostile_text_cannot_add_commands() -> None:
    clean = read_zpl(wristband_zpl(make_band()))
    hostile_band = make_band(
        patient_name=f"张{HOSTILE}三", ward=f"ICU{HOSTILE}", hospital_name=HOSTILE, bed="~JA"
    )
    hostile = read_zpl(wristband_zpl(hostile_band))
    assert [name for _, name, _ in hostile.commands] == [name for _, name, _ in clean.commands]
    for f in hostile.fields:
        for value in (f.data or "", f.args):
            assert "^" not in value and "~" not in value
    name = wristband_layout(hostile_band).get("patient_name")
    decoded = decode_gfa(graphic_at(hostile, name.x, name.y))
    expected = name_bitmap(hostile_band.patient_name, 300)
    assert same_pixels(decoded, pad_to_bytes(expected.transpose(Image.Transpose.ROTATE_270)))


@pytest.mark.parametrize(
    "inpatient_no", ["zy2026", "ZY-2026", "ZY1", "Z" * 21, "ZY2026\n", "ZY^XZ", "ZY~JA1", "ＺＹ2026", ""]
)
def test_inpatient_number_is_validated(inpatient_no: str) -> None:
    with pytest.raises(ValueError, match="inpatient_no"):
        make_band(inpatient_no=inpatient_no)


@pytest.mark.parametrize("age", [-1, 151, True])
def test_age_is_validated(age: int) -> None:
    with pytest.raises(ValueError, match="age"):
        make_band(age=age)


def test_other_fields_are_validated() -> None:
    with pytest.raises(ValueError, match="gender"):
        make_band(gender="X")
    with pytest.raises(ValueError, match="patient_name"):
        make_band(patient_name=" \n\t ")
    with pytest.raises(ValueError, match="allergy_text"):
        make_band(allergy=False, allergy_text="青霉素")
    assert make_band(age=0).age == 0 and make_band(age=150).age == 150
    assert make_band(allergy=False, allergy_text=" ").allergy is False


# --- geometry ----------------------------------------------------------------------------------


def overlaps(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


BANDS = [
    make_band(),
    make_band(allergy=True, allergy_text="青霉素、头孢类、磺胺类、碘造影剂、海鲜、花粉"),
    make_band(allergy=True, patient_name=LONG_NAME, inpatient_no="ZY" + "9" * 18, ward="重症医学科" * 4),
    make_band(patient_name="Maximilian Alexander Montgomery-Worthington", hospital_name="First Hospital"),
]


@pytest.mark.parametrize("dpi", [203, 300])
@pytest.mark.parametrize("band", BANDS, ids=["plain", "allergy", "long", "latin"])
def test_every_field_lies_inside_the_label_without_overlap(dpi: int, band: Wristband) -> None:
    label = read_zpl(wristband_zpl(band, dpi))
    pw, ll = int(label.settings["PW"]), int(label.settings["LL"])
    rects = {}
    for i, f in enumerate(label.fields):
        across, along = extent(f, label)
        assert 0 <= f.x and f.x + across <= pw, (f.kind, f.x, across)
        assert 0 <= f.y and f.y + along <= ll, (f.kind, f.y, along)
        rects[i] = (f.x, f.y, f.x + across, f.y + along)
    boxes = [rects[i] for i, f in enumerate(label.fields) if f.kind == "GB"]
    module = int(label.settings["BY"].split(",")[0])
    for i, f in enumerate(label.fields):
        if f.reverse:  # knocked out of the allergy box: must sit inside it
            assert any(
                b[0] <= rects[i][0] and b[1] <= rects[i][1] and rects[i][2] <= b[2] and rects[i][3] <= b[3]
                for b in boxes
            )
            continue
        rect = rects[i]
        if f.kind == "BC":  # Code 128 needs 10 modules of white before and after the bars
            rect = (rect[0], rect[1] - 10 * module, rect[2], rect[3] + 10 * module)
        for j, g in enumerate(label.fields):
            if j != i and not g.reverse:
                assert not overlaps(rect, rects[j]), (f.kind, g.kind)


def test_allergy_box_only_when_allergic() -> None:
    none = read_zpl(wristband_zpl(make_band(allergy=False)))
    assert none.of("GB") == [] and not any(f.reverse for f in none.fields)

    band = make_band(allergy=True, allergy_text="青霉素")
    label = read_zpl(wristband_zpl(band))
    [box] = label.of("GB")
    width, height, thickness = (int(v) for v in box.args.split(","))
    assert thickness == min(width, height)  # a border as thick as the short side: solid black
    assert width >= usable_dots(300) - 1 and height >= dots(20, 300)
    reversed_graphics = [f for f in label.fields if f.reverse]
    assert [f.kind for f in reversed_graphics] == ["GF", "GF"]
    inner = dots(ALLERGY_MAX_MM, 300) - 2 * dots(ALLERGY_PAD_MM, 300)
    flag = text_bitmap(ALLERGY_FLAG, round(usable_dots(300) * ALLERGY_FLAG_ROW), inner)
    assert same_pixels(
        decode_gfa(reversed_graphics[0]), pad_to_bytes(flag.transpose(Image.Transpose.ROTATE_270))
    )

    alone = read_zpl(wristband_zpl(make_band(allergy=True)))
    assert len(alone.of("GB")) == 1 and len([f for f in alone.fields if f.reverse]) == 1


@pytest.mark.parametrize("dpi", [203, 300])
def test_short_and_long_names_fit(dpi: int) -> None:
    row, room = round(usable_dots(dpi) * ROW_NAME), dots(TEXT_MAX_MM, dpi)
    short = fit_text("欧阳娜娜", row, room)
    assert short == FittedText("欧阳娜娜", row)  # four hanzi: full size, untouched
    long = fit_text(LONG_NAME, row, room)
    assert long.size < row
    assert long.text.endswith(ELLIPSIS) and LONG_NAME.startswith(long.text[:-1])
    for name in ("欧阳娜娜", LONG_NAME):
        layout = wristband_layout(make_band(patient_name=name), dpi)
        graphic = layout.get("patient_name")
        assert isinstance(graphic, Graphic)
        assert graphic.image.height <= room  # along the band
        assert graphic.image.width == row  # across the band: the row, never taller
        assert (
            graphic.x + graphic.image.width <= layout.width
            and graphic.y + graphic.image.height <= layout.length
        )
        assert black_pixels(graphic.image) > 0


def test_moderately_long_name_shrinks_before_it_is_cut() -> None:
    row, room = round(usable_dots(300) * ROW_NAME), dots(TEXT_MAX_MM, 300)
    fitted = fit_text("欧阳娜娜娜娜娜娜娜娜娜", row, room)  # 11 hanzi: too wide at full size
    assert row * 0.6 <= fitted.size < row
    assert fitted.text == "欧阳娜娜娜娜娜娜娜娜娜"


def test_too_short_band_is_refused() -> None:
    with pytest.raises(ValueError, match="too short"):
        wristband_zpl(make_band(), 300, 25.4, 100.0)


# --- Code 128 tables (used by the preview) -------------------------------------------------------


def test_code128_patterns_are_well_formed() -> None:
    assert len(CODE128_PATTERNS) == 106 and len(set(CODE128_PATTERNS)) == 106
    assert all(len(p) == 6 and sum(map(int, p)) == 11 for p in CODE128_PATTERNS)
    assert sum(map(int, CODE128_STOP)) == 13
    widths = code128_widths("ABC")
    # Start B, A B C (values 33 34 35), check (104 + 33 + 68 + 105) % 103 = 1, stop.
    assert widths == "211214" + "111323" + "131123" + "131321" + "222122" + CODE128_STOP
    assert code128_modules("ZY2026000123") == 11 * 14 + 13


# --- preview -----------------------------------------------------------------------------------


def preview(band: Wristband, dpi: int = 300) -> Image.Image:
    image = Image.open(io.BytesIO(wristband_preview_png(band, dpi)))
    image.load()
    return image


@pytest.mark.parametrize("dpi", [203, 300])
def test_preview_shows_the_same_graphics_as_the_zpl(dpi: int) -> None:
    band = make_band(allergy=True, allergy_text="青霉素")
    image = preview(band, dpi)
    label = read_zpl(wristband_zpl(band, dpi))
    pw, ll = int(label.settings["PW"]), int(label.settings["LL"])
    assert image.format == "PNG" and image.size == (ll, pw)  # the band as read: along x, across y
    ink = Image.eval(image.convert("L"), lambda p: 255 - p).convert("1")
    graphics = [e for e in wristband_layout(band, dpi).elements if isinstance(e, Graphic) and not e.reverse]
    assert len(graphics) == 3
    for e in graphics:
        drawn = decode_gfa(graphic_at(label, e.x, e.y)).crop((0, 0, *e.image.size))
        upright = drawn.transpose(Image.Transpose.ROTATE_90)
        # Label (x, y) is band (u = y, v = PW - x - width).
        u, v = e.y, pw - e.x - drawn.width
        assert same_pixels(ink.crop((u, v, u + upright.width, v + upright.height)), upright)
        assert black_pixels(upright) > 0
    [box] = label.of("GB")
    assert ink.getpixel((box.y + 2, pw - box.x - 3))  # inside the box: black


def test_preview_without_allergy_has_no_black_box() -> None:
    image = preview(make_band())
    ink = Image.eval(image.convert("L"), lambda p: 255 - p)
    assert black_pixels(ink) < image.width * image.height // 10


def test_preview_qr_decodes() -> None:
    zxingcpp = pytest.importorskip("zxingcpp")
    results = zxingcpp.read_barcodes(preview(make_band()).convert("L"))
    assert {r.text for r in results} >= {"ZY2026000123"}
