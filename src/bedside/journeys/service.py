"""Builds the snapshot from the owning domains and asks the rules for the next step."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from sqlalchemy.orm import Session

from bedside.admissions import service as admissions_service
from bedside.admissions import stay as stay_service
from bedside.admissions.models import AdmissionNotice
from bedside.deposits import service as deposits_service
from bedside.deposits.models import DepositAccount
from bedside.discharge import service as discharge_service
from bedside.hospital import service as hospital_service
from bedside.hospital.models import Department, Ward
from bedside.journeys.rules import (
    ExamView,
    NextStep,
    NoticeView,
    RecordCopyView,
    Snapshot,
    SurveyView,
    next_step,
)
from bedside.records import queries as records_queries
from bedside.reports import service as reports_service
from bedside.settings import get_settings
from bedside.surveys import service as surveys_service


def snapshot(
    session: Session,
    patient_id: int,
    locale: str = "zh_CN",
    *,
    notices: Sequence[AdmissionNotice] | None = None,
    departments: Mapping[int, Department] | None = None,
) -> Snapshot:
    """`notices` (the patient's, newest first) and `departments` (by id) may be passed in by a
    page that has already loaded them, so that one request reads each row once."""
    if notices is None:
        notices = admissions_service.for_patients(session, {patient_id})
    departments = departments or {}
    wards: dict[int, Ward] = {}

    def ward(ward_id: int) -> Ward:
        # Kept for the request: the session's identity map holds rows only while referenced.
        if ward_id not in wards:
            wards[ward_id] = hospital_service.get_ward(session, ward_id)
        return wards[ward_id]

    views = []
    for n in notices:
        dept = departments.get(n.department_id) or hospital_service.get_department(session, n.department_id)
        open_stay = n.state in ("bed_assigned", "registered", "admitted")
        account = deposits_service.account_for_notice(session, n.patient_id, n.id) if open_stay else None
        ready = stay_service.readiness(session, n, account=account) if open_stay else None
        bed = hospital_service.get_bed(session, n.bed_id) if n.bed_id else None
        views.append(
            NoticeView(
                id=n.id,
                state=n.state,
                expected_date=n.expected_date,
                department=dept.name_en if locale == "en" else dept.name,
                ready_to_register=bool(ready and ready.can_register),
                deposit_paid=bool(ready and ready.deposit),
                ward=ward(bed.ward_id).name if bed else "",
                bed=bed.code if bed else "",
                discharge=d.state if (d := discharge_service.find(session, n.id)) else None,
                balance_low=n.state == "admitted" and account is not None and _balance_low(account, ward),
            )
        )
    copies = tuple(
        RecordCopyView(id=c.id, state=c.state, url=c.url)
        for c in records_queries.open_for_patient(session, patient_id)
    )
    department_names = {n.id: v.department for n, v in zip(notices, views, strict=True)}
    surveys = tuple(
        SurveyView(id=p.id, kind=p.kind, url=p.url, department=department_names.get(p.notice_id, ""))
        for p in surveys_service.pending_for_patient(session, patient_id)
    )
    tz = get_settings().tz
    exams = tuple(
        ExamView(
            id=e.id,
            title=e.title,
            place=e.place,
            date=e.scheduled_at.astimezone(tz).date().isoformat(),
            time=e.scheduled_at.astimezone(tz).strftime("%H:%M"),
            preparation=e.preparation or "",
        )
        for e in reports_service.upcoming_exams(session, patient_id)
    )
    return Snapshot(
        patient_id=patient_id, notices=tuple(views), surveys=surveys, record_copies=copies, exams=exams
    )


def _balance_low(account: DepositAccount, ward: Callable[[int], Ward]) -> bool:
    threshold = deposits_service.DEFAULT_LOW_BALANCE_FEN
    if account.ward_id is not None:
        threshold = ward(account.ward_id).low_balance_threshold_fen
    return account.balance_fen < threshold


def for_patient(
    session: Session,
    patient_id: int,
    locale: str = "zh_CN",
    *,
    notices: Sequence[AdmissionNotice] | None = None,
    departments: Mapping[int, Department] | None = None,
) -> NextStep:
    return next_step(snapshot(session, patient_id, locale, notices=notices, departments=departments))
