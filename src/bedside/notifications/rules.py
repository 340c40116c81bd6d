"""Notification rules: which templates are urgent, which channels each uses, and the texts in
force (an administrator's override, else the catalog translation of the code default).

Urgent by default (they go out at once, also during quiet hours), because waiting until
morning loses something:

| template         | why urgent                                                        |
|------------------|-------------------------------------------------------------------|
| bed_assigned     | the reservation expires within hours; a night's delay can lose it |
| bed_expired      | the patient must know before travelling to a bed that is gone     |
| ready_to_settle  | the patient is waiting on the ward to leave                       |

Everything else (notices, deposits, refunds, reports, ratings, and templates other domains add)
is not urgent: it can wait for the morning. A low deposit balance is not urgent either: charges
keep posting overnight and a top-up in the morning is in time."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bedside.core.i18n import gettext
from bedside.notifications import text
from bedside.notifications.models import NotificationTemplate
from bedside.notifications.templates import TEMPLATES

URGENT = frozenset({"bed_assigned", "bed_expired", "ready_to_settle"})
EXTERNAL_CHANNELS = ("sms", "wechat", "log")


@dataclass(frozen=True)
class Rule:
    key: str
    enabled: bool
    urgent: bool
    channels: frozenset[str]
    override: NotificationTemplate | None


def variables_of(key: str) -> set[str]:
    """The variables a template's messages carry, known from its default texts."""
    title, body = TEMPLATES[key]
    return text.variables(title) | text.variables(body)


def default_rule(key: str) -> Rule:
    return Rule(key, True, key in URGENT, frozenset(EXTERNAL_CHANNELS), None)


def _from(row: NotificationTemplate) -> Rule:
    return Rule(row.key, row.enabled, row.urgent, frozenset(row.channels or ()), row)


def rule_for(session: Session, key: str) -> Rule:
    row = session.scalar(select(NotificationTemplate).where(NotificationTemplate.key == key))
    return _from(row) if row else default_rule(key)


def rules_for(session: Session, keys: Iterable[str]) -> dict[str, Rule]:
    wanted = set(keys)
    rows = session.scalars(select(NotificationTemplate).where(NotificationTemplate.key.in_(wanted)))
    found = {row.key: _from(row) for row in rows}
    return {key: found.get(key) or default_rule(key) for key in wanted}


def localized_params(params: Mapping[str, Any], locale: str) -> dict[str, Any]:
    # A parameter may carry an English alternate under "<name>_en" (e.g. department names).
    values = {k: v for k, v in params.items() if not k.endswith("_en")}
    if locale == "en":
        values.update({k[:-3]: v for k, v in params.items() if k.endswith("_en")})
    return values


def texts(rule: Rule, locale: str) -> tuple[str, str]:
    """The unfilled title and body in force for this language."""
    title_id, body_id = TEMPLATES[rule.key]
    row = rule.override
    suffix = "en" if locale == "en" else "zh"
    title = (getattr(row, f"title_{suffix}") if row else None) or gettext(locale, title_id)
    body = (getattr(row, f"body_{suffix}") if row else None) or gettext(locale, body_id)
    return title, body


def render(rule: Rule, params: Mapping[str, Any], locale: str) -> tuple[str, str]:
    title, body = texts(rule, locale)
    values = localized_params(params, locale)
    return text.fill(title, values), text.fill(body, values)
