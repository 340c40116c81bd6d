"""Follow-up plans edited in the console: a plan per department (or the all-departments
default) and its items (day after discharge, questionnaire, reminder wait).

A follow-up already sent copies its day, due date and reminder wait from the item, so editing
a plan never moves it. Sent follow-ups still point at their item (a foreign key), so an item
that was used is retired instead of deleted (`retired_at`), which every reader skips through
`active_items`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bedside.core import audit
from bedside.core.audit import Actor
from bedside.core.db import utcnow
from bedside.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from bedside.core.i18n import N_
from bedside.hospital.models import Department
from bedside.surveys.models import FollowUp, FollowUpPlan, FollowUpPlanItem
from bedside.surveys.service import current, ensure_defaults

PLAN_ROLES = ("admin", "manager")
MIN_DAY, MAX_DAY = 1, 365
MIN_REMIND, MAX_REMIND = 1, 30
MAX_NAME = 100


def active_items(plan: FollowUpPlan) -> list[FollowUpPlanItem]:
    return [i for i in plan.items if i.retired_at is None]


def _require(actor: Actor) -> None:
    if actor.kind != "staff" or not actor.has_role(*PLAN_ROLES):
        raise Forbidden()


def _int(value: str | int, low: int, high: int, code: str, message: str, field: str) -> int:
    text = str(value).strip()
    if not text.isdigit() or len(text) > 4 or not low <= int(text) <= high:
        raise InvalidInput(message, code=code, params={"low": low, "high": high}, field=field)
    return int(text)


def all_plans(session: Session) -> list[FollowUpPlan]:
    """The default plan first, then the departments' plans. The caller commits (the default
    plan is created on first use)."""
    ensure_defaults(session)
    return list(
        session.scalars(
            select(FollowUpPlan).order_by(FollowUpPlan.department_id.is_not(None), FollowUpPlan.id)
        )
    )


def get_plan(session: Session, plan_id: int) -> FollowUpPlan:
    plan = session.get(FollowUpPlan, plan_id)
    if plan is None:
        raise NotFound(N_("Follow-up plan not found."), code="follow_up_plan_not_found")
    return plan


def create_plan(session: Session, actor: Actor, department_id: int | None, name: str) -> FollowUpPlan:
    """A department's own plan, starting as a copy of the default plan's items (the
    department's patients were following those until now)."""
    _require(actor)
    if department_id is None or session.get(Department, department_id) is None:
        raise InvalidInput(N_("Choose a department."), code="invalid_department", field="department_id")
    clean = name.strip()
    if not clean or len(clean) > MAX_NAME:
        raise InvalidInput(
            N_("Give the plan a name of at most %(n)s characters."),
            code="invalid_plan_name",
            params={"n": MAX_NAME},
            field="name",
        )
    if session.scalar(select(FollowUpPlan.id).where(FollowUpPlan.department_id == department_id)):
        raise Conflict(N_("This department already has a follow-up plan."), code="follow_up_plan_exists")
    default = next((p for p in all_plans(session) if p.department_id is None), None)
    plan = FollowUpPlan(
        department_id=department_id,
        name=clean,
        items=[
            FollowUpPlanItem(
                day_offset=i.day_offset,
                questionnaire_code=i.questionnaire_code,
                remind_after_days=i.remind_after_days,
            )
            for i in (active_items(default) if default else [])
        ],
    )
    session.add(plan)
    try:
        session.flush()
    except IntegrityError:  # another admin made it a moment ago
        session.rollback()
        raise Conflict(
            N_("This department already has a follow-up plan."), code="follow_up_plan_exists"
        ) from None
    audit.record(
        session,
        actor,
        "follow_up_plan.create",
        "follow_up_plan",
        plan.id,
        department_id=department_id,
        items=[[i.day_offset, i.questionnaire_code, i.remind_after_days] for i in plan.items],
    )
    session.commit()
    return plan


def add_item(
    session: Session,
    actor: Actor,
    plan_id: int,
    *,
    day_offset: str | int,
    questionnaire_code: str,
    remind_after_days: str | int,
) -> FollowUpPlanItem:
    _require(actor)
    plan = get_plan(session, plan_id)
    day = _int(
        day_offset,
        MIN_DAY,
        MAX_DAY,
        "invalid_day_offset",
        N_("Give the day after discharge, from %(low)s to %(high)s."),
        "day_offset",
    )
    remind = _int(
        remind_after_days,
        MIN_REMIND,
        MAX_REMIND,
        "invalid_remind_after",
        N_("Give the days to wait before a reminder, from %(low)s to %(high)s."),
        "remind_after_days",
    )
    code = questionnaire_code.strip()
    questionnaire = current(session, code) if code and len(code) <= 40 else None
    if questionnaire is None or questionnaire.kind != "follow_up":
        raise InvalidInput(
            N_("Choose a follow-up questionnaire."),
            code="invalid_questionnaire_code",
            field="questionnaire_code",
        )
    if any(i.day_offset == day for i in active_items(plan)):
        raise InvalidInput(
            N_("The plan already has a questionnaire on day %(day)s."),
            code="day_offset_taken",
            params={"day": day},
            field="day_offset",
        )
    item = FollowUpPlanItem(
        plan_id=plan.id, day_offset=day, questionnaire_code=code, remind_after_days=remind
    )
    session.add(item)
    try:
        session.flush()
    except IntegrityError:  # the same day added at the same moment by someone else
        session.rollback()
        raise InvalidInput(
            N_("The plan already has a questionnaire on day %(day)s."),
            code="day_offset_taken",
            params={"day": day},
            field="day_offset",
        ) from None
    audit.record(
        session,
        actor,
        "follow_up_plan.add_item",
        "follow_up_plan",
        plan.id,
        item_id=item.id,
        day_offset=day,
        questionnaire_code=code,
        remind_after_days=remind,
    )
    session.commit()
    session.expire(plan, ["items"])
    return item


def remove_item(session: Session, actor: Actor, plan_id: int, item_id: int) -> None:
    """Stops sending this item to stays discharged from now on; follow-ups already sent keep
    their day, reminder and answers."""
    _require(actor)
    plan = get_plan(session, plan_id)
    item = next((i for i in active_items(plan) if i.id == item_id), None)
    if item is None:
        raise NotFound(N_("Follow-up plan item not found."), code="follow_up_plan_item_not_found")
    details: dict[str, Any] = {
        "item_id": item.id,
        "day_offset": item.day_offset,
        "questionnaire_code": item.questionnaire_code,
        "remind_after_days": item.remind_after_days,
    }
    used = session.scalar(select(FollowUp.id).where(FollowUp.plan_item_id == item.id).limit(1))
    if used is None:
        plan.items.remove(item)  # delete-orphan
    else:
        item.retired_at = utcnow()
        item.retired_key = item.id
    session.flush()
    audit.record(
        session,
        actor,
        "follow_up_plan.remove_item",
        "follow_up_plan",
        plan.id,
        retired=used is not None,
        **details,
    )
    session.commit()
    session.expire(plan, ["items"])
