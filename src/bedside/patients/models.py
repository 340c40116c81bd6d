"""Patients and their identifying credentials."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bedside.core.db import Base, utcnow


class CredentialKind(StrEnum):
    RESIDENT_ID = "resident_id"
    INSURANCE_CARD = "insurance_card"
    HEALTH_CARD = "health_card"
    VISIT_CARD = "visit_card"
    INPATIENT_NO = "inpatient_no"


class Patient(Base):
    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    gender: Mapped[str] = mapped_column(String(1))  # M / F
    birth_date: Mapped[date]
    resident_id: Mapped[str | None] = mapped_column(String(18), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PatientCredential(Base):
    """Cards and numbers other than the resident ID (which lives on the patient row)."""

    __tablename__ = "patient_credentials"
    __table_args__ = (UniqueConstraint("kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
