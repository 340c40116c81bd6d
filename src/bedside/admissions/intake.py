"""Admission steps entered in one sitting at a shared screen: the kiosk (the patient, with the
details read off the resident ID card) and the admission desk or the ward (staff, for the
patient). They call the same stay services as the phone; this module adds only what one-form
entry needs: the bed request, details and insurance saved all or nothing, the health questions
read off a form, and the audit row saying staff entered it for the patient."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from bedside.admissions import service as notices
from bedside.admissions import stay
from bedside.admissions.models import AdmissionNotice, AssessmentRecord
from bedside.admissions.states import NoticeState
from bedside.assessments import definitions, scoring
from bedside.assessments.definitions import Item, Part, Questionnaire
from bedside.core import audit
from bedside.core.audit import Actor
from bedside.core.clock import local_today
from bedside.core.errors import InvalidInput
from bedside.core.i18n import N_
from bedside.patients.models import Patient

INSURANCE_TYPES = ("self_pay", "employee", "resident", "out_of_region", "commercial")


def entered_for_patient(session: Session, actor: Actor, notice: AdmissionNotice, step: str) -> None:
    """Staff acting for the patient: the actor is the staff member, the subject the patient."""
    if actor.kind == "staff":
        audit.record(
            session,
            actor,
            "admission.entered_for_patient",
            "admission_notice",
            notice.id,
            patient_id=notice.patient_id,
            step=step,
        )


def _date(text: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise InvalidInput(
            N_("Choose a date from today up to 60 days after the expected date."),
            code="invalid_earliest_date",
            field="earliest_date",
        ) from exc


def details_from_form(form: Mapping[str, str]) -> stay.DetailsIn:
    try:
        return stay.DetailsIn(**{k: form.get(k, "") for k in stay.DetailsIn.model_fields})
    except ValidationError as exc:
        field = str(exc.errors()[0]["loc"][0]) if exc.errors() else None
        raise InvalidInput(N_("Please fill in every field."), code="details_incomplete", field=field) from exc


def save_intake(session: Session, actor: Actor, notice_id: int, form: Mapping[str, str]) -> AdmissionNotice:
    """The bed request (while the notice is only issued), the insurance and the details, in one
    transaction: a refused field leaves all three as they were."""
    notice = notices.get(session, notice_id)
    data = details_from_form(form)
    if notice.state == NoticeState.ISSUED:
        stay.request_bed(
            session,
            actor,
            notice_id,
            _date(form.get("earliest_date", "")),
            form.get("room_preference", "") or "any",
            commit=False,
        )
    stay.choose_insurance(
        session,
        actor,
        notice_id,
        form.get("insurance_type", ""),
        form.get("insurance_no") or None,
        commit=False,
    )
    entered_for_patient(session, actor, notice, "details")
    stay.save_details(session, actor, notice_id, data)  # commits all of it, then registers if ready
    return notice


@dataclass(frozen=True)
class Asked:
    q: Questionnaire
    items: tuple[Item, ...]


def facts_of(patient: Patient) -> scoring.PatientFacts:
    return scoring.PatientFacts.from_birth_date(patient.birth_date, local_today())


def questions(patient: Patient, part: Part = "patient") -> list[Asked]:
    facts = facts_of(patient)
    return [
        Asked(q, scoring.items_to_ask(q, facts, part))
        for q in (definitions.load(code) for code in stay.REQUIRED_ASSESSMENTS)
    ]


def _number(text: str, code: str, message: str, field: str) -> float | None:
    if not text.strip():
        return None
    try:
        return float(text)
    except ValueError as exc:
        raise InvalidInput(message, code=code, field=field) from exc


def _lowest(item: Item) -> str:
    return min(item.options, key=lambda o: o.points).code


def save_answers(
    session: Session,
    actor: Actor,
    notice_id: int,
    patient: Patient,
    form: Mapping[str, str],
    *,
    part: Part = "patient",
    none_apply: bool = False,
) -> list[AssessmentRecord]:
    """Form fields are named "<questionnaire>.<item>". `none_apply`: the patient said "none of
    these" in one tap, which answers each of their questions with its no-risk choice."""
    height = _number(
        form.get("height_cm", ""), "invalid_height", N_("Enter your height in centimetres."), "height_cm"
    )
    weight = _number(
        form.get("weight_kg", ""), "invalid_weight", N_("Enter your weight in kilograms."), "weight_kg"
    )
    notice = notices.get(session, notice_id)
    saved = []
    for asked in questions(patient, part):
        answers: dict[str, Any] = {}
        for item in asked.items:
            if item.kind != "single":
                continue
            value = form.get(f"{asked.q.code}.{item.code}", "")
            if none_apply and item.answered_by == "patient":
                value = _lowest(item)
            if value:
                answers[item.code] = value
        has_bmi = asked.q.item("bmi") is not None
        if has_bmi and (height is None or weight is None):
            # The nurse may keep the BMI the patient's own answers gave (kept with them below).
            kept = form.get(f"{asked.q.code}.bmi", "")
            if kept:
                answers["bmi"] = _number(
                    kept, "invalid_weight", N_("Enter your weight in kilograms."), "weight_kg"
                )
        saved.append(
            stay.save_assessment(
                session,
                actor,
                notice_id,
                asked.q.code,
                answers,
                part=part,
                height_cm=height,
                weight_kg=weight,
            )
        )
        if has_bmi and height is not None and weight is not None:
            # The record keeps the measured BMI, so the nurse completing it need not measure again.
            row = saved[-1]
            row.answers = {**row.answers, "bmi": round(weight / (height / 100) ** 2, 1)}
            session.commit()
    if part == "patient":
        entered_for_patient(session, actor, notice, "assessment")
        session.commit()
    return saved
