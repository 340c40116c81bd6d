"""The patient's side of an admission stay: request a bed, fill in the details, choose the
insurance, complete the risk assessment, register, and be admitted (first deposit paid,
inpatient number given, bed occupied). Also what self-service cannot do, found up front."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bedside.accounts.models import AccountPatient
from bedside.admissions import green
from bedside.admissions import service as notices
from bedside.admissions.events import AdmissionRegistered, BedRequested, PatientAdmitted
from bedside.admissions.models import AdmissionDetails, AdmissionNotice, AssessmentRecord
from bedside.admissions.states import InsuranceType, NoticeState
from bedside.core import audit, events
from bedside.core.audit import Actor
from bedside.core.clock import local_today
from bedside.core.db import utcnow
from bedside.core.errors import Conflict, InvalidInput
from bedside.core.i18n import N_
from bedside.core.money import format_yuan
from bedside.hospital import service as hospital_service
from bedside.patients import service as patients_service

if TYPE_CHECKING:
    from bedside.deposits.models import DepositAccount

ROOM_PREFERENCES = ("any", "shared", "single")
MARITAL = ("single", "married", "divorced", "widowed", "other")
RELATIONS = ("spouse", "parent", "child", "sibling", "other")
# Questionnaires every stay answers before registering (the assessments package defines them).
REQUIRED_ASSESSMENTS = ("morse_fall", "padua_vte")
ADULT_AGE = 18


@dataclass(frozen=True)
class Blocker:
    """Why this stay must go to a staffed window, and which one."""

    code: str
    reason: str  # message id
    window: str  # message id


def blockers(session: Session, notice: AdmissionNotice, acting_relation: str | None = None) -> list[Blocker]:
    """What self-service cannot do for this stay. `acting_relation` is how the phone account
    (or None at a kiosk) relates to the patient."""
    if green.relaxed(notice):
        return []  # treat first: nothing keeps a green-channel patient from the ward
    found: list[Blocker] = []
    if notice.insurance_type == InsuranceType.OUT_OF_REGION:
        found.append(
            Blocker(
                "out_of_region_insurance",
                N_("Out-of-region insurance must be verified in person before admission."),
                N_("Insurance window, admission hall"),
            )
        )
    if notice.review_reason:
        found.append(
            Blocker(
                "staff_review",
                N_("The doctor asked the admission office to review this admission."),
                N_("Admission office, window 3"),
            )
        )
    patient = patients_service.get(session, notice.patient_id)
    if patients_service.age(patient, local_today()) < ADULT_AGE:
        guardian = acting_relation == "parent" or session.scalar(
            select(AccountPatient.id).where(
                AccountPatient.patient_id == patient.id, AccountPatient.relation == "parent"
            )
        )
        if not guardian:
            found.append(
                Blocker(
                    "minor_without_guardian",
                    N_("A patient under 18 is admitted with a parent or guardian present."),
                    N_("Admission office, window 3"),
                )
            )
    return found


def _no_blockers(session: Session, notice: AdmissionNotice) -> None:
    found = blockers(session, notice)
    if found:
        raise Conflict(found[0].reason, code=found[0].code, params={"window": found[0].window})


def request_bed(
    session: Session,
    actor: Actor,
    notice_id: int,
    earliest: date | None,
    room_preference: str,
    *,
    commit: bool = True,
) -> AdmissionNotice:
    """`commit=False` lets a one-form entry save it with the details, all or nothing."""
    notice = notices.get(session, notice_id)
    today = local_today()
    earliest = earliest or max(notice.expected_date, today)
    if earliest < today or earliest > notice.expected_date + timedelta(days=60):
        raise InvalidInput(
            N_("Choose a date from today up to 60 days after the expected date."),
            code="invalid_earliest_date",
            field="earliest_date",
        )
    if room_preference not in ROOM_PREFERENCES:
        raise InvalidInput(
            N_("Choose a room preference."), code="invalid_room_preference", field="room_preference"
        )
    notices.transition(session, actor, notice, "request_bed")
    notice.bed_requested_at = utcnow()
    notice.earliest_date = earliest
    notice.room_preference = room_preference
    events.emit(
        session,
        BedRequested(notice_id=notice.id, patient_id=notice.patient_id, department_id=notice.department_id),
    )
    if commit:
        session.commit()
    return notice


class DetailsIn(BaseModel):
    address: str = Field(min_length=4, max_length=200)
    emergency_name: str = Field(min_length=1, max_length=50)
    emergency_phone: str = Field(min_length=5, max_length=20)
    emergency_relation: str
    occupation: str = Field(min_length=1, max_length=50)
    marital_status: str
    allergies: str | None = Field(default=None, max_length=500)


EDITABLE = (NoticeState.ISSUED, NoticeState.BED_REQUESTED, NoticeState.BED_ASSIGNED, NoticeState.REGISTERED)


def _editable(notice: AdmissionNotice) -> None:
    if notice.state not in EDITABLE and not green.relaxed(notice):  # green: filled in after arrival
        raise Conflict(N_("This admission can no longer be changed."), code="admission_closed")


def save_details(session: Session, actor: Actor, notice_id: int, data: DetailsIn) -> AdmissionDetails:
    notice = notices.get(session, notice_id)
    _editable(notice)
    phone = patients_service.check_phone(data.emergency_phone, field="emergency_phone")
    if data.emergency_relation not in RELATIONS:
        raise InvalidInput(
            N_("Choose the contact's relation."), code="invalid_relation", field="emergency_relation"
        )
    if data.marital_status not in MARITAL:
        raise InvalidInput(
            N_("Choose a marital status."), code="invalid_marital_status", field="marital_status"
        )
    row = session.scalar(select(AdmissionDetails).where(AdmissionDetails.notice_id == notice.id))
    if row is None:
        row = AdmissionDetails(notice_id=notice.id)
        session.add(row)
    row.address = data.address.strip()
    row.emergency_name = data.emergency_name.strip()
    row.emergency_phone = phone
    row.emergency_relation = data.emergency_relation
    row.occupation = data.occupation.strip()
    row.marital_status = data.marital_status
    row.allergies = (data.allergies or "").strip() or None
    audit.record(
        session, actor, "admission.details", "admission_notice", notice.id, patient_id=notice.patient_id
    )
    session.commit()
    try_register(session, actor, notice.id)
    return row


def details(session: Session, notice_id: int) -> AdmissionDetails | None:
    return session.scalar(select(AdmissionDetails).where(AdmissionDetails.notice_id == notice_id))


def choose_insurance(
    session: Session,
    actor: Actor,
    notice_id: int,
    insurance_type: str,
    insurance_no: str | None,
    *,
    commit: bool = True,
) -> AdmissionNotice:
    """`commit=False` lets a caller save it together with the details, all or nothing."""
    notice = notices.get(session, notice_id)
    _editable(notice)
    if insurance_type not in {t.value for t in InsuranceType}:
        raise InvalidInput(
            N_("Choose an insurance type."), code="invalid_insurance_type", field="insurance_type"
        )
    number = (insurance_no or "").strip().upper() or None
    if insurance_type != InsuranceType.SELF_PAY:
        if number is None:
            # Chinese insurance is keyed by the resident ID unless the card says otherwise.
            number = patients_service.get(session, notice.patient_id).resident_id or ""
        if not (6 <= len(number) <= 32 and number.isalnum()):
            raise InvalidInput(
                N_("Check the insurance number."), code="invalid_insurance_no", field="insurance_no"
            )
    notice.insurance_type = insurance_type
    notice.insurance_no = number if insurance_type != InsuranceType.SELF_PAY else None
    audit.record(
        session,
        actor,
        "admission.insurance",
        "admission_notice",
        notice.id,
        patient_id=notice.patient_id,
        insurance_type=insurance_type,
    )
    if commit:
        session.commit()
        try_register(session, actor, notice.id)
    return notice


def save_assessment(
    session: Session,
    actor: Actor,
    notice_id: int,
    code: str,
    answers: dict[str, Any],
    part: str = "patient",
    *,
    height_cm: float | None = None,
    weight_kg: float | None = None,
) -> AssessmentRecord:
    """Scores and keeps one questionnaire. The patient answers their part on the phone; the
    ward completes the nurse's part later (part="all")."""
    from bedside.assessments import definitions, scoring

    notice = notices.get(session, notice_id)
    if not (part == "all" and notice.state == NoticeState.ADMITTED):  # the nurse's part, on the ward
        _editable(notice)
    try:
        q = definitions.load(code)
    except definitions.UnknownQuestionnaire as exc:
        raise InvalidInput(N_("Unknown questionnaire."), code="unknown_questionnaire") from exc
    patient = patients_service.get(session, notice.patient_id)
    if height_cm is not None and not 30 <= height_cm <= 250:
        raise InvalidInput(N_("Enter your height in centimetres."), code="invalid_height", field="height_cm")
    if weight_kg is not None and not 2 <= weight_kg <= 400:
        raise InvalidInput(N_("Enter your weight in kilograms."), code="invalid_weight", field="weight_kg")
    facts = scoring.PatientFacts.from_birth_date(
        patient.birth_date,
        local_today(),
        sex="F" if patient.gender == "F" else "M",
        height_cm=height_cm,
        weight_kg=weight_kg,
    )
    try:
        result = scoring.score(q, answers, facts, part="patient" if part == "patient" else "all")
    except scoring.InvalidAnswer as exc:
        raise InvalidInput(
            N_("Please answer every question with one of the choices."), code="invalid_answer", field=exc.item
        ) from exc
    if result.missing:
        raise InvalidInput(
            N_("Please answer every question with one of the choices."),
            code="answer_missing",
            field=result.missing[0],
        )
    row = AssessmentRecord(
        notice_id=notice.id,
        questionnaire=q.code,
        version=str(q.version),
        answers=dict(answers),
        score=result.total,
        level=result.level,
        flagged=result.flagged,
        complete=result.complete,
        answered_by=f"{actor.kind}:{actor.id or actor.label}"[:100],
    )
    session.add(row)
    audit.record(
        session,
        actor,
        "admission.assessment",
        "admission_notice",
        notice.id,
        patient_id=notice.patient_id,
        questionnaire=q.code,
        level=result.level,
    )
    session.commit()
    try_register(session, actor, notice.id)
    return row


