"""The hospital's e-seal picture: a red round seal drawn with Pillow and the vendored font.

It is a picture of a seal, printed on Bedside's own discharge documents so they look like the
paper a patient knows. It carries no legal weight: the fiscal e-invoice platform applies the
binding seal, and Bedside's tamper evidence is the PDF signature in `bedside.documents.discharge`.

The layout follows the usual Chinese institutional seal: an outer ring, a five-pointed star in the
centre, the institution's name along the upper arc reading clockwise with the tops of the
characters outwards, and the seal's purpose set straight below the star.
"""

from __future__ import annotations

import io
import math
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING

from bedside.documents.fonts import font_path, renderable

if TYPE_CHECKING:
    from PIL import Image, ImageDraw, ImageFont

DEFAULT_LABEL = "电子票据专用章"
SEAL_RED = (214, 26, 32)
# Ink lets ~12% of what is underneath through, like stamp-pad ink: an amount the seal lands on
# stays readable.
INK_OPACITY = 0.88
# Drawn this many times larger and scaled down: Pillow draws ellipses and polygons without
# antialiasing and rotated text tiles get stair-stepped edges; a 4x box filter smooths both.
SUPERSAMPLE = 4
MIN_SIZE_PX = 64

# Proportions of the seal's diameter.
RING_WIDTH = 0.035
EDGE_MARGIN = 0.01
TEXT_GAP = 0.025
STAR_RADIUS = 0.17
STAR_INNER_RATIO = 0.382  # a regular pentagram's inner/outer radius
NAME_MAX_FONT = 0.13
NAME_MAX_STEP_DEG = 24.0
# A short name is spread out rather than bunched at the top, as seal engravers do.
NAME_MIN_SPAN_DEG = 150.0
# The name may run down to 30 degrees below the horizontal on each side, leaving room under the
# star for the label.
NAME_MAX_SPAN_DEG = 240.0
# Characters on the arc sit this tight relative to the arc length each one is given.
NAME_FILL = 0.86
LABEL_FONT = 0.078
# Seal characters are cut heavier than body text; a stroke of this share of the font size
# thickens the regular face the font ships.
STROKE = 0.025
LABEL_MAX_WIDTH = 0.56
LABEL_CENTRE_Y = 0.72


def seal_png(hospital_name: str, label: str = DEFAULT_LABEL, size_px: int = 360) -> bytes:
    """A square RGBA PNG, `size_px` on each side, transparent outside the ink.

    The same arguments give the same bytes (no randomness, no timestamps in the PNG).
    """
    name = _clean(hospital_name)
    if not name:
        raise ValueError("a seal needs the hospital's name")
    if size_px < MIN_SIZE_PX:
        raise ValueError(f"a seal smaller than {MIN_SIZE_PX} px cannot carry its text")
    return _render(name, _clean(label), size_px)


def _clean(text: str) -> str:
    # A newline or a zero-width character in a name from the HIS would be drawn as a box on the arc.
    kept = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp"))
    return renderable(kept.strip())


@lru_cache(maxsize=32)
def _render(name: str, label: str, size_px: int) -> bytes:
    big = size_px * SUPERSAMPLE
    from PIL import Image, ImageDraw

    ink = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(ink)
    centre = big / 2
    outer = centre - big * EDGE_MARGIN
    ring = big * RING_WIDTH

    draw.ellipse((centre - outer, centre - outer, centre + outer, centre + outer), fill=255)
    inner = outer - ring
    draw.ellipse((centre - inner, centre - inner, centre + inner, centre + inner), fill=0)

    draw.polygon(_star(centre, centre, big * STAR_RADIUS), fill=255)
    _draw_arc_text(ink, name, centre, inner - big * TEXT_GAP, big)
    if label:
        _draw_label(draw, label, centre, big)

    small = ink.resize((size_px, size_px), Image.Resampling.BOX)
    alpha = small.point(lambda v: round(v * INK_OPACITY))
    seal = Image.new("RGBA", (size_px, size_px), (*SEAL_RED, 0))
    seal.putalpha(alpha)
    out = io.BytesIO()
    seal.save(out, format="PNG", optimize=False)
    return out.getvalue()


def _star(cx: float, cy: float, radius: float) -> list[tuple[float, float]]:
    """Ten points of a pentagram with one tip straight up."""
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * STAR_INNER_RATIO
        angle = math.radians(i * 36)
        points.append((cx + r * math.sin(angle), cy - r * math.cos(angle)))
    return points


@lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont:
    from PIL import ImageFont

    return ImageFont.truetype(font_path(), size)


def _draw_arc_text(ink: Image.Image, text: str, centre: float, outer_radius: float, big: int) -> None:
    """Draws `text` centred on the top of the circle, each character upright relative to the
    circle, with its outer edge on `outer_radius`."""
    from PIL import Image, ImageChops, ImageDraw

    n = len(text)
    span = min(max(n * NAME_MAX_STEP_DEG, NAME_MIN_SPAN_DEG), NAME_MAX_SPAN_DEG)
    step = math.radians(span / n)
    # A character's box is the font size; its centre sits half a size inside `outer_radius`, and
    # it must fit the arc length NAME_FILL * step at that radius: size = k (R - size / 2).
    k = NAME_FILL * step
    size = min(big * NAME_MAX_FONT, k * outer_radius / (1 + k / 2))
    font = _font(max(1, round(size)))
    radius = outer_radius - size / 2
    tile_side = math.ceil(size * 1.6)
    for i, ch in enumerate(text):
        angle = (i - (n - 1) / 2) * step  # clockwise from straight up
        tile = Image.new("L", (tile_side, tile_side), 0)
        ImageDraw.Draw(tile).text(
            (tile_side / 2, tile_side / 2),
            ch,
            fill=255,
            font=font,
            anchor="mm",
            stroke_width=_stroke(font.size),
            stroke_fill=255,
        )
        turned = tile.rotate(-math.degrees(angle), resample=Image.Resampling.BICUBIC, center=None)
        x = centre + radius * math.sin(angle) - tile_side / 2
        y = centre - radius * math.cos(angle) - tile_side / 2
        region = (round(x), round(y), round(x) + tile_side, round(y) + tile_side)
        # Lighter (per-pixel max), not paste: a tile's transparent corners would otherwise erase
        # the neighbouring character or the ring.
        ink.paste(ImageChops.lighter(ink.crop(region), turned), region[:2])


def _draw_label(draw: ImageDraw.ImageDraw, label: str, centre: float, big: int) -> None:
    size = big * LABEL_FONT
    font = _font(round(size))
    width = draw.textlength(label, font=font)
    limit = big * LABEL_MAX_WIDTH
    if width > limit:
        font = _font(max(1, math.floor(size * limit / width)))
    draw.text(
        (centre, big * LABEL_CENTRE_Y),
        label,
        fill=255,
        font=font,
        anchor="mm",
        stroke_width=_stroke(font.size),
        stroke_fill=255,
    )


def _stroke(font_size: float) -> int:
    return max(1, round(font_size * STROKE))
