"""Templates managed in the console: an administrator edits a template's zh/en texts, its
channels, urgency and whether it is on; every text is checked against the variables the
template's messages carry before anything is saved; reset goes back to the code defaults."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bedside.core import audit
from bedside.core.audit import Actor
from bedside.core.errors import Forbidden, InvalidInput, NotFound
from bedside.core.i18n import N_, gettext
from bedside.notifications import rules, text
from bedside.notifications.models import NotificationTemplate
from bedside.notifications.templates import TEMPLATES

# Values shown in previews; a variable not listed here previews as [name].
SAMPLES: dict[str, str] = {
    "patient": "张伟",
    "doctor": "陈建国",
    "department": "心血管内科",
    "department_en": "Cardiology",
    "date": "2026-11-24",
    "reason": "患者要求",
    "amount": "¥3,000.00",
    "balance": "¥1,850.00",
    "threshold": "¥2,000.00",
    "channel": "微信支付",
    "channel_en": "WeChat Pay",
    "bed": "501-1",
    "ward": "心内一病区",
    "until": "2026-11-24 18:00",
    "inpatient_no": "ZY2026000123",
    "refund": "退款 ¥1,200.00 将原路退回微信支付。",
    "refund_en": "A refund of ¥1,200.00 is on its way to WeChat Pay.",
    "title": "血常规",
    "time": "10:30",
    "place": "门诊楼3楼 超声科",
    "preparation": "检查前禁食 8 小时。",
    "days": "7",
    "hours": "48",
    "fee": "¥35.00",
    "carrier": "中国邮政 EMS",
    "tracking_no": "EMS1234567890",
}
TEXT_FIELDS = ("title_zh", "body_zh", "title_en", "body_en")


@dataclass(frozen=True)
class TemplateView:
    key: str
    default_title: str
    default_body: str
    variables: list[str]
    rule: rules.Rule

    @property
    def overridden(self) -> bool:
        return self.rule.override is not None

    def default_text(self, locale: str) -> tuple[str, str]:
        return gettext(locale, self.default_title), gettext(locale, self.default_body)


@dataclass
class TemplateEdit:
    enabled: bool = True
    urgent: bool = False
    channels: list[str] = field(default_factory=list)
    title_zh: str = ""
    body_zh: str = ""
    title_en: str = ""
    body_en: str = ""


def _require_admin(actor: Actor) -> None:
    if actor.kind != "staff" or not actor.has_role("admin"):
        raise Forbidden()


def _known(key: str) -> None:
    if key not in TEMPLATES:
        raise NotFound(
            N_("There is no message template %(key)s."), code="template_not_found", params={"key": key}
        )


def get(session: Session, key: str) -> TemplateView:
    _known(key)
    title, body = TEMPLATES[key]
    return TemplateView(key, title, body, sorted(rules.variables_of(key)), rules.rule_for(session, key))


def list_all(session: Session) -> list[TemplateView]:
    found = rules.rules_for(session, TEMPLATES)
    return [
        TemplateView(key, title, body, sorted(rules.variables_of(key)), found[key])
        for key, (title, body) in TEMPLATES.items()
    ]


def edit_of(view: TemplateView) -> TemplateEdit:
    row = view.rule.override
    return TemplateEdit(
        enabled=view.rule.enabled,
        urgent=view.rule.urgent,
        channels=sorted(view.rule.channels),
        **{name: (getattr(row, name) or "") if row else "" for name in TEXT_FIELDS},
    )


def check(key: str, edit: TemplateEdit) -> None:
    """Raises InvalidInput (naming the field) for an unknown channel or a text that does not
    parse or uses a variable this template's messages do not carry."""
    _known(key)
    unknown = set(edit.channels) - set(rules.EXTERNAL_CHANNELS)
    if unknown:
        raise InvalidInput(
            N_("Unknown channel: %(name)s."),
            code="unknown_channel",
            params={"name": ", ".join(sorted(unknown))},
        )
    allowed = rules.variables_of(key)
    for name in TEXT_FIELDS:
        value = getattr(edit, name)
        limit = text.MAX_TITLE if name.startswith("title") else text.MAX_BODY
        text.check(value, allowed, field=name, max_length=limit)
        if "\n" in value and name.startswith("title"):
            raise InvalidInput(N_("A title is one line."), code="multiline_title", field=name)


def _clean(edit: TemplateEdit) -> TemplateEdit:
    return TemplateEdit(
        enabled=edit.enabled,
        urgent=edit.urgent,
        channels=sorted(set(edit.channels)),
        **{name: getattr(edit, name).strip().replace("\r\n", "\n") for name in TEXT_FIELDS},
    )


def save(session: Session, actor: Actor, key: str, edit: TemplateEdit) -> NotificationTemplate:
    _require_admin(actor)
    edit = _clean(edit)
    check(key, edit)
    row = session.scalar(select(NotificationTemplate).where(NotificationTemplate.key == key))
    before: dict[str, Any] = {}
    if row is None:
        row = NotificationTemplate(key=key)
        session.add(row)
    else:
        before = {n: getattr(row, n) for n in ("enabled", "urgent", "channels", *TEXT_FIELDS)}
    row.enabled, row.urgent, row.channels = edit.enabled, edit.urgent, edit.channels
    for name in TEXT_FIELDS:
        setattr(row, name, getattr(edit, name) or None)
    row.updated_by = actor.label[:100]
    after = {n: getattr(row, n) for n in ("enabled", "urgent", "channels", *TEXT_FIELDS)}
    changed = sorted(n for n in after if before.get(n, "<default>") != after[n])
    audit.record(
        session, actor, "notification_template.update", "notification_template", key, changed=changed, **after
    )
    session.commit()
    return row


def reset(session: Session, actor: Actor, key: str) -> None:
    _require_admin(actor)
    _known(key)
    row = session.scalar(select(NotificationTemplate).where(NotificationTemplate.key == key))
    if row is not None:
        session.delete(row)
    audit.record(
        session,
        actor,
        "notification_template.reset",
        "notification_template",
        key,
        had_override=row is not None,
    )
    session.commit()


def sample_params(key: str) -> dict[str, str]:
    return {name: SAMPLES.get(name, f"[{name}]") for name in rules.variables_of(key)} | {
        k: v for k, v in SAMPLES.items() if k.endswith("_en")
    }


def preview(key: str, edit: TemplateEdit) -> dict[str, tuple[str, str]]:
    """Both languages as the patient would read them, filled with sample values."""
    edit = _clean(edit)
    check(key, edit)
    row = NotificationTemplate(key=key, **{name: getattr(edit, name) or None for name in TEXT_FIELDS})
    rule = rules.Rule(key, edit.enabled, edit.urgent, frozenset(edit.channels), row)
    params = sample_params(key)
    return {locale: rules.render(rule, params, locale) for locale in ("zh_CN", "en")}