def try_register(session: Session, actor: Actor, notice_id: int) -> bool:
    """Registers as soon as the last missing piece arrives, so the patient never needs a
    separate "register" screen."""
    notice = notices.get(session, notice_id)
    if notice.state != NoticeState.BED_ASSIGNED or blockers(session, notice):
        return False
    if not readiness(session, notice).can_register:
        return False
    register(session, actor, notice_id)
    return True


def assessments(session: Session, notice_id: int) -> dict[str, AssessmentRecord]:
    rows = session.scalars(
        select(AssessmentRecord).where(AssessmentRecord.notice_id == notice_id).order_by(AssessmentRecord.id)
    )
    return {r.questionnaire: r for r in rows}  # the latest answer per questionnaire wins


@dataclass(frozen=True)
class Readiness:
    details: bool
    insurance: bool
    assessments: bool
    bed: bool
    deposit_fen: int
    deposit_minimum_fen: int
    flags: tuple[str, ...]

    @property
    def deposit(self) -> bool:
        return self.deposit_fen >= self.deposit_minimum_fen

    @property
    def can_register(self) -> bool:
        return self.details and self.insurance and self.assessments and self.bed


def readiness(session: Session, notice: AdmissionNotice, account: DepositAccount | None = None) -> Readiness:
    """`account`: the stay's deposit account, when the caller has already loaded it."""
    from bedside.deposits import service as deposits_service

    done = assessments(session, notice.id)
    if account is None:
        account = deposits_service.account_for_notice(session, notice.patient_id, notice.id)
    dept = hospital_service.get_department(session, notice.department_id)
    return Readiness(
        details=details(session, notice.id) is not None,
        insurance=notice.insurance_type is not None,
        assessments=all(code in done for code in REQUIRED_ASSESSMENTS),
        bed=notice.bed_id is not None,
        deposit_fen=account.balance_fen,
        deposit_minimum_fen=dept.suggested_deposit_fen,
        flags=tuple(sorted(code for code, r in done.items() if r.flagged)),
    )


