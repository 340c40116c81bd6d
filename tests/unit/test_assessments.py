import copy
import json
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bedside.assessments import definitions
from bedside.assessments.definitions import Questionnaire, QuestionnaireError, UnknownQuestionnaire
from bedside.assessments.scoring import InvalidAnswer, PatientFacts, items_to_ask, score

MORSE = definitions.load("morse_fall")
PADUA = definitions.load("padua_vte")

MORSE_NONE = {
    "history_of_falling": "no",
    "secondary_diagnosis": "no",
    "ambulatory_aid": "none_bed_rest_nurse_assist",
    "iv_or_heparin_lock": "no",
    "gait": "normal_bed_rest_immobile",
    "mental_status": "oriented_to_own_ability",
}
PADUA_NONE = {
    "active_cancer": "no",
    "previous_vte": "no",
    "reduced_mobility": "no",
    "known_thrombophilia": "no",
    "recent_trauma_or_surgery": "no",
    "heart_or_respiratory_failure": "no",
    "acute_mi_or_ischemic_stroke": "no",
    "acute_infection_or_rheumatologic": "no",
    "hormonal_treatment": "no",
}
YOUNG_SLIM = PatientFacts(age=40, sex="F", height_cm=165, weight_kg=55)

# A small definition exercising what the shipped scales do not: a multi item and an optional item.
SAMPLE: dict = {
    "code": "sample",
    "version": 1,
    "title_zh": "示例",
    "title_en": "Sample",
    "items": [
        {
            "code": "symptoms",
            "text_zh": "症状",
            "text_en": "Symptoms",
            "kind": "multi",
            "answered_by": "patient",
            "options": [
                {"code": "cough", "text_zh": "咳嗽", "text_en": "Cough", "points": 1},
                {"code": "fever", "text_zh": "发热", "text_en": "Fever", "points": 2},
                {"code": "pain", "text_zh": "疼痛", "text_en": "Pain", "points": 3},
            ],
        },
        {
            "code": "smoker",
            "text_zh": "吸烟",
            "text_en": "Smoker",
            "kind": "single",
            "answered_by": "patient",
            "required": False,
            "options": [
                {"code": "no", "text_zh": "否", "text_en": "No", "points": 0},
                {"code": "yes", "text_zh": "是", "text_en": "Yes", "points": 2},
            ],
        },
        {
            "code": "pulse",
            "text_zh": "脉搏",
            "text_en": "Pulse",
            "kind": "number",
            "answered_by": "nurse",
            "min_value": 20,
            "max_value": 250,
            "options": [
                {"code": "slow", "text_zh": "慢", "text_en": "Slow", "points": 1, "at_least": 20},
                {"code": "normal", "text_zh": "正常", "text_en": "Normal", "points": 0, "at_least": 60},
                {"code": "fast", "text_zh": "快", "text_en": "Fast", "points": 2, "at_least": 101},
            ],
        },
    ],
    "bands": [
        {"min_score": 0, "level": "low", "label_zh": "低", "label_en": "Low"},
        {"min_score": 4, "level": "moderate", "label_zh": "中", "label_en": "Moderate"},
        {"min_score": 7, "level": "high", "label_zh": "高", "label_en": "High"},
    ],
    "flag_at_level": "moderate",
}


def _parse(data: dict) -> Questionnaire:
    return definitions.parse(json.dumps(data), source="test.json")


SAMPLE_Q = _parse(SAMPLE)


# --- loading ------------------------------------------------------------------------------------------


def test_every_shipped_questionnaire_loads():
    found = definitions.load_all()
    assert {"morse_fall", "padua_vte"} <= set(found)
    for code, q in found.items():
        assert q.code == code
        assert definitions.load(code) is q
        assert q.items_for("patient"), f"{code}: nothing for the patient to answer"


def test_load_all_returns_a_copy():
    definitions.load_all().clear()
    assert "morse_fall" in definitions.load_all()


def test_unknown_questionnaire():
    with pytest.raises(UnknownQuestionnaire):
        definitions.load("nope")


def _points(q: Questionnaire) -> dict[str, list[int]]:
    return {i.code: [o.points for o in i.options] for i in q.items}


