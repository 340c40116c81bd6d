"""Phone pages of the admission stay: the stay's hub (what is done, what is next, the queue),
requesting a bed, the admission details with the insurance, and the risk assessment."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy import select
from starlette.responses import Response

from bedside.accounts import service as accounts_service
from bedside.accounts.models import AccountPatient
from bedside.admissions import beds as beds_service
from bedside.admissions import service as admissions_service
from bedside.admissions import stay as stay_service
from bedside.admissions.models import AdmissionNotice
from bedside.admissions.states import NoticeState
from bedside.assessments import definitions, scoring
from bedside.core.clock import local_today
from bedside.core.errors import DomainError, InvalidInput
from bedside.core.i18n import N_
from bedside.discharge import progress as discharge_progress
from bedside.discharge import service as discharge_service
from bedside.hospital import service as hospital_service
from bedside.patients import service as patients_service
from bedside.web import security
from bedside.web.deps import AccountUser, DbSession, IdPath
from bedside.web.forms import FormFields, form_error
from bedside.web.rendering import render

router = APIRouter(prefix="/phone", include_in_schema=False, dependencies=[Depends(security.guard_request)])


def next_screen(session: DbSession, notice_id: int) -> str:
    """Where a saved form sends the patient: the first admission step still to do, in the order
    the stay asks for them, so no form leads back to the hub only to pick the next one. The hub
    when nothing is left, or when something must be seen there first (a staffed-window case,
    an unrequested bed)."""
    notice = admissions_service.get(session, notice_id)
    hub = f"/phone/notices/{notice_id}"
    before_admission = (NoticeState.BED_REQUESTED, NoticeState.BED_ASSIGNED, NoticeState.REGISTERED)
    if notice.state not in before_admission or stay_service.blockers(session, notice):
        return hub
    ready = stay_service.readiness(session, notice)
    if not ready.assessments:
        return f"/phone/stays/{notice_id}/assessment"
    if not (ready.details and ready.insurance):
        return f"/phone/stays/{notice_id}/details"
    if notice.state == NoticeState.REGISTERED and not ready.deposit:
        return f"/phone/deposit/{notice_id}"
    return hub


def _notice(session: DbSession, me: AccountUser, notice_id: int) -> AdmissionNotice:
    ids = accounts_service.patient_ids_of(session, me.account.id)
    notice = admissions_service.get_for_patients(session, notice_id, ids)
    accounts_service.require_patient(session, me.actor, notice.patient_id)
    return notice


def _relation(session: DbSession, me: AccountUser, patient_id: int) -> str | None:
    return session.scalar(
        select(AccountPatient.relation).where(
            AccountPatient.account_id == me.account.id, AccountPatient.patient_id == patient_id
        )
    )


def _hub(session: DbSession, me: AccountUser, notice_id: int) -> dict[str, Any]:
    notice = _notice(session, me, notice_id)
    patient = patients_service.get(session, notice.patient_id)
    bed = hospital_service.get_bed(session, notice.bed_id) if notice.bed_id else None
    ctx = {
        "me": me,
        "notice": notice,
        "patient": patient,
        "department": hospital_service.get_department(session, notice.department_id),
        "place": beds_service.place_in_queue(session, notice),
        "ready": stay_service.readiness(session, notice),
        "blockers": stay_service.blockers(session, notice, _relation(session, me, patient.id)),
        "bed": bed,
        "ward": hospital_service.get_ward(session, bed.ward_id) if bed else None,
    }
    session.commit()
    return ctx


@router.get("/notices/{notice_id}")
def stay_hub(request: Request, session: DbSession, me: AccountUser, notice_id: IdPath) -> Response:
    return render(request, "phone/notice.html", _hub(session, me, notice_id))


@router.get("/stays/{notice_id}/bed")
def bed_form(request: Request, session: DbSession, me: AccountUser, notice_id: IdPath) -> Response:
    ctx = _hub(session, me, notice_id)
    ctx["form"] = {
        "earliest_date": max(ctx["notice"].expected_date, local_today()).isoformat(),
        "room": "any",
    }
    return render(request, "phone/bed_request.html", ctx)


@router.post("/stays/{notice_id}/bed")
def request_bed(
    request: Request, session: DbSession, me: AccountUser, notice_id: IdPath, form: FormFields
) -> Response:
    earliest_text, room = str(form.get("earliest_date", "")), str(form.get("room_preference", ""))
    ctx = _hub(session, me, notice_id)
    ctx["form"] = {"earliest_date": earliest_text, "room": room}
    try:
        try:
            earliest = date.fromisoformat(earliest_text) if earliest_text else None
        except ValueError as exc:
            raise InvalidInput(
                N_("Choose a date from today up to 60 days after the expected date."),
                code="invalid_earliest_date",
                field="earliest_date",
            ) from exc
        stay_service.request_bed(session, me.actor, notice_id, earliest, room)
    except DomainError as exc:
        session.rollback()
        return form_error(request, "phone/bed_request.html", ctx, exc)
    return RedirectResponse(next_screen(session, notice_id), status_code=303)


@router.get("/stays/{notice_id}/discharge")
def discharge_status(request: Request, session: DbSession, me: AccountUser, notice_id: IdPath) -> Response:
    """Where the discharge stands, stage by stage, with the one thing the patient can do now."""
    ctx = _hub(session, me, notice_id)
    d = discharge_service.find(session, notice_id)
    ctx.update(discharge=d, stages=discharge_progress.for_discharge(session, d) if d else [])
    return render(request, "phone/discharge_status.html", ctx)


def _details_form(session: DbSession, notice: AdmissionNotice) -> dict[str, Any]:
    row = stay_service.details(session, notice.id)
    base = {k: getattr(row, k) for k in stay_service.DetailsIn.model_fields} if row else {}
    return {**base, "insurance_type": notice.insurance_type or "", "insurance_no": notice.insurance_no or ""}


def _details_ctx(session: DbSession, me: AccountUser, notice_id: int) -> dict[str, Any]:
    ctx = _hub(session, me, notice_id)
    ctx.update(
        form=_details_form(session, ctx["notice"]),
        relations=stay_service.RELATIONS,
        marital=stay_service.MARITAL,
        insurance_types=["self_pay", "employee", "resident", "out_of_region", "commercial"],
    )
    return ctx


@router.get("/stays/{notice_id}/details")
def details_form(request: Request, session: DbSession, me: AccountUser, notice_id: IdPath) -> Response:
    return render(request, "phone/admission_details.html", _details_ctx(session, me, notice_id))


@router.post("/stays/{notice_id}/details")
def save_details(
    request: Request, session: DbSession, me: AccountUser, notice_id: IdPath, form: FormFields
) -> Response:
    ctx = _details_ctx(session, me, notice_id)
    ctx["form"] = form
    try:
        try:
            data = stay_service.DetailsIn(**{k: form.get(k, "") for k in stay_service.DetailsIn.model_fields})
        except ValidationError as exc:
            field = str(exc.errors()[0]["loc"][0]) if exc.errors() else None
            raise InvalidInput(
                N_("Please fill in every field."), code="details_incomplete", field=field
            ) from exc
        stay_service.choose_insurance(
            session,
            me.actor,
            notice_id,
            form.get("insurance_type", ""),
            form.get("insurance_no") or None,
            commit=False,  # committed with the details below, or not at all
        )
        stay_service.save_details(session, me.actor, notice_id, data)
    except DomainError as exc:
        session.rollback()
        return form_error(request, "phone/admission_details.html", ctx, exc)
    return RedirectResponse(next_screen(session, notice_id), status_code=303)


def _assessment_ctx(
    session: DbSession, me: AccountUser, notice_id: int, locale_form: dict[str, str]
) -> dict[str, Any]:
    ctx = _hub(session, me, notice_id)
    patient = ctx["patient"]
    facts = scoring.PatientFacts.from_birth_date(patient.birth_date, local_today())
    questionnaires = []
    for code in stay_service.REQUIRED_ASSESSMENTS:
        q = definitions.load(code)
        questionnaires.append({"q": q, "items": scoring.items_to_ask(q, facts, "patient")})
    ctx.update(questionnaires=questionnaires, form=locale_form)
    return ctx


@router.get("/stays/{notice_id}/assessment")
def assessment_form(request: Request, session: DbSession, me: AccountUser, notice_id: IdPath) -> Response:
    return render(request, "phone/assessment.html", _assessment_ctx(session, me, notice_id, {}))


def _number(text: str, code: str, message: str) -> float | None:
    if not text.strip():
        return None
    try:
        return float(text)
    except ValueError as exc:
        raise InvalidInput(message, code=code) from exc


@router.post("/stays/{notice_id}/assessment")
def save_assessment(
    request: Request, session: DbSession, me: AccountUser, notice_id: IdPath, form: FormFields
) -> Response:
    ctx = _assessment_ctx(session, me, notice_id, form)
    try:
        height = _number(form.get("height_cm", ""), "invalid_height", N_("Enter your height in centimetres."))
        weight = _number(form.get("weight_kg", ""), "invalid_weight", N_("Enter your weight in kilograms."))
        for entry in ctx["questionnaires"]:
            q = entry["q"]
            answers = {
                item.code: form[f"{q.code}.{item.code}"]
                for item in entry["items"]
                if item.kind == "single" and form.get(f"{q.code}.{item.code}")
            }
            stay_service.save_assessment(
                session, me.actor, notice_id, q.code, answers, height_cm=height, weight_kg=weight
            )
    except DomainError as exc:
        session.rollback()
        return form_error(request, "phone/assessment.html", ctx, exc)
    return RedirectResponse(next_screen(session, notice_id), status_code=303)
