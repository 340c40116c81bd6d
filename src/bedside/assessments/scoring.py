"""Scoring answers against a questionnaire: pure, deterministic, no I/O.

Points are never negative, so the total over a partial answer set is a lower bound of the final
score: a partial result that is already flagged stays flagged once the ward completes it, while an
unflagged partial result promises nothing (hence ``complete``)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from bedside.assessments.definitions import Item, Level, Option, Part, Questionnaire, level_rank

AnswerValue = str | Sequence[str] | int | float
ErrorCode = Literal["unknown_item", "unknown_option", "not_a_number", "out_of_range", "multiple_for_single"]


class InvalidAnswer(ValueError):
    """An answer that does not fit the questionnaire; ``code`` is stable for API clients and messages."""

    def __init__(self, code: ErrorCode, item: str, detail: str = "") -> None:
        super().__init__(f"{item}: {code}" + (f" ({detail})" if detail else ""))
        self.code: ErrorCode = code
        self.item = item


class PatientFacts(BaseModel):
    """What the record already knows about the patient, so derived items need not be asked."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    age: Annotated[int, Field(ge=0, le=150)]
    sex: Literal["M", "F"] | None = None  # as in the resident ID (17th digit)
    height_cm: Annotated[float, Field(gt=0, le=300)] | None = None
    weight_kg: Annotated[float, Field(gt=0, le=700)] | None = None

    @classmethod
    def from_birth_date(
        cls,
        birth_date: date,
        on: date,
        *,
        sex: Literal["M", "F"] | None = None,
        height_cm: float | None = None,
        weight_kg: float | None = None,
    ) -> PatientFacts:
        """``on`` is the hospital's local day of the assessment (core.clock.local_today()), passed in so
        scoring stays pure."""
        years = on.year - birth_date.year
        if (on.month, on.day) < (birth_date.month, birth_date.day):
            years -= 1
        return cls(age=years, sex=sex, height_cm=height_cm, weight_kg=weight_kg)


def derive_value(item: Item, patient: PatientFacts | None) -> float | None:
    """The value of a derived item from the patient's facts, or None when they do not tell it."""
    if patient is None or item.derive is None:
        return None
    if item.derive == "age":
        return float(patient.age)
    if patient.height_cm is None or patient.weight_kg is None:
        return None
    # Read to one decimal as BMI is charted, so the value shown to the ward is the value scored
    # (29.96 shows as 30.0 and must then count as obese).
    return round(patient.weight_kg / (patient.height_cm / 100) ** 2, 1)


class Result(BaseModel):
    model_config = ConfigDict(frozen=True)

    questionnaire: str
    version: int
    part: Part
    total: int
    level: Level
    label_zh: str
    label_en: str
    flagged: bool
    complete: bool
    points: dict[str, int]  # per scored item, in questionnaire order
    derived: dict[str, float]  # values taken from PatientFacts, for the ward to see why
    missing: list[str]  # required items of the part with no answer, in questionnaire order

    def label(self, locale: str) -> str:
        return self.label_zh if locale.replace("-", "_").lower().startswith("zh") else self.label_en


def _choices(item: Item, value: AnswerValue) -> list[Option]:
    if isinstance(value, str):
        picked: list[str] = [value]
    elif isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
        # dict.fromkeys: a repeated code is one choice, never counted twice
        picked = list(dict.fromkeys(value))
    else:
        raise InvalidAnswer(
            "unknown_option", item.code, f"expected option code(s), got {type(value).__name__}"
        )
    if item.kind == "single" and len(picked) > 1:
        raise InvalidAnswer("multiple_for_single", item.code, f"{len(picked)} options chosen")
    chosen = []
    for code in picked:
        option = item.option(code)
        if option is None:
            raise InvalidAnswer("unknown_option", item.code, repr(code))
        chosen.append(option)
    return chosen


def _number(item: Item, value: AnswerValue | float) -> float:
    # bool is an int subclass; True as "1 year old" would be a form bug, not an answer.
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidAnswer("not_a_number", item.code, repr(value))
    low, high = item.min_value, item.max_value
    if low is None or high is None:  # unreachable for a loaded definition; keeps mypy honest
        raise TypeError(f"item {item.code!r} is a number item without a range")
    if not low <= value <= high:
        raise InvalidAnswer("out_of_range", item.code, f"{value} not in {low:g}..{high:g}")
    return float(value)


def _resolve(
    item: Item, answers: Mapping[str, AnswerValue], patient: PatientFacts | None
) -> tuple[list[Option] | None, float | None]:
    """The options an item scores (None when unanswered) and the value taken from the facts, if any."""
    value = answers.get(item.code)
    chosen: list[Option] | None = None
    if value is not None:
        chosen = (
            [item.option_for_number(_number(item, value))] if item.kind == "number" else _choices(item, value)
        )
        if item.kind == "single" and not chosen:
            chosen = None
    from_facts = derive_value(item, patient)
    if from_facts is not None:
        return [item.option_for_number(_number(item, from_facts))], from_facts
    return chosen, None


def score(
    q: Questionnaire,
    answers: Mapping[str, AnswerValue],
    patient: PatientFacts | None = None,
    *,
    part: Part = "all",
) -> Result:
    """Scores ``answers`` (item code -> option code, list of option codes, or number).

    Every answer is validated, even for items outside ``part``, which are then left out of the score:
    the phone may post the whole form it holds. A derived item takes its value from ``patient`` when
    the facts tell it; an answer to it counts only when they do not (e.g. a BMI measured on the ward
    for a patient whose height is not on record). An empty list answers a single item as "not
    answered" and a multi item as "none of these"."""
    for code in answers:
        if q.item(code) is None:
            raise InvalidAnswer("unknown_item", code)

    in_part = {i.code for i in q.items_for(part)}
    points: dict[str, int] = {}
    derived: dict[str, float] = {}
    missing: list[str] = []
    for item in q.items:
        chosen, from_facts = _resolve(item, answers, patient)
        if item.code not in in_part:
            continue
        if from_facts is not None:
            derived[item.code] = from_facts
        if chosen is None:
            if item.required:
                missing.append(item.code)
            continue
        points[item.code] = sum(o.points for o in chosen)

    total = sum(points.values())
    band = q.band_for(total)
    whole = part == "all" or len(in_part) == len(q.items)
    return Result(
        questionnaire=q.code,
        version=q.version,
        part=part,
        total=total,
        level=band.level,
        label_zh=band.label_zh,
        label_en=band.label_en,
        flagged=level_rank(band.level) >= level_rank(q.flag_at_level),
        complete=whole and not missing,
        points=points,
        derived=derived,
        missing=missing,
    )


def items_to_ask(q: Questionnaire, patient: PatientFacts | None, part: Part = "patient") -> tuple[Item, ...]:
    """The items a form must show for ``part``: derived items are left out when the facts tell them.
    A derived item still listed lacks its facts: a form collects those (height and weight for
    ``derive == "bmi"``) rather than asking for the derived number itself."""
    return tuple(i for i in q.items_for(part) if derive_value(i, patient) is None)