def test_morse_points_as_published():
    assert _points(MORSE) == {
        "history_of_falling": [0, 25],
        "secondary_diagnosis": [0, 15],
        "ambulatory_aid": [0, 15, 30],
        "iv_or_heparin_lock": [0, 20],
        "gait": [0, 10, 20],
        "mental_status": [0, 15],
    }
    assert MORSE.max_score == 125
    assert [(b.min_score, b.level) for b in MORSE.bands] == [(0, "low"), (25, "moderate"), (45, "high")]
    assert {i.code for i in MORSE.items if i.answered_by == "nurse"} == {
        "iv_or_heparin_lock",
        "gait",
        "mental_status",
    }


def test_padua_points_as_published():
    assert _points(PADUA) == {
        "active_cancer": [0, 3],
        "previous_vte": [0, 3],
        "reduced_mobility": [0, 3],
        "known_thrombophilia": [0, 3],
        "recent_trauma_or_surgery": [0, 2],
        "age": [0, 1],
        "heart_or_respiratory_failure": [0, 1],
        "acute_mi_or_ischemic_stroke": [0, 1],
        "acute_infection_or_rheumatologic": [0, 1],
        "bmi": [0, 1],
        "hormonal_treatment": [0, 1],
    }
    assert PADUA.max_score == 20
    assert [(b.min_score, b.level) for b in PADUA.bands] == [(0, "low"), (4, "high")]


# --- bands --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "total, level", [(0, "low"), (24, "low"), (25, "moderate"), (44, "moderate"), (45, "high"), (125, "high")]
)
def test_morse_band_boundaries(total, level):
    assert MORSE.band_for(total).level == level


@pytest.mark.parametrize(
    "changes, total, level, flagged",
    [
        ({"gait": "impaired"}, 20, "low", False),
        ({"history_of_falling": "yes"}, 25, "moderate", False),
        ({"gait": "impaired", "iv_or_heparin_lock": "yes"}, 40, "moderate", False),
        ({"history_of_falling": "yes", "iv_or_heparin_lock": "yes"}, 45, "high", True),
        ({"ambulatory_aid": "furniture", "secondary_diagnosis": "yes"}, 45, "high", True),
    ],
)
def test_morse_scores_at_the_boundaries(changes, total, level, flagged):
    result = score(MORSE, MORSE_NONE | changes)
    assert (result.total, result.level, result.flagged) == (total, level, flagged)
    assert result.complete and result.missing == []


@pytest.mark.parametrize(
    "changes, total, level",
    [
        ({"previous_vte": "yes"}, 3, "low"),
        ({"previous_vte": "yes", "hormonal_treatment": "yes"}, 4, "high"),
        ({"recent_trauma_or_surgery": "yes", "heart_or_respiratory_failure": "yes"}, 3, "low"),
        ({"recent_trauma_or_surgery": "yes", "acute_mi_or_ischemic_stroke": "yes", "bmi": 30}, 4, "high"),
    ],
)
def test_padua_band_boundary(changes, total, level):
    patient = PatientFacts(age=50)  # no height or weight, so an answered BMI counts
    answers = PADUA_NONE | {"bmi": 22} | changes
    result = score(PADUA, answers, patient)
    assert (result.total, result.level, result.flagged) == (total, level, level == "high")
    assert PADUA.band_for(3).level == "low" and PADUA.band_for(4).level == "high"


def test_labels_per_locale():
    result = score(MORSE, MORSE_NONE | {"history_of_falling": "yes", "iv_or_heparin_lock": "yes"})
    assert (result.label_zh, result.label_en) == ("高危", "High risk")
    assert result.label("zh_CN") == result.label("zh-CN") == "高危"
    assert result.label("en") == "High risk"


# --- derived items ------------------------------------------------------------------------------------


@pytest.mark.parametrize("on, age, points", [(date(2026, 3, 9), 69, 0), (date(2026, 3, 10), 70, 1)])
def test_age_derived_from_birth_date(on, age, points):
    patient = PatientFacts.from_birth_date(date(1956, 3, 10), on, height_cm=170, weight_kg=60)
    assert patient.age == age
    result = score(PADUA, PADUA_NONE, patient)
    assert result.points["age"] == points
    assert result.derived["age"] == age
    assert result.complete


