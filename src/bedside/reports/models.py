"""Reports as the hospital's systems send them; a report is never edited, a correction is a
new report that supersedes the old one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bedside.core.db import Base, utcnow


class Report(Base):
    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    his_ref: Mapped[str] = mapped_column(String(64), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # exam | lab
    title: Mapped[str] = mapped_column(String(200))
    department: Mapped[str] = mapped_column(String(100))
    reported_at: Mapped[datetime]
    result_text: Mapped[str | None] = mapped_column(Text)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]


class ExamAppointment(Base):
    """An exam the doctor ordered, booked by the HIS for a time and place (e.g. 10:30,
    "3楼 超声科"). The HIS's reference is unique, so a resent booking is recognised."""

    __tablename__ = "exam_appointments"

    id: Mapped[int] = mapped_column(primary_key=True)
    his_ref: Mapped[str] = mapped_column(String(64), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("admission_notices.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    place: Mapped[str] = mapped_column(String(200))
    scheduled_at: Mapped[datetime] = mapped_column(index=True)
    preparation: Mapped[str | None] = mapped_column(String(500))
    state: Mapped[str] = mapped_column(String(20), default="scheduled")
    # Counts the times the HIS moved it; names each "changed" message.
    revision: Mapped[int] = mapped_column(default=1)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime | None]
