"""Receiving reports (idempotent on the sender's reference) and reading them."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from bedside.core import audit, bulk, events
from bedside.core.audit import Actor
from bedside.core.db import utcnow
from bedside.core.errors import InvalidInput, NotFound
from bedside.core.i18n import N_
from bedside.patients import service as patients_service
from bedside.patients.models import Patient
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


MAX_BATCH = 100  # a report may carry a 10 MB PDF


@dataclass(frozen=True)
class ReportResult:
    his_ref: str
    id: int
    created: bool


@dataclass(frozen=True)
class _New:
    data: ReportIn
    patient_id: int
    pdf: bytes | None
    supersedes_id: int | None


def receive(session: Session, actor: Actor, data: ReportIn) -> tuple[Report, bool]:
    """Returns the report and whether it is new (a resent one is answered, not stored twice)."""
    result = receive_many(session, actor, [data])[0]
    return session.get_one(Report, result.id), result.created


def receive_many(session: Session, actor: Actor, batch: Sequence[ReportIn]) -> list[ReportResult]:
    """`receive` for each report of a batch, all or nothing: every report is checked before
    any is stored. A correction names a report received before, not one in the same batch."""
    if not batch or len(batch) > MAX_BATCH:
        raise InvalidInput(N_("Send between 1 and 100 reports at a time."), code="invalid_batch")
    refs = [d.his_ref for d in batch]
    if len(set(refs)) != len(refs):
        raise InvalidInput(N_("A report appears twice in the batch."), code="duplicate_report")

    def attempt(phases: bulk.Phases) -> list[ReportResult]:
        stored = dict(
            session.execute(select(Report.his_ref, Report.id).where(Report.his_ref.in_(refs))).all()
        )
        new = _check(session, [d for d in batch if d.his_ref not in stored])
        if not new:
            return [ReportResult(ref, stored[ref], False) for ref in refs]
        with phases.writing():
            ids = _store(session, actor, new)
        made = {n.data.his_ref: i for n, i in zip(new, ids, strict=True)}
        return [
            ReportResult(ref, made[ref], True) if ref in made else ReportResult(ref, stored[ref], False)
            for ref in refs
        ]

    return bulk.run(session, attempt)


def _check(session: Session, batch: list[ReportIn]) -> list[_New]:
    if not batch:
        return []
    resident_ids = {rid for d in batch if (rid := _valid_resident_id(d.resident_id))}
    patients = dict(
        session.execute(
            select(Patient.resident_id, Patient.id).where(Patient.resident_id.in_(resident_ids))
        ).all()
    )
    named = {d.supersedes_his_ref for d in batch if d.supersedes_his_ref}
    corrected = {
        ref: (report_id, patient_id)
        for ref, report_id, patient_id in session.execute(
            select(Report.his_ref, Report.id, Report.patient_id).where(Report.his_ref.in_(named))
        ).all()
    }
    new = []
    for data in batch:
        if data.reported_at.tzinfo is None:
            raise InvalidInput(
                N_("Give the report time with its time zone."), code="naive_time", field="reported_at"
            )
        if not data.result_text and not data.pdf_base64:
            raise InvalidInput(N_("A report needs a result text or a PDF."), code="empty_report")
        pdf = _pdf(data.pdf_base64) if data.pdf_base64 else None
        patient_id = patients.get(patients_service.check_resident_id(data.resident_id).upper())
        if patient_id is None:
            raise NotFound(N_("Patient not found."), code="patient_not_found")
        old = corrected.get(data.supersedes_his_ref) if data.supersedes_his_ref else None
        if data.supersedes_his_ref and (old is None or old[1] != patient_id):
            raise InvalidInput(N_("The report it corrects is unknown."), code="superseded_unknown")
        new.append(_New(data, patient_id, pdf, old[0] if old else None))
    return new


def _valid_resident_id(value: str) -> str | None:
    try:
        return patients_service.check_resident_id(value).upper()
    except InvalidInput:
        return None  # refused in its turn, so the batch names the first bad report


def _pdf(text: str) -> bytes:
    try:
        pdf = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        pdf = b""
    if not pdf.startswith(b"%PDF"):
        raise InvalidInput(N_("The report file is not a PDF."), code="not_a_pdf", field="pdf_base64")
    return pdf


def _store(session: Session, actor: Actor, new: list[_New]) -> list[int]:
    now = utcnow()
    rows = [
        {
            "his_ref": n.data.his_ref,
            "patient_id": n.patient_id,
            "kind": n.data.kind,
            "title": n.data.title.strip(),
            "department": n.data.department.strip(),
            "reported_at": n.data.reported_at,
            "result_text": n.data.result_text,
            "pdf": n.pdf,
            "supersedes_id": n.supersedes_id,
            "received_at": now,
            "read_at": None,
        }
        for n in new
    ]
    ids = bulk.insert_ids(session, Report, rows)
    audit.record_many(
        session,
        actor,
        "report",
        [("report.receive", i, n.patient_id, {}) for n, i in zip(new, ids, strict=True)],
    )
    events.emit_many(
        session,
        [
            ReportReady(report_id=i, patient_id=n.patient_id, title=n.data.title.strip())
            for n, i in zip(new, ids, strict=True)
        ],
    )
    return ids


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
