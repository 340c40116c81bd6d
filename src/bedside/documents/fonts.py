"""The CJK font shipped inside the package, so PDFs render on machines with no Chinese fonts
and no internet (hospital intranets). Built by scripts/subset_cjk_font.py; see fonts/README.md."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
from fpdf import FPDF

FONT_PATH = Path(__file__).resolve().parent / "fonts" / "BedsideSansSC-Regular.ttf"
FONT_FAMILY = "BedsideSansSC"
# Drawn instead of a character the subset lacks; the conventional "missing character" mark in Chinese print.
MISSING_GLYPH = "\u25a1"


def register_font(pdf: FPDF) -> str:
    """Adds the vendored font to `pdf` (once) and returns the family name for `set_font`."""
    if FONT_FAMILY.lower() not in pdf.fonts:
        pdf.add_font(FONT_FAMILY, "", FONT_PATH)
    return FONT_FAMILY


@cache
def covered_codepoints() -> frozenset[int]:
    font = TTFont(FONT_PATH, lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


def renderable(text: str) -> str:
    """`text` with characters outside the font replaced by a visible box: fpdf2 silently drops
    them, which would print a patient's name with a character missing and nobody noticing."""
    covered = covered_codepoints()
    return "".join(ch if ord(ch) in covered or ch in "\n\t" else MISSING_GLYPH for ch in text)
