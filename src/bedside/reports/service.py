"""Receiving reports (idempotent on the sender's reference) and reading them."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from bedside.core import audit, events
from bedside.core.audit import Actor
from bedside.core.db import utcnow
from bedside.core.errors import InvalidInput, NotFound
from bedside.core.i18n import N_
from bedside.patients import service as patients_service
from bedside.reports.events import ReportReady
from bedside.reports.exams import UpcomingExam as UpcomingExam
from bedside.reports.exams import scheduled_exams as scheduled_exams
from bedside.reports.exams import upcoming_exams as upcoming_exams
from bedside.reports.models import Report

MAX_PDF = 10 * 1024 * 1024


class ReportIn(BaseModel):
    his_ref: str = Field(min_length=1, max_length=64)
    resident_id: str = Field(min_length=15, max_length=18)
    kind: str = Field(pattern=r"^(exam|lab)$")
    title: str = Field(min_length=1, max_length=200)
    department: str = Field(min_length=1, max_length=100)
    reported_at: datetime
    result_text: str | None = Field(default=None, max_length=20000)
    pdf_base64: str | None = Field(default=None, max_length=MAX_PDF * 4 // 3 + 4)
    supersedes_his_ref: str | None = Field(default=None, max_length=64)


def receive(session: Session, actor: Actor, data: ReportIn) -> tuple[Report, bool]:
    """Returns the report and whether it is new (a resent one is answered, not stored twice)."""
    done = session.scalar(select(Report).where(Report.his_ref == data.his_ref))
    if done is not None:
        return done, False
    if data.reported_at.tzinfo is None:
        raise InvalidInput(
            N_("Give the report time with its time zone."), code="naive_time", field="reported_at"
        )
    if not data.result_text and not data.pdf_base64:
        raise InvalidInput(N_("A report needs a result text or a PDF."), code="empty_report")
    pdf = None
    if data.pdf_base64:
        try:
            pdf = base64.b64decode(data.pdf_base64, validate=True)
        except (binascii.Error, ValueError):
            pdf = b""
        if not pdf.startswith(b"%PDF"):
            raise InvalidInput(N_("The report file is not a PDF."), code="not_a_pdf", field="pdf_base64")
    rid = patients_service.check_resident_id(data.resident_id)
    patient = patients_service.by_resident_id(session, rid)
    if patient is None:
        raise NotFound(N_("Patient not found."), code="patient_not_found")
    old = None
    if data.supersedes_his_ref:
        old = session.scalar(select(Report).where(Report.his_ref == data.supersedes_his_ref))
        if old is None or old.patient_id != patient.id:
            raise InvalidInput(N_("The report it corrects is unknown."), code="superseded_unknown")
    report = Report(
        his_ref=data.his_ref,
        patient_id=patient.id,
        kind=data.kind,
        title=data.title.strip(),
        department=data.department.strip(),
        reported_at=data.reported_at,
        result_text=data.result_text,
        pdf=pdf,
        supersedes_id=old.id if old else None,
    )
    session.add(report)
    session.flush()
    audit.record(session, actor, "report.receive", "report", report.id, patient_id=patient.id)
    events.emit(session, ReportReady(report_id=report.id, patient_id=patient.id, title=report.title))
    session.commit()
    return report, True


def for_patient(session: Session, patient_id: int) -> list[Report]:
    superseded = select(Report.supersedes_id).where(Report.supersedes_id.is_not(None))
    return list(
        session.scalars(
            select(Report)
            .where(Report.patient_id == patient_id, Report.id.not_in(superseded))
            .order_by(Report.reported_at.desc())
        )
    )


def get_for(session: Session, report_id: int, patient_ids: set[int]) -> Report:
    report = session.get(Report, report_id)
    if report is None or report.patient_id not in patient_ids:
        raise NotFound(N_("Report not found."), code="report_not_found")
    return report


def mark_read(session: Session, report: Report) -> None:
    if report.read_at is None:
        report.read_at = utcnow()
        session.commit()
