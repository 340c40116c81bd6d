"""The ward settings screen: the staffed-capacity cap and the low-balance threshold, set by an
admin, a manager, or a nurse of that ward (role scope)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from bedside.core.errors import DomainError
from bedside.core.money import format_yuan
from bedside.hospital import service as hospital_service
from bedside.hospital import ward_settings
from bedside.staff import scope as staff_scope
from bedside.staff.roles import Role
from bedside.web import security
from bedside.web.console.routes import _chrome, page
from bedside.web.deps import DbSession, IdPath, StaffContext, StaffScope, staff_with
from bedside.web.forms import form_error

router = APIRouter(prefix="/console", include_in_schema=False, dependencies=[Depends(security.guard_request)])
WardEditor = Annotated[StaffContext, staff_with(Role.ADMIN, Role.MANAGER, Role.NURSE)]


def _ctx(
    session: DbSession, ward_id: int, scope: staff_scope.Scope, form: dict[str, str] | None = None
) -> Any:
    ward = hospital_service.get_ward(session, ward_id)
    # Only the ward itself counts for a nurse: a department's other wards are not theirs to set.
    staff_scope.check(scope, ward.id, None)
    form = form or {
        "capacity_cap": "" if ward.capacity_cap is None else str(ward.capacity_cap),
        "low_balance_threshold": format_yuan(ward.low_balance_threshold_fen).removeprefix("¥"),
    }
    return {"ward": ward, "beds": ward_settings.bed_count(session, ward.id), "form": form}


@router.get("/wards/{ward_id}/settings")
def settings_page(
    request: Request, session: DbSession, me: WardEditor, scope: StaffScope, ward_id: IdPath
) -> Response:
    ctx = _ctx(session, ward_id, scope)
    session.commit()
    saved = request.query_params.get("saved") == "1"
    return page(request, me, "console/ward_settings.html", {**ctx, "saved": saved})


@router.post("/wards/{ward_id}/settings")
def save_settings(
    request: Request,
    session: DbSession,
    me: WardEditor,
    scope: StaffScope,
    ward_id: IdPath,
    capacity_cap: Annotated[str, Form(max_length=20)] = "",
    low_balance_threshold: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    form = {"capacity_cap": capacity_cap, "low_balance_threshold": low_balance_threshold}
    ctx = _ctx(session, ward_id, scope, form)
    try:
        ward_settings.update(
            session, me.actor, ward_id, capacity_cap=capacity_cap, low_balance_threshold=low_balance_threshold
        )
    except DomainError as exc:
        session.rollback()
        return form_error(request, "console/ward_settings.html", {**ctx, **_chrome(request, me)}, exc)
    return RedirectResponse(f"/console/wards/{ward_id}/settings?saved=1", status_code=303)