@pytest.mark.parametrize(
    "weight, bmi, points",
    [(86.5, 29.9, 0), (86.6, 30.0, 1), (86.7, 30.0, 1), (100, 34.6, 1)],  # 86.6 / 1.7² = 29.965 reads 30.0
)
def test_bmi_derived_from_height_and_weight(weight, bmi, points):
    result = score(PADUA, PADUA_NONE, PatientFacts(age=40, height_cm=170, weight_kg=weight))
    assert result.derived["bmi"] == bmi
    assert result.points["bmi"] == points


def test_derived_item_without_facts_is_missing_until_answered():
    no_height = PatientFacts(age=40, weight_kg=90)
    result = score(PADUA, PADUA_NONE, no_height)
    assert result.missing == ["bmi"] and not result.complete
    assert [i.code for i in items_to_ask(PADUA, no_height)] == [
        "active_cancer",
        "previous_vte",
        "known_thrombophilia",
        "recent_trauma_or_surgery",
        "bmi",
        "hormonal_treatment",
    ]
    measured = score(PADUA, PADUA_NONE | {"bmi": 31.2}, no_height)
    assert measured.points["bmi"] == 1 and "bmi" not in measured.derived and measured.complete
    assert score(PADUA, PADUA_NONE).missing == ["age", "bmi"]


def test_facts_win_over_an_answer_to_a_derived_item():
    result = score(PADUA, PADUA_NONE | {"age": 30}, PatientFacts(age=75, height_cm=170, weight_kg=60))
    assert result.points["age"] == 1


def test_derived_value_out_of_range_is_rejected():
    with pytest.raises(InvalidAnswer) as exc:
        score(PADUA, PADUA_NONE, PatientFacts(age=40, height_cm=40, weight_kg=500))
    assert (exc.value.code, exc.value.item) == ("out_of_range", "bmi")


# --- the patient part ---------------------------------------------------------------------------------


def test_patient_part_scores_only_patient_items_and_says_it_is_partial():
    answers = {"history_of_falling": "yes", "secondary_diagnosis": "no", "gait": "impaired"}
    result = score(MORSE, answers, part="patient")
    assert result.part == "patient"
    assert result.points == {"history_of_falling": 25, "secondary_diagnosis": 0}  # gait is the ward's
    assert result.missing == ["ambulatory_aid"]
    assert result.total == 25 and result.level == "moderate"
    assert not result.complete

    answered = score(MORSE, answers | {"ambulatory_aid": "furniture"}, part="patient")
    assert answered.missing == [] and answered.total == 55 and answered.flagged
    assert not answered.complete  # the nurse items are still to come

    whole = score(MORSE, answers | {"ambulatory_aid": "furniture"})
    assert whole.missing == ["iv_or_heparin_lock", "mental_status"] and not whole.complete


def test_phone_is_shown_only_patient_items():
    assert [i.code for i in items_to_ask(MORSE, None)] == [
        "history_of_falling",
        "secondary_diagnosis",
        "ambulatory_aid",
    ]
    assert "age" not in {i.code for i in items_to_ask(PADUA, YOUNG_SLIM)}
    assert "bmi" not in {i.code for i in items_to_ask(PADUA, YOUNG_SLIM)}
    assert all(i.answered_by == "patient" for i in PADUA.items_for("patient"))


def test_patient_part_of_an_all_patient_questionnaire_is_complete():
    data = copy.deepcopy(SAMPLE)
    data["items"][2]["answered_by"] = "patient"
    q = _parse(data)
    assert score(q, {"symptoms": [], "pulse": 80}, part="patient").complete