def register(session: Session, actor: Actor, notice_id: int) -> AdmissionNotice:
    notice = notices.get(session, notice_id)
    _no_blockers(session, notice)
    ready = readiness(session, notice)
    if not ready.can_register:
        missing = [
            name
            for name, ok in (
                ("details", ready.details),
                ("insurance", ready.insurance),
                ("assessments", ready.assessments),
                ("bed", ready.bed),
            )
            if not ok
        ]
        raise Conflict(
            N_("Some admission steps are not done yet."),
            code="registration_incomplete",
            params={"missing": missing},
        )
    notices.transition(session, actor, notice, "register")
    notice.registered_at = utcnow()
    events.emit(session, AdmissionRegistered(notice_id=notice.id, patient_id=notice.patient_id))
    session.commit()
    return notice


def _next_inpatient_no(session: Session) -> str:
    prefix = f"ZY{local_today():%Y}"
    last = session.scalar(
        select(func.max(AdmissionNotice.inpatient_no)).where(AdmissionNotice.inpatient_no.like(f"{prefix}%"))
    )
    seq = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{seq:06d}"


def admit(session: Session, actor: Actor, notice_id: int) -> AdmissionNotice:
    """The last step: the first deposit covers the department's minimum, the stay gets its
    inpatient number and the reserved bed becomes occupied, in one transaction."""
    for _ in range(5):
        notice = session.get(AdmissionNotice, notice_id, with_for_update=True) or notices.get(
            session, notice_id
        )
        if notice.state == NoticeState.ADMITTED:
            return notice  # pressed twice, or the ward and the kiosk at once
        _no_blockers(session, notice)
        ready = readiness(session, notice)
        if not ready.deposit and not green.relaxed(notice):  # green: deposit due later
            raise Conflict(
                N_("The first deposit must be at least %(minimum)s before admission."),
                code="deposit_below_minimum",
                params={"minimum": format_yuan(ready.deposit_minimum_fen)},
            )
        if notice.bed_id is None:
            raise Conflict(N_("No bed is assigned yet."), code="no_bed")
        notices.transition(session, actor, notice, "admit")
        hospital_service.move_bed(session, notice.bed_id, "occupy", actor)
        # The HIS's own number when it sent one with the notice (it is the record of stays).
        notice.inpatient_no = notice.inpatient_no or _next_inpatient_no(session)
        notice.admitted_at = utcnow()
        # The inpatient number becomes a sign-in credential (kiosk: number + last 6 of the ID).
        patients_service.add_credential(
            session, actor, notice.patient_id, "inpatient_no", notice.inpatient_no, commit=False
        )
        notice.assignment_expires_at = None
        events.emit(
            session,
            PatientAdmitted(
                notice_id=notice.id,
                patient_id=notice.patient_id,
                bed_id=notice.bed_id,
                ward_id=notice.ward_id or 0,
                inpatient_no=notice.inpatient_no,
            ),
        )
        try:
            session.commit()
        except IntegrityError:  # another admission took the same number: take the next
            session.rollback()
            continue
        return notice
    raise Conflict(N_("Please try again."), code="retry")


def confirm_arrival(session: Session, actor: Actor, notice_id: int) -> AdmissionNotice:
    """The ward nurse sees the patient arrive on the ward."""
    notice = notices.get(session, notice_id)
    if notice.state != NoticeState.ADMITTED:
        raise Conflict(N_("The patient is not admitted yet."), code="not_admitted")
    if notice.arrived_at is None:
        notice.arrived_at = utcnow()
        audit.record(
            session, actor, "admission.arrived", "admission_notice", notice.id, patient_id=notice.patient_id
        )
    session.commit()
    return notice
