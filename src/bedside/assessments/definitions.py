"""Questionnaire definitions: frozen models, their consistency rules, and loading the packaged JSON.

Every rule a scorer relies on (unique codes, reachable bands without gaps, whole non-negative points)
is checked here, once, when a definition is loaded, so a bad file stops the process at start-up
instead of mis-scoring a patient later."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError, model_validator

Level = Literal["low", "moderate", "high"]
LEVELS: tuple[Level, ...] = ("low", "moderate", "high")  # ascending severity
Kind = Literal["single", "multi", "number"]
AnsweredBy = Literal["patient", "nurse"]
Part = Literal["patient", "all"]
# What a "number" item can be computed from when PatientFacts are given (see scoring.derive_value).
Derivation = Literal["age", "bmi"]

Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
Text = Annotated[str, Field(min_length=1)]
# Strict, so a "3", 2.5 or true in a file is an error rather than silently coerced.
Points = Annotated[StrictInt, Field(ge=0)]


def level_rank(level: Level) -> int:
    return LEVELS.index(level)


def _duplicates(values: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    dupes: set[str] = set()
    for value in values:
        (dupes if value in seen else seen).add(value)
    return sorted(dupes)


def _pick(locale: str, zh: str, en: str) -> str:
    return zh if locale.replace("-", "_").lower().startswith("zh") else en


class _Frozen(BaseModel):
    # extra="forbid": a misspelt key ("answerd_by") in a file must fail, not fall back to a default.
    model_config = ConfigDict(frozen=True, extra="forbid")


class Option(_Frozen):
    code: Code
    text_zh: Text
    text_en: Text
    points: Points
    # Number items only: the inclusive lower bound of the value range this option scores; the range
    # ends where the next option's begins.
    at_least: float | None = None

    def text(self, locale: str) -> str:
        return _pick(locale, self.text_zh, self.text_en)


class Item(_Frozen):
    code: Code
    text_zh: Text
    text_en: Text
    kind: Kind
    options: tuple[Option, ...] = Field(min_length=1)
    answered_by: AnsweredBy
    required: bool = True
    derive: Derivation | None = None
    # Number items only: the accepted input range (inclusive).
    min_value: float | None = None
    max_value: float | None = None

    def text(self, locale: str) -> str:
        return _pick(locale, self.text_zh, self.text_en)

    def option(self, code: str) -> Option | None:
        return next((o for o in self.options if o.code == code), None)

    def option_for_number(self, value: float) -> Option:
        """The option whose range holds ``value``; the caller has checked min_value <= value <= max_value."""
        chosen = self.options[0]
        for option in self.options:
            if option.at_least is not None and option.at_least <= value:
                chosen = option
        return chosen

    @property
    def max_points(self) -> int:
        if self.kind == "multi":
            return sum(o.points for o in self.options)
        return max(o.points for o in self.options)

    @property
    def min_points(self) -> int:
        # An optional item may be left out, and an empty multi selection is a valid answer.
        if not self.required or self.kind == "multi":
            return 0
        return min(o.points for o in self.options)

    @model_validator(mode="after")
    def _consistent(self) -> Item:
        for field in ("code", "text_zh", "text_en"):
            dupes = _duplicates(getattr(o, field) for o in self.options)
            if dupes:
                raise ValueError(f"item {self.code!r}: duplicate option {field}(s) {dupes}")

        if self.kind == "number":
            self._check_number_ranges()
        else:
            if self.derive is not None:
                raise ValueError(f"item {self.code!r}: only number items can be derived")
            if self.min_value is not None or self.max_value is not None:
                raise ValueError(f"item {self.code!r}: min_value/max_value apply to number items only")
            if any(o.at_least is not None for o in self.options):
                raise ValueError(f"item {self.code!r}: at_least applies to number items only")
            if self.kind == "single" and len(self.options) < 2:
                raise ValueError(f"item {self.code!r}: a single-choice item needs at least two options")
        return self

    def _check_number_ranges(self) -> None:
        if self.min_value is None or self.max_value is None:
            raise ValueError(f"item {self.code!r}: number items need min_value and max_value")
        if self.min_value >= self.max_value:
            raise ValueError(f"item {self.code!r}: min_value must be below max_value")
        bounds = [o.at_least for o in self.options]
        if any(b is None for b in bounds):
            raise ValueError(f"item {self.code!r}: every option of a number item needs at_least")
        lows = [b for b in bounds if b is not None]
        if lows[0] != self.min_value:
            raise ValueError(
                f"item {self.code!r}: the first option must start at min_value ({self.min_value}), "
                f"not {lows[0]}, or low values would score nothing"
            )
        if any(upper <= lower for lower, upper in zip(lows, lows[1:], strict=False)):
            raise ValueError(f"item {self.code!r}: option ranges (at_least) must strictly increase")
        if lows[-1] > self.max_value:
            raise ValueError(f"item {self.code!r}: option starting at {lows[-1]} lies above max_value")


class Band(_Frozen):
    min_score: Points
    level: Level
    label_zh: Text
    label_en: Text

    def label(self, locale: str) -> str:
        return _pick(locale, self.label_zh, self.label_en)


class Questionnaire(_Frozen):
    code: Code
    version: Annotated[StrictInt, Field(ge=1)]
    title_zh: Text
    title_en: Text
    items: tuple[Item, ...] = Field(min_length=1)
    # Each band runs from its min_score up to the next band's min_score - 1; the last to max_score.
    bands: tuple[Band, ...] = Field(min_length=1)
    flag_at_level: Level

    def title(self, locale: str) -> str:
        return _pick(locale, self.title_zh, self.title_en)

    @property
    def max_score(self) -> int:
        return sum(i.max_points for i in self.items)

    @property
    def min_score(self) -> int:
        return sum(i.min_points for i in self.items)

    def item(self, code: str) -> Item | None:
        return next((i for i in self.items if i.code == code), None)

    def items_for(self, part: Part) -> tuple[Item, ...]:
        if part == "all":
            return self.items
        return tuple(i for i in self.items if i.answered_by == "patient")

    def band_for(self, total: int) -> Band:
        if not 0 <= total <= self.max_score:
            raise ValueError(f"{self.code}: score {total} outside 0..{self.max_score}")
        return [b for b in self.bands if b.min_score <= total][-1]

    @model_validator(mode="after")
    def _consistent(self) -> Questionnaire:
        dupes = _duplicates(i.code for i in self.items)
        if dupes:
            raise ValueError(f"duplicate item code(s) {dupes}")

        starts = [b.min_score for b in self.bands]
        if starts[0] != 0:
            raise ValueError(f"bands must start at 0, the first starts at {starts[0]} (a gap below it)")
        for lower, upper in zip(self.bands, self.bands[1:], strict=False):
            if upper.min_score <= lower.min_score:
                raise ValueError(
                    f"bands overlap or are out of order: {lower.level} from {lower.min_score}, "
                    f"then {upper.level} from {upper.min_score}"
                )
            if level_rank(upper.level) <= level_rank(lower.level):
                raise ValueError(f"band levels must rise with the score: {lower.level} then {upper.level}")
        if starts[-1] > self.max_score:
            raise ValueError(
                f"band {self.bands[-1].level!r} starts at {starts[-1]}, above the maximum score "
                f"{self.max_score}: it can never be reached"
            )
        if self.flag_at_level not in {b.level for b in self.bands}:
            raise ValueError(f"flag_at_level {self.flag_at_level!r} is not one of the bands' levels")
        return self


class QuestionnaireError(ValueError):
    """A questionnaire definition is malformed; the message names the file and every problem found."""


class UnknownQuestionnaire(KeyError):
    pass


def parse(text: str | bytes, source: str = "<string>") -> Questionnaire:
    try:
        return Questionnaire.model_validate_json(text)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}" for err in exc.errors()
        )
        raise QuestionnaireError(f"{source}: invalid questionnaire: {problems}") from exc


def load_from(directory: Traversable) -> dict[str, Questionnaire]:
    """Every ``*.json`` in ``directory``, keyed by code; the file must be named after its code."""
    found: dict[str, Questionnaire] = {}
    entries = sorted((e for e in directory.iterdir() if e.name.endswith(".json")), key=lambda e: e.name)
    for entry in entries:
        q = parse(entry.read_bytes(), source=entry.name)
        # One name for the questionnaire everywhere (file, stored results, URLs) avoids two files
        # silently competing for the same code.
        if entry.name != f"{q.code}.json":
            raise QuestionnaireError(f"{entry.name}: holds questionnaire {q.code!r}, expected {q.code}.json")
        found[q.code] = q
    return found


@cache
def _packaged() -> dict[str, Questionnaire]:
    return load_from(files(__package__) / "questionnaires")


def load_all() -> dict[str, Questionnaire]:
    return dict(_packaged())  # a copy: callers must not be able to change the cached set


def load(code: str) -> Questionnaire:
    try:
        return _packaged()[code]
    except KeyError:
        raise UnknownQuestionnaire(code) from None
