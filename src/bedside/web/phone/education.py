"""Phone pages of education: what the hospital sent the patient, and reading an article
(which records the account's first read)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from bedside.accounts import service as accounts_service
from bedside.education import service as education
from bedside.education.content import to_html
from bedside.web import security
from bedside.web.deps import AccountUser, DbSession, IdPath, IdQuery
from bedside.web.rendering import LANG_COOKIE, locale_of, render

router = APIRouter(prefix="/phone", include_in_schema=False, dependencies=[Depends(security.guard_request)])


@router.get("/education")
def articles(request: Request, session: DbSession, me: AccountUser, p: IdQuery = None) -> Response:
    links = accounts_service.patients_of(session, me.account.id)
    current = next((pt for _, pt in links if pt.id == p), links[0][1] if links else None)
    rows = education.pushed_to(session, {current.id}, me.account.id) if current else []
    # The language the reader picked on the page wins; without a pick, the account's own
    # message language; without either, the hospital's.
    chosen = request.cookies.get(LANG_COOKIE)
    locale = locale_of(request) if chosen or not me.account.locale else me.account.locale
    rows = education.for_reader(rows, locale)
    return render(
        request,
        "phone/education.html",
        {"me": me, "links": links, "current": current, "rows": rows, "stage_labels": education.STAGE_LABELS},
    )


@router.get("/education/{article_id}")
def article(request: Request, session: DbSession, me: AccountUser, article_id: IdPath) -> Response:
    ids = accounts_service.patient_ids_of(session, me.account.id)
    row = education.open_for_account(session, me.account.id, ids, article_id)
    return render(
        request,
        "phone/education_article.html",
        {"me": me, "article": row, "html": to_html(row.body), "stage_labels": education.STAGE_LABELS},
    )
