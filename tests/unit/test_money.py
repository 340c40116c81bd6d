import pytest
from hypothesis import given
from hypothesis import strategies as st

from bedside.core.money import MoneyFormatError, format_yuan, parse_yuan


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
