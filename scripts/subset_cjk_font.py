"""Build the vendored receipt font: a GB2312-sized subset of Noto Sans CJK SC Regular.

Usage: python scripts/subset_cjk_font.py [--source PATH.ttc] [--output PATH.otf]

The source is Debian's fonts-noto-cjk package (`apt-get install fonts-noto-cjk`).
The result is renamed "Bedside Sans SC": the upstream licence reserves the font
name "Source" and "Noto" is a Google trademark, so a modified version must not
present itself under either name (OFL 1.1 condition 3).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
DEFAULT_OUTPUT = ROOT / "src/bedside/documents/fonts/BedsideSansSC-Regular.otf"

SOURCE_POSTSCRIPT_NAME = "NotoSansCJKsc-Regular"
FAMILY = "Bedside Sans SC"
POSTSCRIPT_NAME = "BedsideSansSC-Regular"

# Name records to keep: identity (0-6), trademark/credits/URLs (7-12) and, for
# OFL 1.1 condition 2, the licence description and URL (13-14). fontTools keeps only 0-6 by default.
KEEP_NAME_IDS = list(range(15))


def wanted_codepoints() -> set[int]:
    cps: set[int] = set()
    cps.update(range(0x20, 0x7F))  # ASCII
    cps.update(range(0xA0, 0x100))  # Latin-1 supplement
    cps.update(range(0x2010, 0x2070))  # general punctuation: — ‘ ’ “ ” … ‰ ※
    cps.update(range(0x3000, 0x3040))  # CJK symbols and punctuation: 、。〈〉《》「」【】
    cps.update(range(0xFF00, 0xFFF0))  # full-width forms, incl. ￥ (U+FFE5)
    cps.update((0xA5, 0xFFE5, 0x20AC, 0x25A1))  # ¥ ￥ € and □ (drawn where a glyph is missing)
    cps.update(gb2312_codepoints())
    return cps


def gb2312_codepoints() -> set[int]:
    """Every character GB2312 defines: symbol rows 0xA1-0xA9 and hanzi rows 0xB0-0xF7 (6763 hanzi)."""
    cps: set[int] = set()
    for lead in range(0xA1, 0xF8):
        for trail in range(0xA1, 0xFF):
            try:
                char = bytes((lead, trail)).decode("gb2312")
            except UnicodeDecodeError:
                continue  # unassigned cell (e.g. 0xD7FA-0xD7FE, the empty rows 10-15)
            cps.add(ord(char))
    return cps


def gb2312_hanzi() -> set[int]:
    cps: set[int] = set()
    for lead in range(0xB0, 0xF8):
        for trail in range(0xA1, 0xFF):
            try:
                cps.add(ord(bytes((lead, trail)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return cps


def load_sc_face(source: Path) -> TTFont:
    # The face order inside the .ttc differs between releases, so match on the PostScript name.
    collection = TTCollection(str(source), lazy=False)
    for face in collection.fonts:
        if face["name"].getDebugName(6) == SOURCE_POSTSCRIPT_NAME:
            return face
    names = [face["name"].getDebugName(6) for face in collection.fonts]
    raise SystemExit(f"{source} has no {SOURCE_POSTSCRIPT_NAME} face (found: {names})")


def rename(font: TTFont, source_version: str) -> None:
    name = font["name"]
    full = f"{FAMILY} Regular"
    for record in list(name.names):
        if record.nameID in (16, 17, 18, 21, 22):
            name.removeNames(nameID=record.nameID)
    name.setName(FAMILY, 1, 3, 1, 0x409)
    name.setName("Regular", 2, 3, 1, 0x409)
    name.setName(f"{source_version};BEDSIDE;{POSTSCRIPT_NAME}", 3, 3, 1, 0x409)
    name.setName(full, 4, 3, 1, 0x409)
    name.setName(
        f"Version {source_version}; subset of Noto Sans CJK SC Regular for Bedside receipts", 5, 3, 1, 0x409
    )
    name.setName(POSTSCRIPT_NAME, 6, 3, 1, 0x409)

    # The CFF table carries its own copy of the names, which is what PDF viewers show.
    cff = font["CFF "].cff
    cff.fontNames = [POSTSCRIPT_NAME]
    top = cff.topDictIndex[0]
    top.FullName = full
    top.FamilyName = FAMILY
    if hasattr(top, "FDArray"):
        for fd in top.FDArray:
            fd_name = getattr(fd, "FontName", None)
            if fd_name and fd_name.startswith(SOURCE_POSTSCRIPT_NAME):
                fd.FontName = POSTSCRIPT_NAME + fd_name[len(SOURCE_POSTSCRIPT_NAME) :]


def build(source: Path, output: Path) -> TTFont:
    font = load_sc_face(source)
    source_version = font["name"].getDebugName(5).split(";")[0].removeprefix("Version ").strip()
    cmap = font.getBestCmap()
    missing_hanzi = gb2312_hanzi() - cmap.keys()
    if missing_hanzi:
        raise SystemExit(f"source lacks {len(missing_hanzi)} GB2312 hanzi, e.g. {chr(min(missing_hanzi))}")

    options = subset.Options()
    options.name_IDs = KEEP_NAME_IDS
    options.name_languages = ["*"]
    options.name_legacy = True
    # Receipts are set horizontally without shaping: OpenType layout would only add weight.
    options.layout_features = []
    options.drop_tables += ["BASE", "VORG", "vhea", "vmtx", "GSUB", "GPOS", "GDEF"]
    options.notdef_outline = True  # an empty box for characters outside the subset, rather than nothing
    options.recalc_timestamp = False  # same source, same bytes
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(wanted_codepoints() & cmap.keys()))
    subsetter.subset(font)

    rename(font, source_version)
    output.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(output))
    return font


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    if not args.source.exists():
        print(f"{args.source} not found: apt-get install fonts-noto-cjk", file=sys.stderr)
        return 1
    font = build(args.source, args.output)
    glyphs = len(font.getGlyphOrder())
    size = args.output.stat().st_size
    print(f"wrote {args.output} ({size:,} bytes, {glyphs} glyphs, {len(font.getBestCmap())} characters)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
