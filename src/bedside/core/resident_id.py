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
    try:
        number = ric.validate(text)
        birth = ric.get_birth_date(number)
    except ValidationError as exc:
        raise InvalidResidentId(str(exc)) from exc
    if birth > date.today():  # noqa: DTZ011 - a calendar date, not an instant
        raise InvalidResidentId("birth date is in the future")
    return ResidentId(value=number, birth_date=birth, gender="M" if int(number[16]) % 2 else "F")


def check_digit(first17: str) -> str:
    if len(first17) != 17 or not first17.isdigit():
        raise InvalidResidentId("17 digits expected")
    # stdnum's helper takes the whole number and ignores its last character.
    return str(ric.calc_check_digit(first17 + "0"))
