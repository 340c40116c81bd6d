"""Education articles, which patient each was pushed to, and who has read it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from bedside.core.db import Base, utcnow


class EducationArticle(Base):
    __tablename__ = "education_articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    # None: every department.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    stage: Mapped[str] = mapped_column(String(20), index=True)
    locale: Mapped[str] = mapped_column(String(10), default="zh_CN")
    # Markdown as written; raw HTML in it is shown as text, never rendered.
    body: Mapped[str] = mapped_column(Text)
    published: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    published_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class EducationPush(Base):
    """An article sent to a patient: at most once per patient, whichever stay asked first."""

    __tablename__ = "education_pushes"
    __table_args__ = (UniqueConstraint("article_id", "patient_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("education_articles.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("admission_notices.id"), index=True)
    pushed_at: Mapped[datetime] = mapped_column(default=utcnow)


class EducationRead(Base):
    """Read receipt: the first time an account opened an article."""

    __tablename__ = "education_reads"
    __table_args__ = (UniqueConstraint("article_id", "account_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("education_articles.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    read_at: Mapped[datetime] = mapped_column(default=utcnow)