# --- invalid answers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "q, answers, code, item",
    [
        (MORSE, {"shoe_size": "42"}, "unknown_item", "shoe_size"),
        (MORSE, {"gait": "wobbly"}, "unknown_option", "gait"),
        (MORSE, {"gait": 10}, "unknown_option", "gait"),
        (SAMPLE_Q, {"symptoms": ["cough", "sneeze"]}, "unknown_option", "symptoms"),
        (PADUA, {"bmi": "31"}, "not_a_number", "bmi"),
        (PADUA, {"age": True}, "not_a_number", "age"),
        (PADUA, {"age": ["70"]}, "not_a_number", "age"),
        (PADUA, {"bmi": float("nan")}, "not_a_number", "bmi"),
        (PADUA, {"age": 151}, "out_of_range", "age"),
        (PADUA, {"age": -1}, "out_of_range", "age"),
        (SAMPLE_Q, {"pulse": 19}, "out_of_range", "pulse"),
        (MORSE, {"gait": ["weak", "impaired"]}, "multiple_for_single", "gait"),
    ],
)
def test_invalid_answers(q, answers, code, item):
    with pytest.raises(InvalidAnswer) as exc:
        score(q, answers)
    assert isinstance(exc.value, ValueError)
    assert (exc.value.code, exc.value.item) == (code, item)


def test_answers_outside_the_part_are_still_checked():
    with pytest.raises(InvalidAnswer) as exc:
        score(MORSE, {"gait": "wobbly"}, part="patient")
    assert exc.value.code == "unknown_option"


def test_lenient_shapes_of_choice_answers():
    # A one-element list answers a single item; an empty one leaves it unanswered.
    assert score(MORSE, {"gait": ["weak"]}).points["gait"] == 10
    assert "gait" in score(MORSE, {"gait": []}).missing
    # A multi item: a bare code is one choice, repeats count once, and an empty list means "none".
    assert score(SAMPLE_Q, {"symptoms": "fever"}).points["symptoms"] == 2
    assert score(SAMPLE_Q, {"symptoms": ["fever", "fever", "pain"]}).points["symptoms"] == 5
    empty = score(SAMPLE_Q, {"symptoms": [], "pulse": 80})
    assert empty.points == {"symptoms": 0, "pulse": 0} and empty.complete  # smoker is optional


@pytest.mark.parametrize(
    "pulse, points", [(20, 1), (59, 1), (59.9, 1), (60, 0), (100, 0), (101, 2), (250, 2)]
)
def test_number_ranges(pulse, points):
    assert score(SAMPLE_Q, {"pulse": pulse}).points["pulse"] == points


# --- malformed definitions ----------------------------------------------------------------------------


def _broken(change) -> dict:
    data = copy.deepcopy(SAMPLE)
    change(data)
    return data


def _set(path: str, value):
    def change(data):
        *parents, last = path.split(".")
        node = data
        for key in parents:
            node = node[int(key)] if key.isdigit() else node[key]
        node[int(last) if last.isdigit() else last] = value

    return change


