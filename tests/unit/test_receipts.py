import dataclasses
import io
import logging
import re
from datetime import UTC, datetime, timedelta, timezone

import pypdf
import pytest
from fontTools.ttLib import TTFont

from bedside.documents.fonts import FONT_PATH, MISSING_GLYPH, covered_codepoints
from bedside.documents.qr import qr_code, qr_png, qr_svg
from bedside.documents.receipts import (
    Receipt,
    display_width,
    pad_columns,
    receipt_escpos,
    receipt_labels,
    receipt_pdf,
    wrap_columns,
)

ESC_INIT = b"\x1b@"
FS_CHINESE = b"\x1c&"
GS_CUT = b"\x1dV"
GS_2D_CODE = b"\x1d(k"
VERIFY_URL = "https://bedside.example.org/r/R202611230001?s=4f2a"


def make_receipt(**changes: object) -> Receipt:
    base = Receipt(
        hospital_name="北京市第一人民医院",
        receipt_no="R202611230001",
        issued_at=datetime(2026, 11, 23, 10, 35, 5, tzinfo=UTC),
        patient_name="张晓明",
        inpatient_no="ZY2026001234",
        department="心血管内科",
        purpose="住院预交金",
        channel="微信支付",
        amount_fen=123450,
        out_trade_no="BD202611231035050001",
        channel_trade_no="4200002026112312345678901234",
        balance_after_fen=523450,
        place="手机",
        verify_url=VERIFY_URL,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def printed_lines(data: bytes) -> list[str]:
    """The text of an ESC/POS job, with the commands this renderer sends removed. ESC, FS and
    GS never occur inside a GB18030 sequence, so a byte scan cannot cut a character in half."""
    commands = re.compile(rb"\x1b@|\x1c&|\x1bE.|\x1ba.|\x1d!.|\x1bd.|\x1dV.|\x1d\(k(..)", re.S)
    text, pos = b"", 0
    while m := commands.search(data, pos):
        text += data[pos : m.start()]
        pos = m.end()
        if m.group(1) is not None:  # GS ( k pL pH: skip the parameter block as well
            pos += int.from_bytes(m.group(1), "little")
    text += data[pos:]
    return text.decode("gb18030").split("\n")


# --- font ------------------------------------------------------------------------------------


def test_vendored_font_is_small_renamed_and_covers_gb2312():
    assert FONT_PATH.stat().st_size < 4 * 1024 * 1024
    assert (FONT_PATH.parent / "OFL.txt").read_text(encoding="utf-8").count("SIL OPEN FONT LICENSE") == 1
    font = TTFont(FONT_PATH)
    assert "glyf" in font  # TrueType outlines: see scripts/subset_cjk_font.py for why not CFF
    names = font["name"]
    assert names.getDebugName(1) == "Bedside Sans SC"
    assert names.getDebugName(6) == "BedsideSansSC-Regular"
    assert "SIL Open Font License" in names.getDebugName(13)
    covered = covered_codepoints()
    hanzi = set()
    for lead in range(0xB0, 0xF8):
        for trail in range(0xA1, 0xFF):
            try:
                hanzi.add(ord(bytes((lead, trail)).decode("gb2312")))
            except UnicodeDecodeError:
                pass
    assert len(hanzi) == 6763
    assert hanzi <= covered
    assert {ord("¥"), ord("￥"), ord("，"), ord("。"), ord("“"), ord(MISSING_GLYPH)} <= covered


# --- PDF -------------------------------------------------------------------------------------


def test_pdf_embeds_the_font_and_carries_the_chinese_text():
    data = receipt_pdf(make_receipt())
    assert data.startswith(b"%PDF-")
    assert re.search(rb"/FontFile[23]\b", data)
    assert re.search(rb"/BaseFont\s*/[A-Z]{6}\+BedsideSansSC", data)

    reader = pypdf.PdfReader(io.BytesIO(data))
    font = next(iter(reader.pages[0]["/Resources"]["/Font"].values())).get_object()
    descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
    assert "/FontFile2" in descriptor or "/FontFile3" in descriptor
    assert str(font["/BaseFont"]).endswith("+BedsideSansSC")

    text = pdf_text(data)
    assert "张晓明" in text
    assert "预交金" in text
    assert "¥1,234.50" in text
    assert "¥5,234.50" in text
    assert "2026-11-23 18:35:05" in text  # 10:35 UTC printed in Asia/Shanghai
    assert "本凭证为缴费凭证，不作报销凭证" in text
    assert "缴费收据" in text


def test_pdf_is_deterministic_and_dated_by_the_payment():
    receipt = make_receipt()
    first = receipt_pdf(receipt)
    assert receipt_pdf(receipt) == first
    assert receipt_pdf(make_receipt()) == first
    meta = pypdf.PdfReader(io.BytesIO(first)).metadata
    assert meta is not None
    assert meta.creation_date == receipt.issued_at
    assert meta.producer == "Bedside"
    later = make_receipt(issued_at=receipt.issued_at + timedelta(seconds=1))
    assert receipt_pdf(later) != first


def test_pdf_english_labels():
    text = pdf_text(receipt_pdf(make_receipt(), locale="en"))
    for caption in ("Payment Receipt", "Patient", "Amount", "Transaction No.", "Deposit balance"):
        assert caption in text
    assert "This is a payment receipt, not an invoice" in text
    assert "金额" not in text
    assert "张晓明" in text  # values stay as given


def test_pdf_draws_the_qr_only_with_a_verify_url():
    assert b"/Subtype /Image" in receipt_pdf(make_receipt())
    without = receipt_pdf(make_receipt(verify_url=None))
    assert b"/Subtype /Image" not in without
    assert "扫码核验" not in pdf_text(without)


def test_pdf_leaves_out_absent_optional_fields():
    text = pdf_text(
        receipt_pdf(
            make_receipt(inpatient_no=None, department=None, channel_trade_no=None, balance_after_fen=None)
        )
    )
    for caption in ("住院号", "科室", "支付流水号", "预交金余额"):
        assert caption not in text
    assert "张晓明" in text


@pytest.mark.parametrize("fen, text", [(0, "¥0.00"), (1, "¥0.01"), (99_999_999, "¥999,999.99")])
def test_amounts_render_in_both_formats(fen, text):
    receipt = make_receipt(amount_fen=fen, balance_after_fen=fen)
    assert pdf_text(receipt_pdf(receipt)).count(text) == 2
    full_width = text.replace("¥", "￥").encode("gb18030")
    assert receipt_escpos(receipt).count(full_width) == 2


def test_long_values_wrap_instead_of_overflowing():
    long_no = "BD" + "0123456789" * 5
    text = pdf_text(receipt_pdf(make_receipt(out_trade_no=long_no, department="心血管内科重症监护病区" * 3)))
    assert "交易号" in text
    assert long_no in text.replace("\n", "")


def test_pdf_rare_characters(caplog):
    # 䶮 (CJK Ext. A, outside GB2312) is one of the name characters the subset adds;
    # 𠮷 (Ext. B) is not in the font and is drawn as a box rather than silently dropped.
    assert ord("䶮") in covered_codepoints()
    assert ord("𠮷") not in covered_codepoints()
    with caplog.at_level(logging.WARNING, logger="fpdf"):
        text = pdf_text(receipt_pdf(make_receipt(patient_name="刘䶮𠮷")))
    assert f"刘䶮{MISSING_GLYPH}" in text
    assert not [rec for rec in caplog.records if "missing" in rec.getMessage()]


# --- ESC/POS ---------------------------------------------------------------------------------


def test_escpos_job_structure():
    data = receipt_escpos(make_receipt())
    assert data.startswith(ESC_INIT)
    assert FS_CHINESE in data
    assert data.index(FS_CHINESE) < data.index("张晓明".encode("gb18030"))
    assert "张晓明".encode("gb18030") in data
    assert "住院预交金".encode("gb18030") in data
    assert "本凭证为缴费凭证，不作报销凭证".encode("gb18030") in data
    assert b"\x1b!0" not in data  # ESC ! double size would leave the hanzi small
    assert b"\x1d!\x11" in data  # GS ! double width and height for the title
    cut = data.rindex(GS_CUT)
    assert data[cut:] in (b"\x1dV\x00", b"\x1dV\x01")


def test_escpos_qr_only_with_a_verify_url():
    data = receipt_escpos(make_receipt())
    assert GS_2D_CODE in data
    # GS ( k store-data function (cn=1, fn=P, m=0) carries the URL itself
    assert b"1P0" + VERIFY_URL.encode() in data
    assert data.index(GS_2D_CODE) < data.rindex(GS_CUT)
    assert GS_2D_CODE not in receipt_escpos(make_receipt(verify_url=None))


def test_escpos_english_labels():
    lines = printed_lines(receipt_escpos(make_receipt(), locale="en"))
    assert any(line.startswith("Patient") and line.endswith("张晓明") for line in lines)
    assert "This is a payment receipt, not an invoice" in lines
    assert not any("金额" in line for line in lines)


@pytest.mark.parametrize("width", [48, 32])
def test_escpos_rows_fill_the_paper_width_counting_hanzi_as_two(width):
    lines = printed_lines(receipt_escpos(make_receipt(), width_chars=width))
    rows = [line for line in lines if line.startswith(("收据号", "缴费时间", "患者", "金额", "科室"))]
    assert len(rows) == 5
    for row in rows:
        assert display_width(row) == width
    patient = next(line for line in rows if line.startswith("患者"))
    assert patient == "患者" + " " * (width - 4 - 6) + "张晓明"


def test_escpos_rare_characters_go_out_as_gb18030():
    data = receipt_escpos(make_receipt(patient_name="刘䶮𠮷"))
    encoded = "刘䶮𠮷".encode("gb18030")
    assert len("𠮷".encode("gb18030")) == 4
    assert encoded in data


def test_escpos_neutralises_control_characters_in_fields():
    # A GS V (cut) or ESC @ smuggled into a name must not reach the printer as a command.
    data = receipt_escpos(make_receipt(patient_name="张\x1dV\x00三\x1b@", department="内科\n外科"))
    assert data.count(GS_CUT) == 1
    assert data.count(ESC_INIT) == 1
    assert "张 V 三".encode("gb18030") in data
    assert "内科 外科".encode("gb18030") in data


# --- column helpers --------------------------------------------------------------------------


def test_display_width():
    assert display_width("") == 0
    assert display_width("abc") == 3
    assert display_width("张三") == 4
    assert display_width("张三abc") == 7
    assert display_width("￥1.00") == 6  # full-width yen
    assert display_width("（东院区）") == 10
    assert display_width("𠮷") == 2


def test_pad_columns_one_line():
    assert pad_columns("患者", "张三", 10) == ["患者  张三"]
    assert pad_columns("Amount", "￥1.00", 20) == ["Amount" + " " * 8 + "￥1.00"]
    [line] = pad_columns("金额", "1", 8)
    assert line == "金额   1" and display_width(line) == 8
    # exactly one space between label and value still fits
    assert pad_columns("ab", "cd", 5) == ["ab cd"]


def test_pad_columns_overflow_puts_value_below_right_aligned():
    lines = pad_columns("交易号", "X" * 14, 16)
    assert lines == ["交易号", "  " + "X" * 14]
    lines = pad_columns("科室", "一二三四五六七八九", 10)
    assert lines == ["科室", "一二三四五", "  六七八九"]
    assert [display_width(line) for line in lines[1:]] == [10, 10]


def test_wrap_columns_never_splits_a_hanzi():
    assert wrap_columns("一二三", 5) == ["一二", "三"]
    assert wrap_columns("ab一二", 5) == ["ab一", "二"]
    assert wrap_columns("", 5) == [""]
    with pytest.raises(ValueError):
        wrap_columns("一", 1)


# --- receipt model and labels ----------------------------------------------------------------


def test_receipt_requires_aware_time_and_integer_fen():
    with pytest.raises(ValueError):
        make_receipt(issued_at=datetime(2026, 11, 23, 10, 0))  # noqa: DTZ001
    with pytest.raises(TypeError):
        make_receipt(amount_fen=12.5)
    with pytest.raises(TypeError):
        make_receipt(balance_after_fen=True)
    make_receipt(issued_at=datetime(2026, 11, 23, 18, 0, tzinfo=timezone(timedelta(hours=8))))


def test_receipt_labels_tables():
    zh, en = receipt_labels("zh_CN"), receipt_labels("en")
    assert zh.keys() == en.keys()
    assert receipt_labels() == zh
    assert receipt_labels("en-US") == en
    assert receipt_labels("fr") == zh
    assert zh["amount"] == "金额" and en["amount"] == "Amount"
    assert zh["footer"] == "本凭证为缴费凭证，不作报销凭证"
    assert en["footer"] == "This is a payment receipt, not an invoice"
    zh["amount"] = "x"
    assert receipt_labels()["amount"] == "金额"


# --- QR --------------------------------------------------------------------------------------


def test_qr_is_never_micro():
    assert not qr_code("1").is_micro
    assert qr_png("1").startswith(b"\x89PNG\r\n\x1a\n")
    svg = qr_svg(VERIFY_URL, title="收据")
    assert svg.startswith("<svg") and "<title>收据</title>" in svg


def test_a_server_without_the_font_says_so_instead_of_crashing(monkeypatch, tmp_path):
    import pytest

    from bedside.documents import fonts

    monkeypatch.setattr(fonts, "FONT_PATH", tmp_path / "absent.ttf")
    with pytest.raises(fonts.FontMissing) as err:
        fonts.font_path()
    assert (err.value.status, err.value.code) == (503, "cjk_font_missing")
