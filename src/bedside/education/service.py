"""Writing, publishing and pushing education articles, and their read receipts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bedside.accounts import service as accounts_service
from bedside.accounts.models import Account, AccountPatient
from bedside.admissions import service as admissions_service
from bedside.core import audit
from bedside.core.audit import Actor
from bedside.core.db import utcnow
from bedside.core.errors import Forbidden, InvalidInput, NotFound
from bedside.core.i18n import LOCALES, N_, normalize
from bedside.education.models import EducationArticle, EducationPush, EducationRead
from bedside.hospital.models import Department
from bedside.notifications import service as notifications
from bedside.patients import service as patients_service
from bedside.settings import get_settings

EDITOR_ROLES = ("admin", "nurse", "doctor")
MAX_TITLE = 200
MAX_BODY = 20000


class Stage(StrEnum):
    PRE_ADMISSION = "pre_admission"
    IN_STAY = "in_stay"
    SURGERY = "surgery"
    DISCHARGE = "discharge"


STAGE_LABELS = {
    Stage.PRE_ADMISSION: N_("Before admission"),
    Stage.IN_STAY: N_("During the stay"),
    Stage.SURGERY: N_("Before and after surgery"),
    Stage.DISCHARGE: N_("Discharge"),
}


@dataclass(frozen=True)
class ArticleIn:
    title: str
    department_id: int | None
    stage: str
    locale: str
    body: str


@dataclass(frozen=True)
class ArticleStats:
    article: EducationArticle
    pushed: int
    read: int


@dataclass(frozen=True)
class PushedArticle:
    article: EducationArticle
    patient_id: int
    pushed_at: datetime
    read_at: datetime | None


def _require_editor(actor: Actor) -> None:
    if not actor.has_role(*EDITOR_ROLES):
        raise Forbidden()


def _clean(session: Session, data: ArticleIn) -> ArticleIn:
    title = data.title.strip()
    body = data.body.strip()
    if not title or len(title) > MAX_TITLE:
        raise InvalidInput(
            N_("Give a title of at most %(n)s characters."),
            code="invalid_title",
            params={"n": MAX_TITLE},
            field="title",
        )
    if not body or len(body) > MAX_BODY:
        raise InvalidInput(
            N_("Write the article (at most %(n)s characters)."),
            code="invalid_body",
            params={"n": MAX_BODY},
            field="body",
        )
    if data.stage not in {s.value for s in Stage}:
        raise InvalidInput(N_("Choose the stage of the stay."), code="invalid_stage", field="stage")
    if data.locale not in LOCALES:
        raise InvalidInput(N_("Choose the article's language."), code="invalid_locale", field="locale")
    if data.department_id is not None and session.get(Department, data.department_id) is None:
        raise InvalidInput(N_("Choose a department."), code="invalid_department", field="department_id")
    return ArticleIn(title, data.department_id, data.stage, data.locale, body)


def get(session: Session, article_id: int) -> EducationArticle:
    article = session.get(EducationArticle, article_id)
    if article is None:
        raise NotFound(N_("Article not found."), code="article_not_found")
    return article


def create(session: Session, actor: Actor, data: ArticleIn) -> EducationArticle:
    _require_editor(actor)
    clean = _clean(session, data)
    article = EducationArticle(
        title=clean.title,
        department_id=clean.department_id,
        stage=clean.stage,
        locale=clean.locale,
        body=clean.body,
        created_by=actor.label[:100],
    )
    session.add(article)
    session.flush()
    audit.record(session, actor, "education.create", "education_article", article.id, stage=clean.stage)
    session.commit()
    return article


def update(session: Session, actor: Actor, article_id: int, data: ArticleIn) -> EducationArticle:
    _require_editor(actor)
    article = get(session, article_id)
    clean = _clean(session, data)
    article.title, article.department_id, article.stage = clean.title, clean.department_id, clean.stage
    article.locale, article.body, article.updated_at = clean.locale, clean.body, utcnow()
    audit.record(session, actor, "education.update", "education_article", article.id)
    session.commit()
    return article


def set_published(session: Session, actor: Actor, article_id: int, published: bool) -> EducationArticle:
    """Publishing sends nothing by itself: articles go out when a stay reaches their stage."""
    _require_editor(actor)
    article = get(session, article_id)
    if article.published != published:
        article.published = published
        article.published_at = utcnow() if published else article.published_at
        audit.record(
            session,
            actor,
            "education.publish" if published else "education.unpublish",
            "education_article",
            article.id,
        )
        session.commit()
    return article


def list_with_stats(session: Session) -> list[ArticleStats]:
    pushed: dict[int, int] = {
        aid: n
        for aid, n in session.execute(
            select(EducationPush.article_id, func.count()).group_by(EducationPush.article_id)
        )
    }
    read: dict[int, int] = {
        aid: n
        for aid, n in session.execute(
            select(EducationRead.article_id, func.count()).group_by(EducationRead.article_id)
        )
    }
    articles = session.scalars(
        select(EducationArticle).order_by(EducationArticle.stage, EducationArticle.id.desc())
    )
    return [ArticleStats(a, pushed.get(a.id, 0), read.get(a.id, 0)) for a in articles]


def in_language(articles: Iterable[EducationArticle], locale: str, fallback: str) -> set[int]:
    """Ids of the articles a reader of ``locale`` is shown.

    Articles carry no link to their translations, so the rule is: the articles of one
    department (or the hospital-wide ones) for one stage are one topic group, and a group
    written in the reader's language shows only those; a group without any shows its
    ``fallback`` (hospital) language ones, and if it has none of those either, all of them.
    So a zh and an en version of the same reading are never listed together, and nobody is
    left with nothing to read because their language is missing."""
    groups: dict[tuple[int | None, str], list[EducationArticle]] = {}
    for article in articles:
        groups.setdefault((article.department_id, article.stage), []).append(article)
    shown: set[int] = set()
    for group in groups.values():
        for wanted in (locale, fallback):
            chosen = {a.id for a in group if a.locale == wanted}
            if chosen:
                break
        else:
            chosen = {a.id for a in group}
        shown |= chosen
    return shown


def for_reader(rows: list[PushedArticle], locale: str) -> list[PushedArticle]:
    """The reading list in the reader's language (see `in_language`), order kept."""
    shown = in_language([r.article for r in rows], normalize(locale), get_settings().locale)
    return [r for r in rows if r.article.id in shown]


