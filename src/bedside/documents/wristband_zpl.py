"""The wristband as ZPL II for a Zebra wristband printer, and a PNG preview of the same band.
The text reads along the band, so every field is rotated 90° clockwise; the preview turns the
rasterised label back 90° counter-clockwise so it shows the band the way a nurse reads it."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from bedside.documents.wristband_layout import (
    BY_HEIGHT,
    GF_MAX_BYTES,
    Box,
    Code128,
    Element,
    Graphic,
    QRCode,
    Text,
    Wristband,
    WristbandLayout,
    code128_widths,
    qr_symbol,
    sanitize_field_data,
    wristband_layout,
)
from bedside.documents.wristband_text import text_bitmap, to_label

if TYPE_CHECKING:
    from PIL import Image


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
    from PIL import ImageChops

    box = (x, y, x + image.width, y + image.height)
    region = canvas.crop(box)
    combined = ImageChops.logical_xor(region, image) if reverse else ImageChops.logical_or(region, image)
    canvas.paste(combined, box)


def wristband_raster(layout: WristbandLayout) -> Image.Image:
    """The label as the printer would image it: label orientation, mode "1", set pixel = black dot.
    ^A0 text uses the vendored font at the same height, an approximation of the printer's font 0."""
    from PIL import Image, ImageDraw

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
    from PIL import Image, ImageOps

    label = wristband_raster(wristband_layout(w, dpi, width_mm, length_mm))
    band = label.transpose(Image.Transpose.ROTATE_90)
    shown = ImageOps.invert(band.convert("L")).convert("1", dither=Image.Dither.NONE)
    out = io.BytesIO()
    shown.save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()
