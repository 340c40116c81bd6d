import pytest
from hypothesis import given
from hypothesis import strategies as st

from bedside.core.errors import InvalidInput
from bedside.core.money import MAX_AMOUNT_FEN, MoneyFormatError, format_yuan, parse_amount, parse_yuan


@pytest.mark.parametrize(
    "fen, text",
    [
        (0, "¥0.00"),
        (5, "¥0.05"),
        (100, "¥1.00"),
        (123456, "¥1,234.56"),
        (-250, "-¥2.50"),
    ],
)
def test_format_yuan(fen, text):
    assert format_yuan(fen) == text


def test_format_refuses_floats_and_bools():
    with pytest.raises(TypeError):
        format_yuan(1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        format_yuan(True)


@pytest.mark.parametrize(
    "text, fen", [("1", 100), ("1.5", 150), ("0.01", 1), ("¥1,000.00", 100000), (" 20 ", 2000)]
)
def test_parse_yuan(text, fen):
    assert parse_yuan(text) == fen


@pytest.mark.parametrize("bad", ["1.001", "abc", "", "NaN", "Infinity", "1e400"])
def test_parse_yuan_refuses(bad):
    with pytest.raises(MoneyFormatError):
        parse_yuan(bad)


@given(st.integers(min_value=-(10**13), max_value=10**13))
def test_format_then_parse_round_trips(fen):
    assert parse_yuan(format_yuan(fen).replace("¥", "")) == fen


@pytest.mark.parametrize(
    "text, unit, fen",
    [
        ("1", "yuan", 100),
        ("1.5", "yuan", 150),
        ("0.01", "yuan", 1),
        ("¥1,234.56", "yuan", 123456),
        (" 20 ", "yuan", 2000),
        ("１２３．５", "yuan", 12350),  # a Chinese keyboard's full-width digits
        ("￥8", "yuan", 800),
        ("50000", "fen", 50000),
        ("1", "fen", 1),
        ("10000000", "yuan", MAX_AMOUNT_FEN),
    ],
)
def test_parse_amount(text, unit, fen):
    assert parse_amount(text, unit=unit) == fen


@pytest.mark.parametrize(
    "text, unit",
    [
        ("abc", "yuan"),
        ("", "yuan"),
        (" ", "yuan"),
        ("NaN", "yuan"),
        ("nan", "fen"),
        ("Infinity", "yuan"),
        ("-inf", "fen"),
        ("1e9", "yuan"),
        ("1e9", "fen"),
        ("1E2", "yuan"),
        ("1.005", "yuan"),
        ("-5", "yuan"),
        ("-5", "fen"),
        ("+5", "yuan"),
        ("1.5", "fen"),
        ("0x10", "fen"),
        ("1_000", "fen"),  # int() would take it
        ("1_000", "yuan"),
        ("١٢٣", "fen"),  # Arabic-Indic digits: int() would take them too
        ("1 000", "yuan"),
        ("9" * 5000, "fen"),
        ("12.", "yuan"),
        (".5", "yuan"),
    ],
)
def test_parse_amount_refuses_what_is_not_a_plain_amount(text, unit):
    with pytest.raises(InvalidInput) as refused:
        parse_amount(text, unit=unit)
    assert refused.value.code == "invalid_amount" and refused.value.field == "amount"
    assert refused.value.localized("zh_CN") != refused.value.localized("en")


@pytest.mark.parametrize(
    "text, unit, limits, fen_or_error",
    [
        ("0", "yuan", {}, "amount_out_of_range"),
        ("0", "fen", {"min_fen": 0}, 0),
        ("0.99", "yuan", {"min_fen": 100}, "amount_out_of_range"),
        ("1", "yuan", {"min_fen": 100}, 100),
        ("500000", "yuan", {"max_fen": 50_000_000}, 50_000_000),
        ("500000.01", "yuan", {"max_fen": 50_000_000}, "amount_out_of_range"),
        ("50000001", "fen", {"max_fen": 50_000_000}, "amount_out_of_range"),
        ("10000000.01", "yuan", {}, "amount_out_of_range"),
        ("999999999999", "yuan", {}, "amount_out_of_range"),
    ],
)
def test_parse_amount_range(text, unit, limits, fen_or_error):
    if isinstance(fen_or_error, int):
        assert parse_amount(text, unit=unit, **limits) == fen_or_error
        return
    with pytest.raises(InvalidInput) as refused:
        parse_amount(text, unit=unit, **limits)
    assert refused.value.code == fen_or_error
    # The message names the bound, in yuan.
    assert "¥" in refused.value.localized("en") and "¥" in refused.value.localized("zh_CN")


def test_parse_amount_names_the_field():
    with pytest.raises(InvalidInput) as refused:
        parse_amount("x", field="custom")
    assert refused.value.problem("en")["field"] == "custom"


@given(st.integers(min_value=1, max_value=MAX_AMOUNT_FEN))
def test_formatted_amounts_parse_back(fen):
    assert parse_amount(format_yuan(fen)) == fen
    assert parse_amount(str(fen), unit="fen") == fen
