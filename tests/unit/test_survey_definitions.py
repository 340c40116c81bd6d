"""Questionnaire definitions: what the editor may save, how answers are checked, and which
answers flag a nurse."""

from __future__ import annotations

import json

import pytest

from bedside.surveys import defaults
from bedside.surveys.definitions import (
    InvalidAnswer,
    QuestionnaireError,
    check_answers,
    parse,
    pretty,
    worrying,
)


def _q(**over):  # type: ignore[no-untyped-def]
    q = {"code": "overall", "kind": "rating", "text_zh": "总体", "text_en": "Overall"}
    q.update(over)
    return q


def _defn(*questions):  # type: ignore[no-untyped-def]
    return {"title_zh": "调查", "title_en": "Survey", "questions": list(questions)}


WOUND = _q(
    code="wound",
    kind="choice",
    options=[
        {"code": "ok", "text_zh": "好", "text_en": "Fine"},
        {"code": "red", "text_zh": "红肿", "text_en": "Red", "worrying": True},
    ],
)


@pytest.mark.parametrize(("code", "kind"), [(c, k) for c, (k, _) in defaults.QUESTIONNAIRES.items()])
def test_default_questionnaires_are_valid_and_round_trip(code, kind):
    definition = parse(defaults.QUESTIONNAIRES[code][1], kind)
    assert parse(pretty(definition), kind) == definition


def test_follow_up_defaults_have_worrying_options():
    definition = parse(defaults.FOLLOW_UP_DAY7_DEFINITION, "follow_up")
    assert any(o.worrying for q in definition.questions for o in q.options)


@pytest.mark.parametrize(
    ("data", "kind", "fragment"),
    [
        ("{not json", "satisfaction", "not valid JSON (line 1"),
        ("[1, 2]", "satisfaction", "must be a JSON object"),
        (_defn(), "satisfaction", "questions"),
        (_defn(_q(), _q()), "satisfaction", "duplicate question codes ['overall']"),
        (_defn(_q(code="Bad Code")), "satisfaction", "questions.0.code"),
        (_defn(_q(kind="stars")), "satisfaction", "questions.0.kind"),
        (_defn(_q(text_zh="")), "satisfaction", "questions.0.text_zh"),
        (_defn(_q(colour="red")), "satisfaction", "questions.0.colour"),
        (_defn(_q(options=[{"code": "a", "text_zh": "a", "text_en": "a"}])), "follow_up", "only choice"),
        (_defn(_q(kind="choice")), "follow_up", "at least two options"),
        (
            _defn(_q(kind="choice", options=[{"code": "a", "text_zh": "a", "text_en": "a"}] * 2)),
            "follow_up",
            "option codes must be unique",
        ),
        (_defn(_q(), WOUND), "satisfaction", "rating and text questions only"),
        (_defn(_q(kind="text")), "satisfaction", "at least one rating"),
        ({"title_zh": "x", "questions": [_q()]}, "satisfaction", "title_en"),
    ],
)
def test_invalid_definitions_are_refused_with_a_readable_reason(data, kind, fragment):
    with pytest.raises(QuestionnaireError) as err:
        parse(data if isinstance(data, str) else json.dumps(data), kind)
    assert fragment in err.value.detail


def test_follow_up_may_ask_choices_and_text():
    definition = parse(_defn(WOUND, _q(code="notes", kind="text", required=False)), "follow_up")
    assert [q.kind for q in definition.questions] == ["choice", "text"]


def test_check_answers_converts_ratings_and_ignores_other_fields():
    definition = parse(
        _defn(_q(), _q(code="notes", kind="text", required=False, max_length=5)), "satisfaction"
    )
    assert check_answers(definition, {"overall": "4", "csrf_token": "x", "notes": " ok "}) == {
        "overall": 4,
        "notes": "ok",
    }
    assert check_answers(definition, {"overall": "5", "notes": ""}) == {"overall": 5}


@pytest.mark.parametrize(
    ("raw", "code", "question"),
    [
        ({}, "required", "overall"),
        ({"overall": "  "}, "required", "overall"),
        ({"overall": "0"}, "not_a_rating", "overall"),
        ({"overall": "6"}, "not_a_rating", "overall"),
        ({"overall": "4.5"}, "not_a_rating", "overall"),
        ({"overall": "３"}, "not_a_rating", "overall"),
        ({"overall": "3", "wound": "purple"}, "unknown_option", "wound"),
        ({"overall": "3", "wound": "ok", "notes": "x" * 6}, "too_long", "notes"),
    ],
)
def test_bad_answers_name_the_question(raw, code, question):
    definition = parse(
        _defn(_q(), WOUND, _q(code="notes", kind="text", required=False, max_length=5)), "follow_up"
    )
    with pytest.raises(InvalidAnswer) as err:
        check_answers(definition, raw)
    assert (err.value.code, err.value.question) == (code, question)


def test_worrying_answers_are_the_chosen_options_marked_worrying():
    definition = parse(_defn(WOUND, _q(code="mood", kind="rating")), "follow_up")
    assert worrying(definition, {"wound": "red", "mood": 1}) == [{"question": "wound", "answer": "red"}]
    assert worrying(definition, {"wound": "ok", "mood": 1}) == []
    assert worrying(definition, {}) == []


def test_default_day7_flags_worse_feeling_and_stopped_medicines():
    definition = parse(defaults.FOLLOW_UP_DAY7_DEFINITION, "follow_up")
    answers = check_answers(definition, {"feeling": "worse", "symptoms": "none", "medication": "stopped"})
    assert [f["question"] for f in worrying(definition, answers)] == ["feeling", "medication"]
    calm = check_answers(definition, {"feeling": "better", "symptoms": "none", "medication": "sometimes"})
    assert worrying(definition, calm) == []
