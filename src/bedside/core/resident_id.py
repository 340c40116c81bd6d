"""GB 11643-1999 resident identity numbers (checksum via python-stdnum)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from stdnum.cn import ric
from stdnum.exceptions import ValidationError


class InvalidResidentId(ValueError):
    pass


@dataclass(frozen=True)
class ResidentId:
    value: str
    birth_date: date
    gender: str  # "M" or "F" (the 17th digit: odd is male)

    def age_on(self, day: date) -> int:
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years


def parse(value: str) -> ResidentId:
    text = (value or "").strip().upper()
    if len(text) != 18:
        raise InvalidResidentId("a resident ID has 18 characters")
    if not text[:17].isdigit() or not (text[17].isdigit() or text[17] == "X"):
        raise InvalidResidentId("17 digits and a check character expected")
    if text[17] != ric.calc_check_digit(text):
        raise InvalidResidentId("check character does not match (GB 11643)")
    try:
        birth = ric.get_birth_date(text)
    except ValidationError as exc:
        raise InvalidResidentId("not a valid birth date") from exc
    # Only the province is checked. stdnum's full validate() also requires the county code to
    # have existed in the birth year, but IDs carry the code of where they were *issued*
    # (from 1984 on), so it would refuse most patients born before the 1980s.
    if not _province_known(text[:2]):
        raise InvalidResidentId("unknown province code")
    number = text
    if birth > date.today():  # noqa: DTZ011 - a calendar date, not an instant
        raise InvalidResidentId("birth date is in the future")
    return ResidentId(value=number, birth_date=birth, gender="M" if int(number[16]) % 2 else "F")


def _province_known(code: str) -> bool:
    from stdnum import numdb

    return any(props.get("province") for _, props in numdb.get("cn/loc").info(code + "0000")[:1])


def check_digit(first17: str) -> str:
    if len(first17) != 17 or not first17.isdigit():
        raise InvalidResidentId("17 digits expected")
    # stdnum's helper takes the whole number and ignores its last character.
    return str(ric.calc_check_digit(first17 + "0"))
