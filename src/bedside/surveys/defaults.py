"""The questionnaires and the follow-up plan a new installation starts with (admins edit them)."""

from __future__ import annotations

from typing import Any

SATISFACTION = "satisfaction"
FOLLOW_UP_DAY7 = "follow_up_day7"
FOLLOW_UP_DAY30 = "follow_up_day30"


def _rating(code: str, zh: str, en: str) -> dict[str, Any]:
    return {"code": code, "kind": "rating", "text_zh": zh, "text_en": en}


SATISFACTION_DEFINITION: dict[str, Any] = {
    "title_zh": "住院满意度调查",
    "title_en": "How was your stay?",
    "questions": [
        _rating("overall", "您对本次住院的总体满意度", "Overall, how satisfied are you with your stay?"),
        _rating("doctors", "医生的诊疗与解释", "The doctors' care and explanations"),
        _rating("nurses", "护士的护理与态度", "The nurses' care and manner"),
        _rating("environment", "病区环境与卫生", "The ward's comfort and cleanliness"),
        _rating("process", "入院、出院手续的便捷程度", "How easy admission and discharge were"),
        {
            "code": "comments",
            "kind": "text",
            "required": False,
            "max_length": 500,
            "text_zh": "您的意见和建议",
            "text_en": "Comments and suggestions",
        },
    ],
}


def _health_questions() -> list[dict[str, Any]]:
    return [
        {
            "code": "feeling",
            "kind": "choice",
            "text_zh": "与出院时相比，您现在感觉如何？",
            "text_en": "Compared with the day you left hospital, how do you feel?",
            "options": [
                {"code": "better", "text_zh": "好转", "text_en": "Better"},
                {"code": "same", "text_zh": "差不多", "text_en": "About the same"},
                {"code": "worse", "text_zh": "变差", "text_en": "Worse", "worrying": True},
            ],
        },
        {
            "code": "symptoms",
            "kind": "choice",
            "text_zh": "是否出现发热、胸痛、气短或伤口红肿渗液？",
            "text_en": "Any fever, chest pain, shortness of breath, or a red or oozing wound?",
            "options": [
                {"code": "none", "text_zh": "没有", "text_en": "None"},
                {"code": "some", "text_zh": "有", "text_en": "Yes", "worrying": True},
            ],
        },
        {
            "code": "medication",
            "kind": "choice",
            "text_zh": "是否按医嘱服药？",
            "text_en": "Are you taking your medicines as prescribed?",
            "options": [
                {"code": "yes", "text_zh": "按时服用", "text_en": "Yes, on time"},
                {"code": "sometimes", "text_zh": "偶尔漏服", "text_en": "I sometimes miss a dose"},
                {
                    "code": "stopped",
                    "text_zh": "已自行停药",
                    "text_en": "I stopped them myself",
                    "worrying": True,
                },
            ],
        },
        {
            "code": "notes",
            "kind": "text",
            "required": False,
            "max_length": 500,
            "text_zh": "还有什么想告诉医护人员的吗？",
            "text_en": "Anything else you want the ward to know?",
        },
    ]


FOLLOW_UP_DAY7_DEFINITION: dict[str, Any] = {
    "title_zh": "出院后第 7 天随访",
    "title_en": "Follow-up, one week after discharge",
    "questions": _health_questions(),
}

FOLLOW_UP_DAY30_DEFINITION: dict[str, Any] = {
    "title_zh": "出院后第 30 天随访",
    "title_en": "Follow-up, one month after discharge",
    "questions": [
        *_health_questions()[:3],
        _rating("recovery", "您对目前恢复情况的满意度", "How satisfied are you with your recovery so far?"),
        _health_questions()[3],
    ],
}

QUESTIONNAIRES: dict[str, tuple[str, dict[str, Any]]] = {
    SATISFACTION: ("satisfaction", SATISFACTION_DEFINITION),
    FOLLOW_UP_DAY7: ("follow_up", FOLLOW_UP_DAY7_DEFINITION),
    FOLLOW_UP_DAY30: ("follow_up", FOLLOW_UP_DAY30_DEFINITION),
}

# day after discharge, questionnaire, remind after this many days unanswered
DEFAULT_PLAN: tuple[tuple[int, str, int], ...] = ((7, FOLLOW_UP_DAY7, 2), (30, FOLLOW_UP_DAY30, 3))
