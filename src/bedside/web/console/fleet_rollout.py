"""Kiosk software in the fleet console: publish a signed bundle, start a staged rollout with its
pilot, watch each stage, halt, resume, roll back."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from bedside.core import bundles
from bedside.core.errors import DomainError
from bedside.fleet import releases, rollout
from bedside.fleet.rollout_states import ROLLOUT_MACHINE, STAGES, RolloutState
from bedside.kiosks import service as kiosks_service
from bedside.staff.roles import Role
from bedside.web import security
from bedside.web.console.routes import _chrome, page
from bedside.web.deps import DbSession, IdPath, StaffContext, staff_with
from bedside.web.forms import form_error

router = APIRouter(
    prefix="/console/fleet", include_in_schema=False, dependencies=[Depends(security.guard_request)]
)
Ops = Annotated[StaffContext, staff_with(Role.OPS_ENGINEER)]
MAX_SIGNATURE_BYTES = 1024


def _list_ctx(session: DbSession) -> dict[str, Any]:
    return {
        "releases": releases.releases(session),
        "rollouts": rollout.rollouts(session),
        "kiosks": [k for k in kiosks_service.list_kiosks(session) if k.active],
        "versions": {r.id: r.version for r in releases.releases(session)},
        "form": {},
    }


@router.get("/releases")
def release_list(request: Request, session: DbSession, me: Ops) -> Response:
    return page(request, me, "console/fleet_releases.html", _list_ctx(session))


def _read(upload: UploadFile | None, limit: int) -> bytes:
    return upload.file.read(limit + 1) if upload is not None else b""


@router.post("/releases")
def publish(
    request: Request,
    session: DbSession,
    me: Ops,
    bundle: Annotated[UploadFile | None, File()] = None,
    signature: Annotated[UploadFile | None, File()] = None,
    notes: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    try:
        releases.publish(
            session,
            me.actor,
            _read(bundle, bundles.MAX_BUNDLE_BYTES),
            _read(signature, MAX_SIGNATURE_BYTES),
            notes,
        )
    except DomainError as exc:
        session.rollback()
        ctx = {**_list_ctx(session), **_chrome(request, me)}
        return form_error(request, "console/fleet_releases.html", ctx, exc)
    return RedirectResponse("/console/fleet/releases", status_code=303)


@router.post("/rollouts")
def create(
    request: Request,
    session: DbSession,
    me: Ops,
    release_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
    pilot_kiosk_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
    max_error_rate_pct: Annotated[int, Form(ge=-(2**31), le=2**31 - 1)] = 0,
    soak_minutes: Annotated[int, Form(ge=-(2**31), le=2**31 - 1)] = 30,
) -> Response:
    try:
        created = rollout.create(
            session,
            me.actor,
            release_id,
            pilot_kiosk_id,
            max_error_rate_pct=max_error_rate_pct,
            soak_minutes=soak_minutes,
        )
    except DomainError as exc:
        session.rollback()
        ctx = {**_list_ctx(session), **_chrome(request, me)}
        ctx["form"] = {
            "release_id": release_id,
            "pilot_kiosk_id": pilot_kiosk_id,
            "max_error_rate_pct": max_error_rate_pct,
            "soak_minutes": soak_minutes,
        }
        return form_error(request, "console/fleet_releases.html", ctx, exc)
    return RedirectResponse(f"/console/fleet/rollouts/{created.id}", status_code=303)


def _detail_ctx(session: DbSession, rollout_id: int) -> dict[str, Any]:
    item = rollout.get(session, rollout_id)
    return {
        "rollout": item,
        "release": releases.get_release(session, item.release_id),
        "versions": {r.id: r.version for r in releases.releases(session)},
        "stages": STAGES,
        "progress": rollout.progress(session, rollout_id),
        "actions": rollout.actions(session, rollout_id),
        "codes": {k.id: k.code for k in kiosks_service.list_kiosks(session)},
        "allowed": ROLLOUT_MACHINE.allowed(RolloutState(item.state)),
    }


@router.get("/rollouts/{rollout_id}")
def detail(request: Request, session: DbSession, me: Ops, rollout_id: IdPath) -> Response:
    return page(request, me, "console/fleet_rollout.html", _detail_ctx(session, rollout_id))


def _step(
    request: Request, session: DbSession, me: Ops, rollout_id: int, action: str, reason: str = ""
) -> Response:
    try:
        if action == "start":
            rollout.start(session, me.actor, rollout_id)
        elif action == "halt":
            rollout.halt(session, me.actor, rollout_id, reason)
        elif action == "resume":
            rollout.resume(session, me.actor, rollout_id)
        elif action == "rollback":
            rollout.rollback(session, me.actor, rollout_id)
        else:
            rollout.cancel(session, me.actor, rollout_id)
    except DomainError as exc:
        session.rollback()
        ctx = {**_detail_ctx(session, rollout_id), **_chrome(request, me)}
        return form_error(request, "console/fleet_rollout.html", ctx, exc)
    return RedirectResponse(f"/console/fleet/rollouts/{rollout_id}", status_code=303)


@router.post("/rollouts/{rollout_id}/start")
def start(request: Request, session: DbSession, me: Ops, rollout_id: IdPath) -> Response:
    return _step(request, session, me, rollout_id, "start")


@router.post("/rollouts/{rollout_id}/halt")
def halt(
    request: Request,
    session: DbSession,
    me: Ops,
    rollout_id: IdPath,
    reason: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    return _step(request, session, me, rollout_id, "halt", reason)


@router.post("/rollouts/{rollout_id}/resume")
def resume(request: Request, session: DbSession, me: Ops, rollout_id: IdPath) -> Response:
    return _step(request, session, me, rollout_id, "resume")


@router.post("/rollouts/{rollout_id}/rollback")
def rollback(request: Request, session: DbSession, me: Ops, rollout_id: IdPath) -> Response:
    return _step(request, session, me, rollout_id, "rollback")


@router.post("/rollouts/{rollout_id}/cancel")
def cancel(request: Request, session: DbSession, me: Ops, rollout_id: IdPath) -> Response:
    return _step(request, session, me, rollout_id, "cancel")
