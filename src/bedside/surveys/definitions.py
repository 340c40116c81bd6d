"""Questionnaires as data: the definition format, its validation, checking answers against
it, and which answers are worrying. Pure: no database, no web.

A definition is JSON such as

    {"title_zh": "住院满意度调查", "title_en": "How was your stay?",
     "questions": [
       {"code": "overall", "kind": "rating", "text_zh": "总体满意度", "text_en": "Overall"},
       {"code": "wound", "kind": "choice", "text_zh": "伤口情况", "text_en": "Your wound",
        "options": [{"code": "ok", "text_zh": "愈合良好", "text_en": "Healing well"},
                    {"code": "red", "text_zh": "红肿渗液", "text_en": "Red or oozing", "worrying": true}]},
       {"code": "comments", "kind": "text", "required": false, "text_zh": "意见", "text_en": "Comments"}]}

Satisfaction surveys hold 1-5 ratings and free text only; follow-up questionnaires may also
ask single-choice questions whose options can be marked worrying (they flag the ward's nurses).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

QuestionnaireKind = Literal["satisfaction", "follow_up"]
QuestionKind = Literal["rating", "text", "choice"]
RATING_MIN, RATING_MAX = 1, 5
MAX_QUESTIONS = 30

Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
Text = Annotated[str, Field(min_length=1, max_length=300)]


def _pick(locale: str, zh: str, en: str) -> str:
    return en if locale == "en" else zh


class _Frozen(BaseModel):
    # A misspelt key ("worying") must fail rather than fall back to a default.
    model_config = ConfigDict(frozen=True, extra="forbid")


class Option(_Frozen):
    code: Code
    text_zh: Text
    text_en: Text
    worrying: bool = False

    def text(self, locale: str) -> str:
        return _pick(locale, self.text_zh, self.text_en)


class Question(_Frozen):
    code: Code
    kind: QuestionKind
    text_zh: Text
    text_en: Text
    required: bool = True
    options: tuple[Option, ...] = ()
    max_length: Annotated[int, Field(ge=1, le=2000)] = 500

    def text(self, locale: str) -> str:
        return _pick(locale, self.text_zh, self.text_en)

    def option(self, code: str) -> Option | None:
        return next((o for o in self.options if o.code == code), None)

    @model_validator(mode="after")
    def _consistent(self) -> Question:
        if self.kind == "choice":
            if len(self.options) < 2:
                raise ValueError(f"question {self.code!r}: a choice needs at least two options")
            codes = [o.code for o in self.options]
            if len(set(codes)) != len(codes):
                raise ValueError(f"question {self.code!r}: option codes must be unique")
        elif self.options:
            raise ValueError(f"question {self.code!r}: only choice questions have options")
        return self


class Definition(_Frozen):
    title_zh: Text
    title_en: Text
    questions: tuple[Question, ...] = Field(min_length=1, max_length=MAX_QUESTIONS)

    def title(self, locale: str) -> str:
        return _pick(locale, self.title_zh, self.title_en)

    def question(self, code: str) -> Question | None:
        return next((q for q in self.questions if q.code == code), None)

    @property
    def ratings(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.kind == "rating")

    @model_validator(mode="after")
    def _unique(self) -> Definition:
        codes = [q.code for q in self.questions]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise ValueError(f"duplicate question codes {dupes}")
        return self


class QuestionnaireError(ValueError):
    """A definition that cannot be used; ``detail`` says where and why, for the editor."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        where = ".".join(str(p) for p in err.get("loc", ()))
        msg = str(err.get("msg", "")).removeprefix("Value error, ")
        parts.append(f"{where}: {msg}" if where else msg)
    return "; ".join(parts)


def parse(data: str | Mapping[str, Any], kind: QuestionnaireKind) -> Definition:
    """A validated definition from JSON text or a dict, or QuestionnaireError."""
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise QuestionnaireError(f"not valid JSON (line {exc.lineno}, column {exc.colno})") from None
    if not isinstance(data, Mapping):
        raise QuestionnaireError("the definition must be a JSON object")
    try:
        definition = Definition.model_validate(dict(data))
    except ValidationError as exc:
        raise QuestionnaireError(_describe(exc)) from None
    if kind == "satisfaction":
        if any(q.kind == "choice" for q in definition.questions):
            raise QuestionnaireError("a satisfaction survey has rating and text questions only")
        if not definition.ratings:
            raise QuestionnaireError("a satisfaction survey needs at least one rating question")
    return definition


AnswerErrorCode = Literal["required", "not_a_rating", "unknown_option", "too_long"]
Answers = dict[str, int | str]


class InvalidAnswer(ValueError):
    def __init__(self, code: AnswerErrorCode, question: str) -> None:
        super().__init__(f"{question}: {code}")
        self.code: AnswerErrorCode = code
        self.question = question


def check_answers(definition: Definition, raw: Mapping[str, str]) -> Answers:
    """Answers keyed by question code (ratings as int); other keys in ``raw`` are ignored."""
    answers: Answers = {}
    for q in definition.questions:
        value = (raw.get(q.code) or "").strip()
        if not value:
            if q.required:
                raise InvalidAnswer("required", q.code)
            continue
        if q.kind == "rating":
            if value not in {str(n) for n in range(RATING_MIN, RATING_MAX + 1)}:
                raise InvalidAnswer("not_a_rating", q.code)
            answers[q.code] = int(value)
        elif q.kind == "choice":
            if q.option(value) is None:
                raise InvalidAnswer("unknown_option", q.code)
            answers[q.code] = value
        else:
            if len(value) > q.max_length:
                raise InvalidAnswer("too_long", q.code)
            answers[q.code] = value
    return answers


def worrying(definition: Definition, answers: Mapping[str, object]) -> list[dict[str, str]]:
    """The answers that should bring a nurse to the phone: chosen options marked worrying."""
    found = []
    for q in definition.questions:
        if q.kind != "choice":
            continue
        option = q.option(str(answers.get(q.code, "")))
        if option is not None and option.worrying:
            found.append({"question": q.code, "answer": option.code})
    return found


def pretty(definition: Definition) -> str:
    return json.dumps(definition.model_dump(exclude_defaults=True), ensure_ascii=False, indent=2)
