"""Questionnaires, the satisfaction survey of each stay and its results, and what a patient
still has to answer (for the next-step rules)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bedside.accounts import service as accounts_service
from bedside.admissions import service as admissions_service
from bedside.core import audit, events
from bedside.core.audit import Actor
from bedside.core.clock import local_today
from bedside.core.db import utcnow
from bedside.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from bedside.core.i18n import N_
from bedside.hospital.models import Ward
from bedside.notifications import service as notifications
from bedside.patients import service as patients_service
from bedside.settings import get_settings
from bedside.surveys import defaults, rules
from bedside.surveys.definitions import (
    Answers,
    Definition,
    InvalidAnswer,
    QuestionnaireError,
    QuestionnaireKind,
    check_answers,
    parse,
)
from bedside.surveys.events import SatisfactionAnswered
from bedside.surveys.models import FollowUp, FollowUpPlan, FollowUpPlanItem, Questionnaire, SurveyInvitation

# After this the survey of a stay closes: a rating months later says little about the stay.
SURVEY_OPEN_DAYS = 30
# A follow-up stays on the patient's list this long after it was due.
FOLLOW_UP_OPEN_DAYS = 30
MAX_DEFINITION_CHARS = 20000

ANSWER_MESSAGES = {
    "required": N_('Please answer "%(question)s".'),
    "not_a_rating": N_('Choose a rating from 1 to 5 for "%(question)s".'),
    "unknown_option": N_('Choose one of the answers for "%(question)s".'),
    "too_long": N_('The answer to "%(question)s" is too long.'),
}


@dataclass(frozen=True)
class Pending:
    """Something the patient is asked to answer after discharge, with the phone page for it."""

    id: int
    kind: Literal["satisfaction", "follow_up"]
    notice_id: int
    due_on: date
    url: str


# -- questionnaires ---------------------------------------------------------------------------


def current(session: Session, code: str) -> Questionnaire | None:
    return session.scalar(
        select(Questionnaire)
        .where(Questionnaire.code == code)
        .order_by(Questionnaire.version.desc())
        .limit(1)
    )


def definition_of(row: Questionnaire) -> Definition:
    return parse(row.definition, "satisfaction" if row.kind == "satisfaction" else "follow_up")


def get_questionnaire(session: Session, questionnaire_id: int) -> Questionnaire:
    row = session.get(Questionnaire, questionnaire_id)
    if row is None:
        raise NotFound()
    return row


def latest_all(session: Session) -> list[Questionnaire]:
    newest = (
        select(Questionnaire.code, func.max(Questionnaire.version).label("v"))
        .group_by(Questionnaire.code)
        .subquery()
    )
    return list(
        session.scalars(
            select(Questionnaire)
            .join(newest, (newest.c.code == Questionnaire.code) & (newest.c.v == Questionnaire.version))
            .order_by(Questionnaire.kind.desc(), Questionnaire.code)
        )
    )


def ensure_defaults(session: Session) -> None:
    """The default questionnaires and the default follow-up plan, if the hospital has none yet
    (so a fresh installation still invites and follows up). The caller commits."""
    for code, (kind, definition) in defaults.QUESTIONNAIRES.items():
        if current(session, code) is None:
            session.add(
                Questionnaire(code=code, kind=kind, version=1, definition=definition, created_by="system")
            )
    if session.scalar(select(FollowUpPlan.id).where(FollowUpPlan.department_id.is_(None))) is None:
        session.add(
            FollowUpPlan(
                department_id=None,
                name="默认随访计划",
                items=[
                    FollowUpPlanItem(day_offset=day, questionnaire_code=code, remind_after_days=remind)
                    for day, code, remind in defaults.DEFAULT_PLAN
                ],
            )
        )
    session.flush()


def _satisfaction(session: Session) -> Questionnaire:
    ensure_defaults(session)
    row = current(session, defaults.SATISFACTION)
    if row is None:  # pragma: no cover - ensure_defaults has just made it
        raise NotFound(N_("Questionnaire not found."), code="questionnaire_not_found")
    return row


def save_version(session: Session, actor: Actor, code: str, text: str) -> Questionnaire:
    """A new version of the questionnaire from the editor's JSON, or a 422 saying what is wrong."""
    if not actor.has_role("admin"):
        raise Forbidden()
    ensure_defaults(session)
    latest = current(session, code)
    if latest is None:
        raise NotFound(N_("Questionnaire not found."), code="questionnaire_not_found")
    kind: QuestionnaireKind = "satisfaction" if latest.kind == "satisfaction" else "follow_up"
    if len(text) > MAX_DEFINITION_CHARS:
        raise InvalidInput(
            N_("The questionnaire is not valid: %(detail)s"),
            code="invalid_questionnaire",
            params={"detail": f"longer than {MAX_DEFINITION_CHARS} characters"},
            field="definition",
        )
    try:
        definition = parse(text, kind)
    except QuestionnaireError as exc:
        raise InvalidInput(
            N_("The questionnaire is not valid: %(detail)s"),
            code="invalid_questionnaire",
            params={"detail": exc.detail},
            field="definition",
        ) from None
    row = Questionnaire(
        code=code,
        kind=latest.kind,
        version=latest.version + 1,
        definition=definition.model_dump(exclude_defaults=True),
        created_by=actor.label[:100],
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "survey.questionnaire_version",
        "survey_questionnaire",
        row.id,
        code=code,
        version=row.version,
    )
    try:
        session.commit()
    except IntegrityError:  # two admins saved at once; the other one's version stands
        session.rollback()
        raise Conflict(
            N_("Someone else saved this questionnaire just now. Reload and try again."),
            code="questionnaire_changed",
        ) from None
    return row


