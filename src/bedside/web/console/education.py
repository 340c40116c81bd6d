"""Console pages of education: articles (write, edit, preview, publish) with their read counts,
and per stay what was sent and read, where the ward also sends the surgery articles."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from starlette.responses import Response

from bedside.admissions import service as admissions_service
from bedside.admissions.models import AdmissionNotice
from bedside.core.errors import DomainError, InvalidInput
from bedside.core.i18n import LOCALES, N_
from bedside.education import service as education
from bedside.education.content import to_html
from bedside.hospital import service as hospital_service
from bedside.patients import service as patients_service
from bedside.staff.roles import Role
from bedside.web import security
from bedside.web.console.routes import _chrome, page
from bedside.web.deps import DbSession, IdPath, InScope, StaffContext, staff_with
from bedside.web.forms import form_error

router = APIRouter(prefix="/console", include_in_schema=False, dependencies=[Depends(security.guard_request)])
Editor = Annotated[StaffContext, staff_with(Role.ADMIN, Role.NURSE, Role.DOCTOR)]
WardStaff = Annotated[StaffContext, staff_with(Role.NURSE, Role.DOCTOR)]

TitleField = Annotated[str, Form(max_length=education.MAX_TITLE * 2)]
BodyField = Annotated[str, Form(max_length=education.MAX_BODY * 2)]
ShortField = Annotated[str, Form(max_length=40)]


def _department(value: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 9:
        raise InvalidInput(N_("Choose a department."), code="invalid_department", field="department_id")
    return int(value)


def _form_ctx(session: DbSession, form: dict[str, Any], article: Any = None) -> dict[str, Any]:
    body = str(form.get("body") or "")
    return {
        "form": form,
        "article": article,
        "departments": hospital_service.list_departments(session),
        "stages": list(education.Stage),
        "stage_labels": education.STAGE_LABELS,
        "locales": LOCALES,
        "preview": to_html(body) if body.strip() else None,
    }


@router.get("/education")
def articles(request: Request, session: DbSession, me: Editor) -> Response:
    departments = {d.id: d for d in hospital_service.list_departments(session)}
    return page(
        request,
        me,
        "console/education.html",
        {
            "rows": education.list_with_stats(session),
            "departments": departments,
            "stage_labels": education.STAGE_LABELS,
        },
    )


@router.get("/education/new")
def new_article(request: Request, session: DbSession, me: Editor) -> Response:
    form = {"stage": "pre_admission", "locale": "zh_CN", "department_id": "", "title": "", "body": ""}
    return page(request, me, "console/education_form.html", _form_ctx(session, form))


def _data(title: str, department_id: str, stage: str, locale: str, body: str) -> education.ArticleIn:
    return education.ArticleIn(title, _department(department_id), stage, locale, body)


@router.post("/education")
def create_article(
    request: Request,
    session: DbSession,
    me: Editor,
    title: TitleField = "",
    department_id: ShortField = "",
    stage: ShortField = "",
    locale: ShortField = "",
    body: BodyField = "",
    action: ShortField = "save",
) -> Response:
    form = {"title": title, "department_id": department_id, "stage": stage, "locale": locale, "body": body}
    if action == "preview":
        return page(request, me, "console/education_form.html", _form_ctx(session, form))
    try:
        article = education.create(session, me.actor, _data(title, department_id, stage, locale, body))
    except DomainError as exc:
        session.rollback()
        return form_error(
            request, "console/education_form.html", {**_form_ctx(session, form), **_chrome(request, me)}, exc
        )
    return RedirectResponse(f"/console/education/{article.id}?saved=1", status_code=303)


def _stays_rows(session: DbSession) -> list[dict[str, Any]]:
    notices = session.scalars(
        select(AdmissionNotice)
        .where(AdmissionNotice.state == "admitted")
        .order_by(AdmissionNotice.admitted_at.desc())
        .limit(300)
    )
    rows = []
    for n in notices:
        pushed = education.pushed_to(session, {n.patient_id})
        rows.append(
            {
                "notice": n,
                "patient": patients_service.get(session, n.patient_id),
                "pushed": len(pushed),
                "read": sum(1 for p in pushed if p.read_at),
            }
        )
    return rows


@router.get("/education/stays")
def stays(request: Request, session: DbSession, me: WardStaff) -> Response:
    return page(request, me, "console/education_stays.html", {"rows": _stays_rows(session)})


def _stay_ctx(session: DbSession, me: StaffContext, notice_id: int) -> dict[str, Any]:
    notice = admissions_service.get(session, notice_id)
    return {
        "notice": notice,
        "patient": patients_service.read_for_staff(session, me.actor, notice.patient_id, "education"),
        "pushed": education.pushed_to(session, {notice.patient_id}),
        "stage_labels": education.STAGE_LABELS,
    }


@router.get("/education/stays/{notice_id}", dependencies=[InScope])
def stay(request: Request, session: DbSession, me: WardStaff, notice_id: IdPath) -> Response:
    return page(request, me, "console/education_stay.html", _stay_ctx(session, me, notice_id))


@router.post("/education/stays/{notice_id}/surgery", dependencies=[InScope])
def send_surgery(request: Request, session: DbSession, me: WardStaff, notice_id: IdPath) -> Response:
    try:
        sent = education.send_surgery(session, me.actor, notice_id)
    except DomainError as exc:
        session.rollback()
        ctx = {**_stay_ctx(session, me, notice_id), **_chrome(request, me)}
        return form_error(request, "console/education_stay.html", ctx, exc)
    return RedirectResponse(f"/console/education/stays/{notice_id}?sent={sent}", status_code=303)


@router.get("/education/{article_id}")
def edit_article(request: Request, session: DbSession, me: Editor, article_id: IdPath) -> Response:
    article = education.get(session, article_id)
    form = {
        "title": article.title,
        "department_id": "" if article.department_id is None else str(article.department_id),
        "stage": article.stage,
        "locale": article.locale,
        "body": article.body,
    }
    return page(request, me, "console/education_form.html", _form_ctx(session, form, article))


@router.post("/education/{article_id}")
def save_article(
    request: Request,
    session: DbSession,
    me: Editor,
    article_id: IdPath,
    title: TitleField = "",
    department_id: ShortField = "",
    stage: ShortField = "",
    locale: ShortField = "",
    body: BodyField = "",
    action: ShortField = "save",
) -> Response:
    article = education.get(session, article_id)
    form = {"title": title, "department_id": department_id, "stage": stage, "locale": locale, "body": body}
    if action == "preview":
        return page(request, me, "console/education_form.html", _form_ctx(session, form, article))
    try:
        education.update(session, me.actor, article_id, _data(title, department_id, stage, locale, body))
    except DomainError as exc:
        session.rollback()
        ctx = {**_form_ctx(session, form, education.get(session, article_id)), **_chrome(request, me)}
        return form_error(request, "console/education_form.html", ctx, exc)
    return RedirectResponse(f"/console/education/{article_id}?saved=1", status_code=303)


@router.post("/education/{article_id}/publish")
def publish(
    session: DbSession, me: Editor, article_id: IdPath, published: Annotated[str, Form(max_length=1)] = "1"
) -> Response:
    education.set_published(session, me.actor, article_id, published == "1")
    return RedirectResponse(f"/console/education/{article_id}", status_code=303)
