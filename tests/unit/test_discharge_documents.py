import dataclasses
import io
from datetime import UTC, date, datetime

import pypdf
import pytest
from PIL import Image

from bedside.core.money import format_yuan
from bedside.documents.discharge import (
    INPATIENT_GROUPS,
    EInvoice,
    FeeLine,
    FeeList,
    InvoiceItem,
    SettlementList,
    amount_in_words,
    fee_list_pdf,
    invoice_pdf,
    settlement_list_pdf,
)
from bedside.documents.seal import seal_png

MAX_FEN = 99_999_999
SEAL_PX = 360
A5_LANDSCAPE_PT = (595.28, 419.53)
ITEMS = (
    InvoiceItem("床位费", 45000),
    InvoiceItem("西药费", 123456),
    InvoiceItem("检查费", 38000),
    InvoiceItem("化验费", 21000),
    InvoiceItem("护理费", 9000),
    InvoiceItem("手术费", 200000),
    InvoiceItem("其他", 500),
)
ITEMS_TOTAL = 436956


def make_invoice(**changes: object) -> EInvoice:
    base = EInvoice(
        hospital_name="北京市第一人民医院",
        invoice_code="11060126",
        invoice_no="0001234567",
        check_code="a1B2c3",
        issued_at=datetime(2026, 11, 30, 2, 15, tzinfo=UTC),
        payer_name="张晓明",
        patient_gender="男",
        inpatient_no="ZY2026001234",
        department="心血管内科",
        admitted_on=date(2026, 11, 20),
        discharged_on=date(2026, 11, 30),
        items=ITEMS,
        total_fen=ITEMS_TOTAL,
        deposit_fen=300000,
        supplementary_fen=0,
        refund_fen=263044,
        insurance_type="职工基本医疗保险",
        insurance_no="11010519491231002X",
        fund_fen=300000,
        personal_account_fen=100000,
        cash_fen=36956,
        self_pay_fen=12000,
        verify_url="https://bedside.example.org/v/i/0001234567?s=ab12",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def invoice_with_total(total: int) -> EInvoice:
    return make_invoice(
        items=(InvoiceItem("西药费", total),),
        total_fen=total,
        fund_fen=0,
        personal_account_fen=0,
        cash_fen=total,
        deposit_fen=total,
        refund_fen=0,
        self_pay_fen=0,
    )


CATEGORIES = ("西药费", "检查费", "化验费", "床位费", "治疗费", "卫生材料费", "康复费")


def make_lines(count: int) -> tuple[FeeLine, ...]:
    lines = []
    for i in range(count):
        long_name = "（一次性使用无菌注射器带针加长规格）" if i % 13 == 0 else ""
        lines.append(
            FeeLine(
                service_date=date(2026, 11, 20 + i % 10),
                code=f"XL01XEA{i:03d}A001010100043",
                name=f"注射用头孢曲松钠{long_name}",
                spec="1g*10支",
                category=CATEGORIES[i % len(CATEGORIES)],
                insurance_class="乙",
                unit_price_fen=1234,
                quantity="2" if i % 2 else "0.5",
                amount_fen=2468 if i % 2 else 617,
            )
        )
    return tuple(lines)


def make_fee_list(lines: tuple[FeeLine, ...]) -> FeeList:
    return FeeList(
        hospital_name="北京市第一人民医院",
        patient_name="张晓明",
        inpatient_no="ZY2026001234",
        department="心血管内科",
        admitted_on=date(2026, 11, 20),
        discharged_on=date(2026, 11, 30),
        lines=lines,
        total_fen=sum(line.amount_fen for line in lines),
        verify_url="https://bedside.example.org/v/f/ZY2026001234?s=9c1e",
    )


def make_settlement(**changes: object) -> SettlementList:
    base = SettlementList(
        hospital_name="北京市第一人民医院",
        patient_name="张晓明",
        insurance_type="职工基本医疗保险",
        insurance_no="11010519491231002X",
        setl_id="SETL20261130000123",
        settled_at=datetime(2026, 11, 30, 2, 10, tzinfo=UTC),
        total_fen=ITEMS_TOTAL,
        class_a_fen=ITEMS_TOTAL - 120000,
        class_b_fen=100000,
        class_c_fen=20000,
        b_self_fen=10000,
        deductible_fen=130000,
        fund_fen=300000,
        personal_account_fen=100000,
        cash_fen=36956,
        over_cap_fen=5000,
        verify_url="https://bedside.example.org/v/s/SETL20261130000123?s=77aa",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def page_texts(data: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def assert_font_embedded(data: bytes) -> None:
    reader = pypdf.PdfReader(io.BytesIO(data))
    for page in reader.pages:
        fonts = [ref.get_object() for ref in page["/Resources"]["/Font"].values()]
        assert fonts
        for font in fonts:
            assert str(font["/BaseFont"]).endswith("+BedsideSansSC")
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor


def seal_images(data: bytes) -> list[Image.Image]:
    """Images on the first page that look like the seal: seal-sized, transparent at the corners
    and red in the middle (the star)."""
    found = []
    for image in pypdf.PdfReader(io.BytesIO(data)).pages[0].images:
        picture = image.image
        assert picture is not None
        if picture.size != (SEAL_PX, SEAL_PX) or picture.mode != "RGBA":
            continue
        r, g, b, a = picture.getpixel((SEAL_PX // 2, SEAL_PX // 2))  # type: ignore[misc]
        if a > 0 and r > 150 and g < 80 and b < 80 and picture.getpixel((0, 0))[3] == 0:  # type: ignore[index]
            found.append(picture)
    return found


# --- amounts in words --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fen", "words"),
    [
        (0, "零元整"),
        (1, "壹分"),
        (50, "伍角"),
        (100, "壹元整"),
        (105, "壹元零伍分"),
        (110, "壹元壹角"),
        (1000, "壹拾元整"),
        (12345, "壹佰贰拾叁元肆角伍分"),
        (100005, "壹仟元零伍分"),
        (168032, "壹仟陆佰捌拾元叁角贰分"),
        (10_000_000, "壹拾万元整"),
        (10_000_500, "壹拾万零伍元整"),
        (100_100_000, "壹佰万零壹仟元整"),
        (1_001_000_000, "壹仟零壹万元整"),
        (MAX_FEN, "玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
        (10_000_000_000, "壹亿元整"),
        (10_000_000_100, "壹亿零壹元整"),
        (-12345, "负壹佰贰拾叁元肆角伍分"),
    ],
)
def test_amount_in_words(fen, words):
    assert amount_in_words(fen) == words


def test_amount_in_words_refuses_floats_and_absurd_amounts():
    with pytest.raises(TypeError):
        amount_in_words(12.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        amount_in_words(True)
    with pytest.raises(ValueError, match="too large"):
        amount_in_words(10**14)


# --- validation --------------------------------------------------------------------------------


def test_amounts_must_be_integer_fen():
    with pytest.raises(TypeError, match="integer fen"):
        InvoiceItem("床位费", 450.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="integer fen"):
        make_settlement(cash_fen=36956.0)
    with pytest.raises(ValueError, match="negative"):
        InvoiceItem("床位费", -1)


def test_invoice_refuses_inconsistent_data():
    with pytest.raises(ValueError, match="inpatient item group"):
        InvoiceItem("挂号费", 100)
    with pytest.raises(ValueError, match="8 digits"):
        make_invoice(invoice_code="1106012")
    with pytest.raises(ValueError, match="10 digits"):
        make_invoice(invoice_no="00012345A7")
    with pytest.raises(ValueError, match="6 letters"):
        make_invoice(check_code="a1b2c")
    with pytest.raises(ValueError, match="timezone-aware"):
        make_invoice(issued_at=datetime(2026, 11, 30, 10, 15))  # noqa: DTZ001
    with pytest.raises(ValueError, match="before"):
        make_invoice(discharged_on=date(2026, 11, 19))
    with pytest.raises(ValueError, match="item groups do not add up"):
        make_invoice(total_fen=ITEMS_TOTAL + 1)
    with pytest.raises(ValueError, match="do not add up"):
        make_invoice(cash_fen=36955)


def test_fee_list_and_settlement_refuse_inconsistent_data():
    line = make_lines(1)[0]
    with pytest.raises(ValueError, match="plain decimal"):
        dataclasses.replace(line, quantity="1e3")
    with pytest.raises(ValueError, match="plain decimal"):
        dataclasses.replace(line, quantity="NaN")
    with pytest.raises(ValueError, match="add up"):
        dataclasses.replace(make_fee_list(make_lines(3)), total_fen=0)
    with pytest.raises(ValueError, match="class A, B and C"):
        make_settlement(class_c_fen=20001)
    with pytest.raises(ValueError, match="do not add up"):
        make_settlement(other_fund_fen=1)


# --- the e-invoice -----------------------------------------------------------------------------


def test_invoice_pdf_carries_the_invoice():
    data = invoice_pdf(make_invoice())
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx(A5_LANDSCAPE_PT, abs=0.1)
    assert_font_embedded(data)

    text = pdf_text(data)
    for expected in (
        "医疗收费电子票据",
        "张晓明",
        "0001234567",
        "11060126",
        "a1B2c3",
        "2026-11-30",  # issued 02:15 UTC, 10:15 in Beijing
        "¥4,369.56",
        "肆仟叁佰陆拾玖元伍角陆分",
        "北京市第一人民医院",
        "心血管内科",
        "ZY2026001234",
        "2026-11-20 至 2026-11-30",
        "职工基本医疗保险",
        "110105********002X",
        "¥2,630.44",  # refund
        "¥369.56",  # cash
    ):
        assert expected in text, expected
    for item in ITEMS:
        assert item.group in text
    assert "1,234.56" in text
    assert "11010519491231002X" not in text


def test_invoice_prints_groups_in_the_invoice_order():
    text = pdf_text(invoice_pdf(make_invoice(items=tuple(reversed(ITEMS)))))
    in_order = sorted(ITEMS, key=lambda item: INPATIENT_GROUPS.index(item.group))
    assert in_order != list(ITEMS)
    positions = [text.index(item.group) for item in in_order]
    assert positions == sorted(positions)


def test_invoice_pdf_is_deterministic_and_dated_by_the_invoice():
    first = invoice_pdf(make_invoice())
    assert first == invoice_pdf(make_invoice())
    meta = pypdf.PdfReader(io.BytesIO(first)).metadata
    assert meta is not None
    assert meta.creation_date == datetime(2026, 11, 30, 2, 15, tzinfo=UTC)
    assert meta.producer == "Bedside"
    assert invoice_pdf(make_invoice(invoice_no="0001234568")) != first


def test_invoice_pdf_is_stamped_with_the_seal_and_has_a_qr_code():
    data = invoice_pdf(make_invoice())
    assert len(seal_images(data)) == 1
    images = pypdf.PdfReader(io.BytesIO(data)).pages[0].images
    assert len(images) == 2  # the seal and the QR code


@pytest.mark.parametrize(
    ("total", "printed", "words"), [(0, "¥0.00", "零元整"), (MAX_FEN, "¥999,999.99", None)]
)
def test_invoice_renders_zero_and_the_largest_amount(total, printed, words):
    text = pdf_text(invoice_pdf(invoice_with_total(total)))
    assert printed in text
    assert (words or amount_in_words(total)) in text


def test_invoice_prints_one_line_per_group():
    items = (*ITEMS, InvoiceItem("其他", 700))
    text = pdf_text(invoice_pdf(make_invoice(items=items, total_fen=ITEMS_TOTAL + 700, cash_fen=37656)))
    assert "其他 12.00" in text
    assert "其他 5.00" not in text and "其他 7.00" not in text


def test_invoice_without_insurance_number():
    text = pdf_text(invoice_pdf(make_invoice(insurance_type="", insurance_no="")))
    assert "医保编号： —" in text


# --- the fee list ------------------------------------------------------------------------------


def test_fee_list_groups_by_category_with_subtotals():
    lines = make_lines(14)
    data = fee_list_pdf(make_fee_list(lines))
    assert_font_embedded(data)
    text = pdf_text(data)
    assert "住院费用明细清单" in text
    assert "张晓明" in text
    for category in CATEGORIES:
        subtotal = sum(line.amount_fen for line in lines if line.category == category)
        assert f"{category} 小计" in text
        assert f"{category} 小计 {format_yuan(subtotal, symbol=False)}" in text
    # Known groups in the invoice's order, then the rest (康复费 is not an invoice group).
    order = [
        text.index(f"{c} 小计")
        for c in ("床位费", "检查费", "化验费", "治疗费", "卫生材料费", "西药费", "康复费")
    ]
    assert order == sorted(order)
    total = sum(line.amount_fen for line in lines)
    assert f"合计 {format_yuan(total)}" in text
    for line in lines:
        assert line.code in text


def test_long_fee_list_breaks_pages_with_headers_and_page_numbers():
    lines = make_lines(120)
    fee_list = make_fee_list(lines)
    data = fee_list_pdf(fee_list)
    pages = page_texts(data)
    assert len(pages) >= 3
    for number, text in enumerate(pages, start=1):
        assert f"第 {number} 页 共 {len(pages)} 页" in text
        assert "日期 项目编码 项目名称 规格 医保类别 单价（元） 数量 金额（元）" in text
        assert "张晓明" in text and "ZY2026001234" in text
    # A category cut by a page break is named again at the top of the next page.
    assert any("（续）" in text for text in pages[1:])
    whole = "\n".join(pages)
    assert all(line.code in whole for line in lines)
    assert f"合计 {format_yuan(fee_list.total_fen)}" in pages[-1]
    assert "XL01XEA" in pages[-1]  # the grand total never sits on a page without a fee line
    assert_font_embedded(data)
    assert data == fee_list_pdf(make_fee_list(lines))


def test_fee_list_renders_zero_and_the_largest_amounts_and_reversals():
    line = make_lines(1)[0]
    lines = (
        dataclasses.replace(line, unit_price_fen=MAX_FEN, quantity="1", amount_fen=MAX_FEN),
        dataclasses.replace(line, code="ZERO", unit_price_fen=0, amount_fen=0),
        dataclasses.replace(line, code="REVERSAL", quantity="-0.5", amount_fen=-617),
    )
    text = pdf_text(fee_list_pdf(make_fee_list(lines)))
    assert "999,999.99" in text
    assert "0.00" in text
    assert "-0.5" in text and "-6.17" in text
    assert format_yuan(MAX_FEN - 617) in text


def test_empty_fee_list_still_renders():
    text = pdf_text(fee_list_pdf(make_fee_list(())))
    assert "合计 ¥0.00" in text
    assert "第 1 页 共 1 页" in text


# --- the settlement list -----------------------------------------------------------------------


def test_settlement_list_pdf():
    data = settlement_list_pdf(make_settlement())
    assert_font_embedded(data)
    text = pdf_text(data)
    for expected in (
        "医疗保障基金结算清单",
        "张晓明",
        "SETL20261130000123",
        "2026-11-30 10:10:00",
        "¥4,369.56",  # total
        "¥3,169.56",  # class A
        "¥3,000.00",  # pooled fund
        "¥1,369.56",  # personal burden: account + cash
        "乙类先行自付",
        "110105********002X",
    ):
        assert expected in text, expected
    assert "11010519491231002X" not in text
    assert len(seal_images(data)) == 1
    assert data == settlement_list_pdf(make_settlement())
    meta = pypdf.PdfReader(io.BytesIO(data)).metadata
    assert meta is not None and meta.creation_date == datetime(2026, 11, 30, 2, 10, tzinfo=UTC)


def test_settlement_list_renders_zero_and_the_largest_amount():
    zero = dict.fromkeys(
        (
            "total_fen",
            "class_a_fen",
            "class_b_fen",
            "class_c_fen",
            "b_self_fen",
            "deductible_fen",
            "fund_fen",
            "personal_account_fen",
            "cash_fen",
            "over_cap_fen",
        ),
        0,
    )
    assert "¥0.00" in pdf_text(settlement_list_pdf(make_settlement(**zero)))
    largest = {**zero, "total_fen": MAX_FEN, "class_a_fen": MAX_FEN, "fund_fen": MAX_FEN}
    assert "¥999,999.99" in pdf_text(settlement_list_pdf(make_settlement(**largest)))


# --- the seal ----------------------------------------------------------------------------------


def test_seal_png_is_a_deterministic_transparent_red_seal():
    png = seal_png("北京市第一人民医院")
    assert png == seal_png("北京市第一人民医院")
    assert png != seal_png("北京市第二人民医院")
    assert png != seal_png("北京市第一人民医院", label="财务专用章")
    seal = Image.open(io.BytesIO(png))
    assert seal.format == "PNG" and seal.mode == "RGBA" and seal.size == (360, 360)
    assert seal.getpixel((0, 0))[3] == 0  # type: ignore[index]
    r, g, b, a = seal.getpixel((180, 180))  # type: ignore[misc]
    assert a > 200 and r > 150 and g < 80 and b < 80  # the star
    assert Image.open(io.BytesIO(seal_png("协和医院", size_px=120))).size == (120, 120)


def test_seal_refuses_what_it_cannot_draw():
    with pytest.raises(ValueError, match="name"):
        seal_png("  \n")
    with pytest.raises(ValueError, match="smaller"):
        seal_png("协和医院", size_px=32)