BROKEN = {
    "duplicate item code": (_set("items.1.code", "symptoms"), "duplicate item code"),
    "duplicate option code": (_set("items.0.options.1.code", "cough"), "duplicate option code"),
    "duplicate option text": (_set("items.0.options.1.text_en", "Cough"), "duplicate option text_en"),
    "negative points": (_set("items.0.options.0.points", -1), "greater than or equal to 0"),
    "fractional points": (_set("items.0.options.0.points", 1.5), "valid integer"),
    "points as text": (_set("items.0.options.0.points", "1"), "valid integer"),
    "points as bool": (_set("items.0.options.0.points", True), "valid integer"),
    "gap below the first band": (_set("bands.0.min_score", 1), "must start at 0"),
    "overlapping bands": (_set("bands.1.min_score", 0), "overlap"),
    "bands out of order": (_set("bands.2.min_score", 3), "overlap or are out of order"),
    "unreachable band": (_set("bands.2.min_score", 99), "can never be reached"),
    "levels falling": (_set("bands.2.level", "low"), "levels must rise"),
    "flag level without band": (
        lambda d: (d["bands"].pop(1), d.update(flag_at_level="moderate")),
        "not one of the bands",
    ),
    "misspelt key": (lambda d: d["items"][0].update(answerd_by="nurse"), "answerd_by"),
    "unknown kind": (_set("items.0.kind", "slider"), "kind"),
    "unknown answerer": (_set("items.0.answered_by", "doctor"), "answered_by"),
    "number without range": (lambda d: d["items"][2].pop("max_value"), "need min_value and max_value"),
    "number option without bound": (lambda d: d["items"][2]["options"][1].pop("at_least"), "needs at_least"),
    "number not from min": (_set("items.2.options.0.at_least", 30), "must start at min_value"),
    "number bounds not rising": (_set("items.2.options.2.at_least", 60), "strictly increase"),
    "derive on a choice": (_set("items.1.derive", "age"), "only number items can be derived"),
    "bound on a choice": (_set("items.1.options.0.at_least", 1), "number items only"),
    "single with one option": (lambda d: d["items"][1]["options"].pop(), "at least two options"),
    "no items": (_set("items", []), "at least 1 item"),
    "bad code": (_set("code", "Sample Scale"), "pattern"),
    "version zero": (_set("version", 0), "greater than or equal to 1"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_malformed_definition_is_rejected(name):
    change, message = BROKEN[name]
    with pytest.raises(QuestionnaireError, match="test.json") as exc:
        _parse(_broken(change))
    assert message in str(exc.value)


def test_broken_file_stops_loading_and_names_the_file(tmp_path):
    (tmp_path / "sample.json").write_text(json.dumps(SAMPLE), encoding="utf-8")
    assert set(definitions.load_from(tmp_path)) == {"sample"}

    (tmp_path / "broken.json").write_text(json.dumps(_broken(_set("bands.0.min_score", 1))), encoding="utf-8")
    with pytest.raises(QuestionnaireError, match=r"broken\.json.*must start at 0"):
        definitions.load_from(tmp_path)

    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(QuestionnaireError, match=r"broken\.json"):
        definitions.load_from(tmp_path)


def test_file_must_be_named_after_its_code(tmp_path):
    (tmp_path / "other.json").write_text(json.dumps(SAMPLE), encoding="utf-8")
    with pytest.raises(QuestionnaireError, match="expected sample.json"):
        definitions.load_from(tmp_path)


def test_definitions_are_frozen():
    with pytest.raises(ValueError, match="frozen"):
        MORSE.version = 2  # type: ignore[misc]


# --- properties ---------------------------------------------------------------------------------------

ALL = [*definitions.load_all().values(), SAMPLE_Q]


def _value(item):
    if item.kind == "single":
        return st.sampled_from([o.code for o in item.options])
    if item.kind == "multi":
        return st.lists(st.sampled_from([o.code for o in item.options]), unique=True)
    return st.one_of(
        st.integers(int(item.min_value), int(item.max_value)),
        st.floats(item.min_value, item.max_value, allow_nan=False),
    )


@st.composite
def questionnaire_and_answers(draw):
    q = draw(st.sampled_from(ALL))
    answers = {}
    for item in q.items:
        if draw(st.booleans()):
            answers[item.code] = draw(_value(item))
    return q, answers


def _expected_points(item, value) -> int:
    if item.kind == "number":
        # The option with the highest lower bound not above the value.
        return max((o for o in item.options if o.at_least <= value), key=lambda o: o.at_least).points
    codes = [value] if isinstance(value, str) else value
    return sum(o.points for o in item.options if o.code in codes)


@settings(max_examples=300)
@given(questionnaire_and_answers(), st.sampled_from(["patient", "all"]))
def test_total_is_the_sum_of_chosen_points(case, part):
    q, answers = case
    result = score(q, answers, part=part)
    scored = {i.code for i in q.items_for(part)}
    expected = {c: _expected_points(q.item(c), v) for c, v in answers.items() if c in scored}
    assert result.points == expected
    assert result.total == sum(expected.values())
    assert 0 <= result.total <= q.max_score
    assert q.bands[0].min_score <= result.total
    assert result.level == q.band_for(result.total).level
    assert set(result.missing) == {i.code for i in q.items_for(part) if i.required and i.code not in answers}


@given(questionnaire_and_answers())
def test_scoring_is_deterministic(case):
    q, answers = case
    first = score(q, answers)
    again = score(q, dict(reversed(list(answers.items()))))
    assert first == again
    assert first.model_dump_json() == again.model_dump_json()
    assert list(first.points) == [i.code for i in q.items if i.code in first.points]