def _accounts_by_locale(session: Session, account_ids: set[int]) -> dict[str, set[int]]:
    default = get_settings().locale
    out: dict[str, set[int]] = {}
    if account_ids:
        for account_id, locale in session.execute(
            select(Account.id, Account.locale).where(Account.id.in_(account_ids))
        ):
            out.setdefault(normalize(locale) if locale else default, set()).add(account_id)
    return out


def push_stage(
    session: Session, *, patient_id: int, notice_id: int | None, department_id: int, stage: Stage
) -> int:
    """Sends the published articles of this stage (the department's and the hospital-wide
    ones) that the patient has not had yet, one message each. The caller commits."""
    articles = list(
        session.scalars(
            select(EducationArticle)
            .where(
                EducationArticle.published.is_(True),
                EducationArticle.stage == stage.value,
                (EducationArticle.department_id == department_id) | EducationArticle.department_id.is_(None),
            )
            .order_by(EducationArticle.id)
        )
    )
    if not articles:
        return 0
    have = set(
        session.scalars(
            select(EducationPush.article_id).where(
                EducationPush.patient_id == patient_id,
                EducationPush.article_id.in_([a.id for a in articles]),
            )
        )
    )
    # Each account hears only of the version in its own language (the phone list does the same).
    accounts = accounts_service.account_ids_for(session, patient_id)
    readers = {
        locale: (ids, in_language(articles, locale, get_settings().locale))
        for locale, ids in _accounts_by_locale(session, accounts).items()
    }
    name = patients_service.get(session, patient_id).name
    sent = 0
    for article in articles:
        if article.id in have:
            continue
        session.add(EducationPush(article_id=article.id, patient_id=patient_id, notice_id=notice_id))
        notifications.deliver(
            session,
            {a for ids, shown in readers.values() if article.id in shown for a in ids},
            template="education_ready",
            params={"patient": name, "title": article.title},
            dedupe_key=f"education:{article.id}:{patient_id}",
            patient_id=patient_id,
            link=f"/phone/education/{article.id}",
        )
        sent += 1
    session.flush()
    return sent


def send_surgery(session: Session, actor: Actor, notice_id: int) -> int:
    """Admission notices do not say whether surgery is planned, so the ward sends the surgery
    articles when it knows."""
    if not actor.has_role("nurse", "doctor"):
        raise Forbidden()
    notice = admissions_service.get(session, notice_id)
    if notice.state != "admitted":
        raise InvalidInput(N_("Surgery reading is sent to admitted patients only."), code="not_admitted")
    sent = push_stage(
        session,
        patient_id=notice.patient_id,
        notice_id=notice.id,
        department_id=notice.department_id,
        stage=Stage.SURGERY,
    )
    audit.record(
        session,
        actor,
        "education.send",
        "admission_notice",
        notice.id,
        patient_id=notice.patient_id,
        stage="surgery",
        sent=sent,
    )
    session.commit()
    return sent


def pushed_to(session: Session, patient_ids: set[int], account_id: int | None = None) -> list[PushedArticle]:
    """Published articles pushed to these patients; read_at is this account's first read, or
    (without an account) the first read by any account acting for the patient."""
    if not patient_ids:
        return []
    rows = session.execute(
        select(EducationPush, EducationArticle)
        .join(EducationArticle, EducationArticle.id == EducationPush.article_id)
        .where(EducationPush.patient_id.in_(patient_ids), EducationArticle.published.is_(True))
        .order_by(EducationPush.pushed_at.desc(), EducationPush.id.desc())
    ).all()
    out = []
    for push, article in rows:
        readers = select(EducationRead.read_at).where(EducationRead.article_id == article.id)
        if account_id is not None:
            readers = readers.where(EducationRead.account_id == account_id)
        else:
            readers = readers.where(
                EducationRead.account_id.in_(
                    select(AccountPatient.account_id).where(AccountPatient.patient_id == push.patient_id)
                )
            )
        first = session.scalar(readers.order_by(EducationRead.read_at).limit(1))
        out.append(PushedArticle(article, push.patient_id, push.pushed_at, first))
    return out


def open_for_account(
    session: Session, account_id: int, patient_ids: set[int], article_id: int
) -> EducationArticle:
    """The article, if it was pushed to one of the account's patients; records the account's
    first read. Anything else is 'not found', so ids reveal nothing."""
    article = session.get(EducationArticle, article_id)
    pushed = (
        session.scalar(
            select(EducationPush.id).where(
                EducationPush.article_id == article_id, EducationPush.patient_id.in_(patient_ids)
            )
        )
        if patient_ids
        else None
    )
    if article is None or not article.published or pushed is None:
        raise NotFound(N_("Article not found."), code="article_not_found")
    done = session.scalar(
        select(EducationRead.id).where(
            EducationRead.article_id == article_id, EducationRead.account_id == account_id
        )
    )
    if done is None:
        try:
            with session.begin_nested():
                session.add(EducationRead(article_id=article_id, account_id=account_id))
        except IntegrityError:
            pass  # a second tab opened it at the same moment; the first read stands
        session.commit()
    return article
