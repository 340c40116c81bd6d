"""Questionnaires (versioned), satisfaction invitations with their answers, follow-up plans,
follow-ups and follow-up appointments."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bedside.core.db import Base, utcnow


class Questionnaire(Base):
    """One version of a questionnaire; an edit adds a version, so answers keep the questions
    they were given."""

    __tablename__ = "survey_questionnaires"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # satisfaction | follow_up
    version: Mapped[int]
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SurveyInvitation(Base):
    """The satisfaction survey of one stay: one per stay, answered once."""

    __tablename__ = "survey_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("admission_notices.id"), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    ward_id: Mapped[int | None] = mapped_column(ForeignKey("wards.id"), index=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("survey_questionnaires.id"))
    discharged_on: Mapped[date] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    answers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    answered_at: Mapped[datetime | None]
    answered_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))


class FollowUpPlan(Base):
    """Follow-ups after discharge for a department; the plan without a department is the
    default for every department that has none of its own."""

    __tablename__ = "follow_up_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    items: Mapped[list[FollowUpPlanItem]] = relationship(
        lazy="selectin", order_by="FollowUpPlanItem.day_offset", cascade="all, delete-orphan"
    )


class FollowUpPlanItem(Base):
    __tablename__ = "follow_up_plan_items"
    # One active item per day: active items share retired_key 0; a retired item (kept because
    # sent follow-ups point at it) takes its own id there, freeing the day for a new item.
    __table_args__ = (UniqueConstraint("plan_id", "day_offset", "retired_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("follow_up_plans.id", ondelete="CASCADE"), index=True)
    day_offset: Mapped[int]
    questionnaire_code: Mapped[str] = mapped_column(String(40))
    remind_after_days: Mapped[int] = mapped_column(default=2)
    retired_key: Mapped[int] = mapped_column(default=0, server_default="0")
    retired_at: Mapped[datetime | None]


class FollowUp(Base):
    """One questionnaire sent after discharge; worrying answers flag the ward's nurses until one
    acknowledges."""

    __tablename__ = "follow_ups"
    __table_args__ = (UniqueConstraint("notice_id", "plan_item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("admission_notices.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    plan_item_id: Mapped[int] = mapped_column(ForeignKey("follow_up_plan_items.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    ward_id: Mapped[int | None] = mapped_column(ForeignKey("wards.id"), index=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("survey_questionnaires.id"))
    day_offset: Mapped[int]
    due_on: Mapped[date] = mapped_column(index=True)
    remind_after_days: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reminded_at: Mapped[datetime | None]
    answers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    answered_at: Mapped[datetime | None]
    answered_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    flagged: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), index=True)
    flag_items: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))


class FollowUpAppointment(Base):
    __tablename__ = "follow_up_appointments"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("admission_notices.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    at: Mapped[datetime] = mapped_column(index=True)
    place: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(String(300))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reminded_at: Mapped[datetime | None]
    # Kept when cancelled (no reminder goes out) so the ward and the patient still see it.
    cancelled_at: Mapped[datetime | None]
    cancelled_by: Mapped[str | None] = mapped_column(String(100))