def check_or_raise(definition: Definition, form: Mapping[str, str], locale: str) -> Answers:
    try:
        return check_answers(definition, form)
    except InvalidAnswer as exc:
        question = definition.question(exc.question)
        raise InvalidInput(
            ANSWER_MESSAGES[exc.code],
            code=f"answer_{exc.code}",
            params={"question": question.text(locale) if question else exc.question},
            field=exc.question,
        ) from None


# -- satisfaction -----------------------------------------------------------------------------


def invite(session: Session, notice_id: int, discharged_at: datetime | None = None) -> SurveyInvitation:
    """The stay's invitation (created once) and the "please rate" message. The caller commits."""
    notice = admissions_service.get(session, notice_id)
    row = session.scalar(select(SurveyInvitation).where(SurveyInvitation.notice_id == notice_id))
    if row is None:
        questionnaire = _satisfaction(session)
        when = discharged_at or utcnow()
        row = SurveyInvitation(
            notice_id=notice.id,
            patient_id=notice.patient_id,
            department_id=notice.department_id,
            ward_id=notice.ward_id,
            questionnaire_id=questionnaire.id,
            discharged_on=when.astimezone(get_settings().tz).date(),
        )
        session.add(row)
        session.flush()
    link = f"/phone/surveys/{row.id}"
    dedupe = f"please_rate:{notice_id}"
    notifications.deliver(
        session,
        accounts_service.account_ids_for(session, notice.patient_id),
        template="please_rate",
        params={"patient": patients_service.get(session, notice.patient_id).name},
        dedupe_key=dedupe,
        patient_id=notice.patient_id,
        link=link,
    )
    return row


def invitation_for(session: Session, invitation_id: int, patient_ids: set[int]) -> SurveyInvitation:
    row = session.get(SurveyInvitation, invitation_id)
    if row is None or row.patient_id not in patient_ids:
        raise NotFound(N_("Survey not found."), code="survey_not_found")
    return row


def is_open(row: SurveyInvitation, today: date) -> bool:
    return row.answered_at is None and today <= row.discharged_on + timedelta(days=SURVEY_OPEN_DAYS)


def answer(
    session: Session, actor: Actor, invitation_id: int, form: Mapping[str, str], locale: str = "zh_CN"
) -> SurveyInvitation:
    """One response per stay, by an account acting for the patient."""
    if actor.kind != "account" or actor.id is None:
        raise Forbidden()
    patient_ids = accounts_service.patient_ids_of(session, actor.id)
    row = invitation_for(session, invitation_id, patient_ids)
    if row.answered_at is not None:
        raise Conflict(N_("This survey has already been answered. Thank you."), code="survey_answered")
    if not is_open(row, local_today()):
        raise Conflict(N_("This survey is closed."), code="survey_closed")
    answers = check_or_raise(definition_of(get_questionnaire(session, row.questionnaire_id)), form, locale)
    # Conditional on still being unanswered: of two family members sending at once, one counts.
    done = session.execute(
        update(SurveyInvitation)
        .where(SurveyInvitation.id == row.id, SurveyInvitation.answered_at.is_(None))
        .values(answers=answers, answered_at=utcnow(), answered_by_account_id=actor.id)
        .execution_options(synchronize_session=False)
    )
    if getattr(done, "rowcount", 0) != 1:
        session.rollback()
        raise Conflict(N_("This survey has already been answered. Thank you."), code="survey_answered")
    audit.record(session, actor, "survey.answer", "survey_invitation", row.id, patient_id=row.patient_id)
    events.emit(
        session,
        SatisfactionAnswered(invitation_id=row.id, notice_id=row.notice_id, patient_id=row.patient_id),
    )
    session.commit()
    session.refresh(row)
    return row


