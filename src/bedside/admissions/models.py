"""Admission notices (住院证) issued by doctors or received from the HIS."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bedside.admissions.states import NoticeState
from bedside.core.db import Base, utcnow


class AdmissionNotice(Base):
    __tablename__ = "admission_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    diagnosis: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    priority: Mapped[str] = mapped_column(String(20))
    expected_date: Mapped[date]
    order_package: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default=NoticeState.ISSUED, index=True)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    source: Mapped[str] = mapped_column(String(10), default="console")  # console | his
    his_ref: Mapped[str | None] = mapped_column(String(64), unique=True)


class NoticeTransition(Base):
    """History row written by every state change of a notice."""

    __tablename__ = "admission_notice_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("admission_notices.id", ondelete="CASCADE"), index=True)
    from_state: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(30))
    to_state: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(default=utcnow)
