from datetime import date

import pytest

from bedside.core.resident_id import InvalidResidentId, check_digit, parse


def test_known_valid_number_with_x_check_character():
    rid = parse("11010519491231002x")
    assert rid.value == "11010519491231002X"
    assert rid.birth_date == date(1949, 12, 31)
    assert rid.gender == "F"  # 17th digit 2 is even


@pytest.mark.parametrize(
    "first17, expected",
    [
        ("11010519491231002", "X"),
        ("43010419850315001", check_digit("43010419850315001")),
    ],
)
def test_check_digit_follows_gb11643_weights(first17, expected):
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    s = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    value = (12 - s % 11) % 11
    assert expected == ("X" if value == 10 else str(value))
    assert check_digit(first17) == expected


@pytest.mark.parametrize(
    "bad",
    [
        "110105194912310021",  # wrong check digit
        "11010519491231002",  # 17 characters
        "1101051949123100200",  # 19 characters
        "11010519491331002X",  # month 13
        "ABCDEFGHIJKLMNOPQR",
        "",
    ],
)
def test_invalid_numbers_are_refused(bad):
    with pytest.raises(InvalidResidentId):
        parse(bad)


def test_birth_date_in_the_future_is_refused():
    first17 = "11010520990101001"
    with pytest.raises(InvalidResidentId):
        parse(first17 + check_digit(first17))


def test_age_on_a_day():
    rid = parse("11010519491231002X")
    assert rid.age_on(date(2026, 12, 30)) == 76
    assert rid.age_on(date(2026, 12, 31)) == 77


def test_elderly_patient_with_a_district_code_newer_than_their_birth_is_accepted():
    # 430104 (长沙岳麓区) dates from 1983; IDs carry the code at issue, not at birth.
    first17 = "43010419380101002"
    assert parse(first17 + check_digit(first17)).birth_date == date(1938, 1, 1)


def test_unknown_province_is_refused():
    first17 = "99010419800101002"
    with pytest.raises(InvalidResidentId):
        parse(first17 + check_digit(first17))
