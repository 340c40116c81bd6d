"""The demo's people: the phone number and the family that sign in, and random names, resident IDs
and phone numbers for everyone else."""

from __future__ import annotations

import random
from datetime import date

from bedside.core.resident_id import check_digit
from bedside.demo.names import GIVEN_FEMALE, GIVEN_MALE, PHONE_PREFIXES, REGIONS, SURNAMES

DEMO_PHONE = "13800138000"
DEMO_SELF = ("张伟", "43010419850315001")
DEMO_MOTHER = ("李秀英", "43010419560820002")


def resident_id(rng: random.Random, birth: date, male: bool, region: str | None = None) -> str:
    seq = rng.randrange(0, 500) * 2 + (1 if male else 0)
    first17 = f"{region or rng.choice(REGIONS)}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_digit(first17)


def person_name(rng: random.Random, male: bool) -> str:
    pool = GIVEN_MALE if male else GIVEN_FEMALE
    given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def phone_number(rng: random.Random) -> str:
    return rng.choice(PHONE_PREFIXES) + f"{rng.randrange(0, 10**8):08d}"
