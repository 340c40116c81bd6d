"""Uploaded photos, checked by what they are, not by what the browser says: at most `max_bytes`,
an image Pillow reads as JPEG or PNG within MAX_PIXELS. The result is re-encoded (EXIF, location
and anything riding along are dropped; a huge photo is scaled down), so what is kept and shown
is never the uploaded file itself."""

from __future__ import annotations

import io
import warnings

from bedside.core.errors import InvalidInput
from bedside.core.i18n import N_

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 2400


class NotAnImage(InvalidInput):
    code = "invalid_image"
    message = N_("Choose a JPEG or PNG photo of at most 5 MB.")


def clean_image(
    data: bytes, *, max_bytes: int = MAX_BYTES, error: type[InvalidInput] = NotAnImage
) -> tuple[bytes, str]:
    """The upload re-encoded as (bytes, content type), or `error` (field "file")."""
    # Imported here: Pillow is heavy, and the app should not pay for it at start-up.
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not data or len(data) > max_bytes:
        raise error(field="file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=("JPEG", "PNG"))
            fmt = img.format
            if img.width * img.height > MAX_PIXELS:
                raise error(field="file")
            img.load()
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        SyntaxError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise error(field="file") from exc
    upright = ImageOps.exif_transpose(img)  # before its EXIF goes
    upright.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    if fmt == "PNG":
        upright.save(out, "PNG", optimize=True)
        return out.getvalue(), "image/png"
    upright.convert("RGB").save(out, "JPEG", quality=85)
    return out.getvalue(), "image/jpeg"