def for_patients(session: Session, patient_ids: set[int]) -> list[SurveyInvitation]:
    if not patient_ids:
        return []
    return list(
        session.scalars(
            select(SurveyInvitation)
            .where(SurveyInvitation.patient_id.in_(patient_ids))
            .order_by(SurveyInvitation.id.desc())
        )
    )


@dataclass(frozen=True)
class QuestionAverage:
    code: str
    average: float | None
    count: int


@dataclass(frozen=True)
class WardMonth:
    ward_id: int | None
    ward_name: str
    month: str
    invited: int
    answered: int
    questions: list[QuestionAverage]

    @property
    def rate(self) -> float:
        return self.answered / self.invited if self.invited else 0.0


@dataclass(frozen=True)
class Comment:
    ward_name: str
    day: date
    question: str
    text: str


@dataclass(frozen=True)
class Results:
    month: str
    definition: Definition
    rows: list[WardMonth]
    total: WardMonth
    comments: list[Comment]


def results(session: Session, month: str, ward_id: int | None = None) -> Results:
    """Per ward, for stays discharged in ``month`` (YYYY-MM): invitations, responses, the
    average of each rating question, and the comments."""
    try:
        first, nxt = rules.month_range(month)
    except ValueError:
        raise InvalidInput(N_("Choose a month."), code="invalid_month", field="month") from None
    definition = definition_of(_satisfaction(session))
    stmt = select(SurveyInvitation).where(
        SurveyInvitation.discharged_on >= first, SurveyInvitation.discharged_on < nxt
    )
    if ward_id is not None:
        stmt = stmt.where(SurveyInvitation.ward_id == ward_id)
    rows = list(session.scalars(stmt.order_by(SurveyInvitation.discharged_on, SurveyInvitation.id)))
    wards = {w.id: w.name for w in session.scalars(select(Ward))}
    texts = {q.code for q in definition.questions if q.kind == "text"}

    def summarize(group: list[SurveyInvitation], wid: int | None) -> WardMonth:
        answered = [r.answers for r in group if r.answers is not None]
        questions = []
        for q in definition.ratings:
            values = [int(a[q.code]) for a in answered if isinstance(a.get(q.code), int)]
            questions.append(
                QuestionAverage(q.code, sum(values) / len(values) if values else None, len(values))
            )
        name = wards.get(wid, "—") if wid is not None else "—"
        return WardMonth(wid, name, month, len(group), len(answered), questions)

    by_ward: dict[int | None, list[SurveyInvitation]] = {}
    for r in rows:
        by_ward.setdefault(r.ward_id, []).append(r)
    comments = [
        Comment(wards.get(r.ward_id or 0, "—"), r.discharged_on, code, str(r.answers[code]))
        for r in rows
        if r.answers
        for code in sorted(texts)
        if r.answers.get(code)
    ]
    return Results(
        month=month,
        definition=definition,
        rows=sorted((summarize(g, w) for w, g in by_ward.items()), key=lambda x: x.ward_name),
        total=summarize(rows, None),
        comments=comments,
    )


# -- for the next-step rules ------------------------------------------------------------------


def pending_for_patient(session: Session, patient_id: int, today: date | None = None) -> list[Pending]:
    """Open satisfaction surveys and due, unanswered follow-ups, oldest due first."""
    today = today or local_today()
    out: list[Pending] = []
    for inv in session.scalars(
        select(SurveyInvitation).where(
            SurveyInvitation.patient_id == patient_id, SurveyInvitation.answered_at.is_(None)
        )
    ):
        if is_open(inv, today):
            out.append(
                Pending(inv.id, "satisfaction", inv.notice_id, inv.discharged_on, f"/phone/surveys/{inv.id}")
            )
    for fu in session.scalars(
        select(FollowUp).where(
            FollowUp.patient_id == patient_id,
            FollowUp.answered_at.is_(None),
            FollowUp.due_on <= today,
            FollowUp.due_on >= today - timedelta(days=FOLLOW_UP_OPEN_DAYS),
        )
    ):
        out.append(Pending(fu.id, "follow_up", fu.notice_id, fu.due_on, f"/phone/followups/{fu.id}"))
    return sorted(out, key=lambda p: (p.due_on, p.kind, p.id))
