"""The CJK font embedded in every PDF and drawn into wristband and seal images, so documents
render the same on any viewer and printer. It is a subset of Debian's Noto Sans CJK SC built
into the package by `make install` (scripts/subset_cjk_font.py; see fonts/README.md), not
committed: the repository holds the generator, not its 2 MB output."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from bedside.core.errors import DomainError
from bedside.core.i18n import N_

if TYPE_CHECKING:
    from fpdf import FPDF

FONT_PATH = Path(__file__).resolve().parent / "fonts" / "BedsideSansSC-Regular.ttf"
FONT_FAMILY = "BedsideSansSC"
# Drawn instead of a character the subset lacks; the conventional "missing character" mark in Chinese print.
MISSING_GLYPH = "\u25a1"


class FontMissing(DomainError):
    status = 503
    code = "cjk_font_missing"
    message = N_("Documents cannot be printed: the Chinese font is not installed on this server.")


def font_path() -> Path:
    """The built font; a clear 503 rather than a crash when the server was installed without
    Debian's fonts-noto-cjk (apt-get install fonts-noto-cjk, then make install)."""
    if not FONT_PATH.is_file():
        raise FontMissing()
    return FONT_PATH


def register_font(pdf: FPDF) -> str:
    """Adds the font to `pdf` (once) and returns the family name for `set_font`."""
    if FONT_FAMILY.lower() not in pdf.fonts:
        pdf.add_font(FONT_FAMILY, "", font_path())
    return FONT_FAMILY


@cache
def covered_codepoints() -> frozenset[int]:
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    font = TTFont(font_path(), lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


def renderable(text: str) -> str:
    """`text` with characters outside the font replaced by a visible box: fpdf2 silently drops
    them, which would print a patient's name with a character missing and nobody noticing."""
    covered = covered_codepoints()
    return "".join(ch if ord(ch) in covered or ch in "\n\t" else MISSING_GLYPH for ch in text)
