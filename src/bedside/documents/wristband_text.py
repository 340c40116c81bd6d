"""Free text on the wristband (hospital, name, ward and bed, the allergy flag), drawn with the
vendored CJK font as one-line bitmaps: Zebra printers rarely carry a Chinese font. Pillow is
imported when a band is first drawn, not when the app starts."""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from bedside.documents.fonts import font_path, renderable

if TYPE_CHECKING:
    from PIL import Image, ImageFont

ELLIPSIS = "\u2026"
# Noto CJK's ideographic em box sits 880/1000 above the baseline and 120/1000 below; putting the
# baseline there lets a row's height be the em size, so hanzi come out as large as the row allows.
EM_ASCENT = 0.88
# Long names shrink to this share of the row before they are cut: smaller is unreadable on a wrist.
MIN_TEXT_SCALE = 0.6

CONTROL_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})


def clean_text(text: str) -> str:
    """One line of printable text: control and format characters (newlines, bidi overrides,
    zero-width joiners) become spaces, runs of whitespace collapse."""
    spaced = "".join(" " if unicodedata.category(ch) in CONTROL_CATEGORIES else ch for ch in text)
    return " ".join(spaced.split())


@dataclass(frozen=True)
class FittedText:
    text: str  # what is drawn: cleaned, uncovered characters as □, maybe cut with …
    size: int  # font size in dots (the em)


@lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont:
    from PIL import ImageFont

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
    from PIL import Image, ImageDraw

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
    from PIL import Image

    return image.transpose(Image.Transpose.ROTATE_270)
