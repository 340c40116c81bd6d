"""Which proofs a record copy asks for, and what counts as a photo of one."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from PIL import Image

from bedside.records import proofs
from tests import factories


@pytest.mark.parametrize(
    "delivery, relation, account_id, needed",
    [
        ("pickup", "self", 1, ()),  # the office sees the cards at the counter
        ("pickup", "parent", 1, ()),
        ("mail", "self", 1, ("id_card",)),
        ("mail", "spouse", 1, ("id_card", "authorization")),
        ("mail", "parent", 1, ("id_card", "authorization")),
        ("mail", "child", 1, ("id_card", "authorization")),
        ("mail", "self", None, ()),  # asked at a kiosk, signed in there
    ],
    ids=lambda v: str(v),
)
def test_required_proofs(delivery, relation, account_id, needed):
    req = SimpleNamespace(delivery=delivery, relation=relation, account_id=account_id)
    assert proofs.required(req) == needed  # type: ignore[arg-type]


def _image(fmt: str, size: tuple[int, int] = (300, 200), **save: object) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, fmt, **save)
    return out.getvalue()


def _with_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation: rotated 90°
    return _image("JPEG", exif=exif.tobytes())


def test_a_jpeg_is_re_encoded_upright_and_without_exif():
    clean, content_type = proofs.clean_image(_with_exif())
    img = Image.open(io.BytesIO(clean))
    assert content_type == "image/jpeg" and img.size == (200, 300)  # turned upright
    assert not img.getexif()


def test_a_png_stays_png_and_a_big_photo_is_scaled_down():
    clean, content_type = proofs.clean_image(_image("PNG", (5000, 1000)))
    assert content_type == "image/png"
    assert Image.open(io.BytesIO(clean)).size == (proofs.MAX_SIDE, 480)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not a photo",
        b"%PDF-1.7\n...",
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        _image("GIF"),
        _image("BMP"),
        factories.jpeg()[:200],  # cut off
        b"\xff\xd8\xff" + b"\0" * (proofs.MAX_BYTES + 1),  # too large
    ],
    ids=["empty", "text", "pdf", "svg", "gif", "bmp", "truncated", "too-large"],
)
def test_what_is_not_a_jpeg_or_png_photo_is_refused(data):
    with pytest.raises(proofs.NotAnImage) as err:
        proofs.clean_image(data)
    assert (err.value.code, err.value.field, err.value.status) == ("invalid_proof_file", "file", 422)


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    bomb = _image("PNG", (8000, 6000))  # 48 Mpx of one colour: a few kB on the wire
    assert len(bomb) < proofs.MAX_BYTES
    with pytest.raises(proofs.NotAnImage):
        proofs.clean_image(bomb)
