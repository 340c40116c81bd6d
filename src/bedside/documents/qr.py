"""QR codes for receipts and phone pages.

Always segno.make_qr: segno.make picks a Micro QR for short content, which phone cameras
and WeChat's scanner do not read.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import segno

# M recovers ~15% damage: a thermal print that is scuffed or folded still scans.
ERROR_LEVEL = "m"


def qr_code(data: str) -> segno.QRCode:
    import segno  # about 40 ms, paid by the first page or receipt that shows a code

    if not data:
        raise ValueError("a QR code needs content")
    return segno.make_qr(data, error=ERROR_LEVEL)


def qr_png(data: str, scale: int = 4) -> bytes:
    out = io.BytesIO()
    qr_code(data).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def qr_svg(data: str, scale: int = 4, title: str | None = None) -> str:
    """Inline SVG (no XML declaration), ready to drop into an HTML template."""
    out = io.BytesIO()
    qr_code(data).save(out, kind="svg", scale=scale, border=4, xmldecl=False, svgns=True, title=title)
    return out.getvalue().decode("utf-8")
