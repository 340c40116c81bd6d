"""Build the vendored receipt font: a GB2312-sized subset of Noto Sans CJK SC Regular.

Usage: python scripts/subset_cjk_font.py [--source PATH.ttc] [--output PATH.ttf]

Writes the font and, next to it, OFL.txt (the licence, taken from Debian's copyright file).

The source is Debian's fonts-noto-cjk package (`apt-get install fonts-noto-cjk`).

The result is renamed "Bedside Sans SC": the upstream licence reserves the font name
"Source" and "Noto" is a Google trademark, so a modified version must not present itself
under either name (OFL 1.1 condition 3).

The CFF outlines are converted to TrueType (quadratic) outlines. fpdf2 2.8.9 embeds a
CID-keyed CFF font and viewers render it, but it writes the /Encoding as an embedded CMap
stream, which pypdf does not parse: its extracted text comes out with a NUL before every
character. A TrueType font is embedded as CIDFontType2 with Identity-H (fpdf2's
long-standing path), which pypdf, PDFium and the viewers all read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
DEFAULT_OUTPUT = ROOT / "src/bedside/documents/fonts/BedsideSansSC-Regular.ttf"
DEBIAN_COPYRIGHT = Path("/usr/share/doc/fonts-noto-cjk/copyright")
# Debian's copyright file carries the licence text but not the notice naming the Reserved
# Font Name; this line is the first line of upstream's LICENSE (googlefonts/noto-cjk).
UPSTREAM_NOTICE = "Copyright 2014-2021 Adobe (http://www.adobe.com/), with Reserved Font Name 'Source'."

SOURCE_POSTSCRIPT_NAME = "NotoSansCJKsc-Regular"
FAMILY = "Bedside Sans SC"
POSTSCRIPT_NAME = "BedsideSansSC-Regular"

# Name records to keep: identity (0-6), trademark/credits/URLs (7-12) and, for OFL 1.1
# condition 2, the licence description and URL (13-14). fontTools keeps only 0-6 by default.
KEEP_NAME_IDS = list(range(15))

# 1/1000 em: invisible at any size a receipt is printed or viewed at.
CU2QU_MAX_ERR = 1.0

GB2312_ALL_LEADS = range(0xA1, 0xF8)
GB2312_HANZI_LEADS = range(0xB0, 0xF8)
GB2312_HANZI_COUNT = 6763

# Characters outside GB2312 that turn up in patients' given names often enough that a
# tofu box on a receipt would be a support call. Entries already in GB2312 are harmless.
NAME_EXTRAS = (
    "堃喆赟昇玥琎珺琇璟瑄淏晧暐曌祎犇垚燊彧翀頔颋镕劼旸杺浛渟湉燚珩翾锘锴铖飏龑䶮"
    "玙瑨瑒璠甦瑭婕婧煊炘焓昀晞晔暘曦沄泓洺湲滢潆珈珞琪瑷璐璞祯禛骁钰琰玹珅珮琮"
)


def gb2312_codepoints(leads: range = GB2312_ALL_LEADS) -> set[int]:
    """Characters of the GB2312 rows with these lead bytes; by default the whole set
    (symbol rows 0xA1-0xA9 and the hanzi rows 0xB0-0xF7)."""
    cps: set[int] = set()
    for lead in leads:
        for trail in range(0xA1, 0xFF):
            try:
                char = bytes((lead, trail)).decode("gb2312")
            except UnicodeDecodeError:
                continue  # unassigned cell, e.g. 0xD7FA-0xD7FE
            cps.add(ord(char))
    return cps


def wanted_codepoints() -> set[int]:
    cps: set[int] = set()
    cps.update(range(0x20, 0x7F))  # ASCII
    cps.update(range(0xA0, 0x100))  # Latin-1 supplement, incl. ¥
    cps.update(range(0x2010, 0x2070))  # general punctuation: — ‘ ’ “ ” … ‰ ※
    cps.update(range(0x3000, 0x3040))  # CJK symbols and punctuation: 、。《》「」【】
    cps.update(range(0xFF00, 0xFFF0))  # half- and full-width forms, incl. ￥ (U+FFE5)
    cps.update((0xA5, 0xFFE5, 0x20AC, 0x25A1))  # ¥ ￥ € and □, drawn where a glyph is missing
    cps.update(gb2312_codepoints())
    cps.update(ord(c) for c in NAME_EXTRAS)
    return cps


def load_sc_face(source: Path) -> TTFont:
    # Nothing promises the faces' order inside the .ttc, so match on the PostScript name.
    collection = TTCollection(str(source), lazy=False)
    for face in collection.fonts:
        if face["name"].getDebugName(6) == SOURCE_POSTSCRIPT_NAME:
            return face
    names = [face["name"].getDebugName(6) for face in collection.fonts]
    raise SystemExit(f"{source} has no {SOURCE_POSTSCRIPT_NAME} face (found: {names})")


def rename(font: TTFont, source_version: str) -> None:
    name = font["name"]
    # Typographic/variation names would still say "Noto Sans CJK SC".
    for name_id in (16, 17, 18, 21, 22, 25):
        name.removeNames(nameID=name_id)
    records = {
        1: FAMILY,
        2: "Regular",
        3: f"{source_version};BEDSIDE;{POSTSCRIPT_NAME}",
        4: f"{FAMILY} Regular",
        5: f"Version {source_version}; subset of Noto Sans CJK SC Regular, TrueType outlines",
        6: POSTSCRIPT_NAME,
    }
    for name_id in records:
        name.removeNames(nameID=name_id)
    for name_id, text in records.items():
        name.setName(text, name_id, 3, 1, 0x409)


def cff_to_truetype(font: TTFont) -> None:
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    hmtx = font["hmtx"]
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for glyph_name in order:
        pen = TTGlyphPen(None)
        # CFF contours run counter-clockwise, TrueType's clockwise.
        glyph_set[glyph_name].draw(Cu2QuPen(pen, max_err=CU2QU_MAX_ERR, reverse_direction=True))
        glyf.glyphs[glyph_name] = pen.glyph()
    for glyph_name in order:
        glyph = glyf.glyphs[glyph_name]
        glyph.recalcBounds(glyf)
        advance, _ = hmtx[glyph_name]
        # TrueType rasterisers place outlines by lsb == xMin (head.flags bit 1).
        hmtx[glyph_name] = (advance, glyph.xMin if glyph.numberOfContours else 0)

    for tag in ("CFF ", "VORG"):
        if tag in font:
            del font[tag]
    font["glyf"] = glyf
    font["loca"] = newTable("loca")

    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    maxp.maxZones = 1
    for field in (
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
        "maxComponentDepth",
    ):
        setattr(maxp, field, 0)
    font["head"].glyphDataFormat = 0
    # Glyph names add weight and nothing a PDF needs; readers map through cmap.
    post = font["post"]
    post.formatType = 3.0
    post.extraNames = []
    post.mapping = {}
    font.sfntVersion = "\x00\x01\x00\x00"


def ofl_text(debian_copyright: Path) -> str:
    """The SIL-1.1 stanza of a Debian machine-readable copyright file, as plain text."""
    lines = debian_copyright.read_text(encoding="utf-8").splitlines()
    # "License: SIL-1.1" also closes the "Files: *" paragraph; the stand-alone paragraph
    # is the one whose next line is indented text.
    starts = [
        i + 1
        for i, line in enumerate(lines[:-1])
        if line == "License: SIL-1.1" and lines[i + 1].startswith(" ")
    ]
    if not starts:
        raise SystemExit(f"{debian_copyright} has no 'License: SIL-1.1' paragraph")
    start = starts[0]
    body: list[str] = []
    for line in lines[start:]:
        if not line.startswith(" "):
            break
        # Debian indents continuation lines by one space and writes blank lines as " .".
        body.append("" if line == " ." else line[1:])
    return f"{UPSTREAM_NOTICE}\n\n" + "\n".join(body).rstrip() + "\n"


def build(source: Path, output: Path) -> TTFont:
    font = load_sc_face(source)
    source_version = font["name"].getDebugName(5).split(";")[0].removeprefix("Version ").strip()
    cmap = font.getBestCmap()
    hanzi = gb2312_codepoints(GB2312_HANZI_LEADS)
    if len(hanzi) != GB2312_HANZI_COUNT:
        raise SystemExit(f"expected {GB2312_HANZI_COUNT} GB2312 hanzi, the gb2312 codec gave {len(hanzi)}")
    missing = hanzi - cmap.keys()
    if missing:
        raise SystemExit(f"source lacks {len(missing)} GB2312 hanzi, e.g. {chr(min(missing))}")

    options = subset.Options()
    options.name_IDs = KEEP_NAME_IDS
    options.name_languages = ["*"]
    # Receipts are set horizontally without shaping: OpenType layout and vertical metrics
    # would only add weight.
    options.layout_features = []
    options.drop_tables += ["BASE", "VORG", "vhea", "vmtx", "GSUB", "GPOS", "GDEF"]
    options.notdef_outline = True
    options.recalc_timestamp = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(wanted_codepoints() & cmap.keys()))
    subsetter.subset(font)

    rename(font, source_version)
    cff_to_truetype(font)
    # Keep the source's head.modified so that rebuilding from the same package gives the same bytes.
    font.recalcTimestamp = False
    output.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(output))
    return TTFont(str(output))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--debian-copyright", type=Path, default=DEBIAN_COPYRIGHT)
    args = parser.parse_args(argv)
    if not args.source.exists():
        print(f"{args.source} not found: apt-get install fonts-noto-cjk", file=sys.stderr)
        return 1
    font = build(args.source, args.output)
    licence = args.output.parent / "OFL.txt"
    licence.write_text(ofl_text(args.debian_copyright), encoding="utf-8")
    size = args.output.stat().st_size
    print(
        f"wrote {args.output}: {size:,} bytes, {len(font.getGlyphOrder())} glyphs, "
        f"{len(font.getBestCmap())} characters"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
