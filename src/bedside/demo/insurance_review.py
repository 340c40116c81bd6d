"""Demo data of the insurance review: a small scheme catalogue (目录) with usual daily doses
and class-B indications, covering the demo stay's bill and a few common items, so the rules
have something to check against. Doses are thousandths of a unit per day."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bedside.insurance import review as review_service

CATALOGUE: tuple[dict[str, object], ...] = (
    {"code": "DEMO0001", "name": "普通床位费", "insurance_class": "A", "max_daily_milli": 1000},
    {"code": "DEMO0002", "name": "二级护理", "insurance_class": "A", "max_daily_milli": 1000},
    {"code": "DEMO0003", "name": "心脏彩色多普勒超声", "insurance_class": "A", "max_daily_milli": 1000},
    {
        "code": "DEMO0004",
        "name": "冠状动脉CT血管成像",
        "insurance_class": "B",
        "max_daily_milli": 1000,
        "indication": "限冠心病或疑似冠心病",
        "indication_keywords": ["冠心病", "冠状动脉"],
    },
    {"code": "DEMO0005", "name": "血常规", "insurance_class": "A", "max_daily_milli": 2000},
    {"code": "DEMO0006", "name": "心肌酶谱", "insurance_class": "A", "max_daily_milli": 2000},
    {"code": "DEMO0007", "name": "阿司匹林肠溶片 100mg", "insurance_class": "A", "max_daily_milli": 3000},
    {
        "code": "DEMO0008",
        "name": "阿托伐他汀钙片 20mg",
        "insurance_class": "B",
        "max_daily_milli": 8000,
        "indication": "限高脂血症或动脉粥样硬化",
        "indication_keywords": ["高脂血症", "粥样硬化"],
    },
    {"code": "DEMO0010", "name": "一次性输液器", "insurance_class": "B", "max_daily_milli": 6000},
    {"code": "DEMO0011", "name": "静脉输液", "insurance_class": "A", "max_daily_milli": 6000},
    {"code": "XW0101", "name": "阿莫西林胶囊 0.25g", "insurance_class": "A", "max_daily_milli": 12000},
    {
        "code": "XW0202",
        "name": "注射用头孢曲松钠 1g",
        "insurance_class": "B",
        "max_daily_milli": 4000,
        "indication": "限重症感染或肺炎",
        "indication_keywords": ["肺炎", "重症感染", "脓毒"],
    },
    {
        "code": "XW0303",
        "name": "人血白蛋白 10g",
        "insurance_class": "B",
        "max_daily_milli": 2000,
        "indication": "限抢救、重症或低蛋白血症",
        "indication_keywords": ["低蛋白血症", "休克", "烧伤"],
    },
    {"code": "XL0001", "name": "肝功能", "insurance_class": "A", "max_daily_milli": 1000},
    {"code": "XB0001", "name": "普通床位费", "insurance_class": "A", "max_daily_milli": 1000},
)


def seed(session: Session) -> None:
    review_service.load_catalogue(session, [dict(item) for item in CATALOGUE])
    session.commit()
