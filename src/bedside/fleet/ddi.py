"""The kiosks' side of the software rollout, shaped after Eclipse hawkBit's Direct Device
Integration API (DDI v1): the device polls its controller resource, follows the
`deploymentBase` link to its deployment, downloads the artifacts and posts feedback. A hawkBit
client authenticating with `Authorization: TargetToken <kiosk key>` can talk to it; the
controller id is the kiosk's code."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from bedside.core.errors import DomainError, NotFound
from bedside.core.i18n import N_
from bedside.fleet import releases, rollout
from bedside.fleet.rollout_states import ActionState
from bedside.kiosks import service as kiosks_service
from bedside.kiosks.models import Kiosk
from bedside.settings import get_settings
from bedside.web import security
from bedside.web.deps import DbSession
from bedside.web.problems import API_ERRORS, problem_responses

PREFIX = "/api/ddi/{tenant}/controller/v1/{controller_id}"
router = APIRouter(
    prefix=PREFIX,
    tags=["kiosk software (hawkBit DDI)"],
    dependencies=[Depends(security.refuse_control_characters)],
    responses=problem_responses(*API_ERRORS),
)
BUNDLE_NAME = "bedside-kiosk-{version}.tar.gz"
SIGNATURE_NAME = "bedside-kiosk-{version}.tar.gz.sig"


class ControllerMismatch(DomainError):
    status = 403
    code = "controller_mismatch"
    message = N_("This device key does not belong to that controller.")


def _device(
    session: DbSession,
    tenant: Annotated[str, Path(max_length=40)],
    controller_id: Annotated[str, Path(max_length=32)],
    authorization: Annotated[str | None, Header()] = None,
    x_kiosk_key: Annotated[str | None, Header()] = None,
) -> Kiosk:
    key = x_kiosk_key
    if authorization and authorization.lower().startswith("targettoken "):
        key = authorization.split(" ", 1)[1].strip()
    kiosk = kiosks_service.authenticate(session, key)
    if tenant != get_settings().kiosk_update_tenant:
        raise NotFound()
    if kiosk.code != controller_id:
        raise ControllerMismatch()
    session.commit()
    return kiosk


Device = Annotated[Kiosk, Depends(_device)]


def _sleep(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _base(request: Request, kiosk: Kiosk) -> str:
    tenant = get_settings().kiosk_update_tenant
    return str(request.base_url).rstrip("/") + PREFIX.format(tenant=tenant, controller_id=kiosk.code)


@router.get("")
def controller(request: Request, session: DbSession, kiosk: Device) -> dict[str, Any]:
    """The poll: how long to sleep, and a link to the deployment when there is one."""
    body: dict[str, Any] = {
        "config": {"polling": {"sleep": _sleep(get_settings().kiosk_update_poll_seconds)}}
    }
    action = rollout.offered(session, kiosk.id)
    session.commit()
    if action is not None:
        href = f"{_base(request, kiosk)}/deploymentBase/{action.id}?c={action.release_id}-{action.id}"
        body["_links"] = {"deploymentBase": {"href": href}}
    return body


@router.get("/deploymentBase/{action_id}")
def deployment(
    request: Request, session: DbSession, kiosk: Device, action_id: Annotated[int, Path(ge=1, le=2**31 - 1)]
) -> dict[str, Any]:
    action = rollout.kiosk_action(session, kiosk.id, action_id)
    release = releases.get_release(session, action.release_id)
    session.commit()
    module = f"{_base(request, kiosk)}/softwaremodules/{release.id}/artifacts"
    bundle_name = BUNDLE_NAME.format(version=release.version)
    signature_name = SIGNATURE_NAME.format(version=release.version)
    return {
        "id": str(action.id),
        "deployment": {
            "download": "forced",
            # Applied when the kiosk is idle: a patient in the middle of paying is never cut off.
            "update": "attempt",
            "chunks": [
                {
                    "part": "bApp",
                    "version": release.version,
                    "name": "bedside-kiosk",
                    "artifacts": [
                        {
                            "filename": bundle_name,
                            "hashes": {"sha256": release.sha256},
                            "size": release.size,
                            "_links": {"download-http": {"href": f"{module}/{bundle_name}"}},
                        },
                        {
                            "filename": signature_name,
                            "hashes": {},
                            "size": len(release.signature),
                            "_links": {"download-http": {"href": f"{module}/{signature_name}"}},
                        },
                    ],
                }
            ],
        },
    }


class Result(BaseModel):
    model_config = ConfigDict(extra="ignore")
    finished: str = Field(max_length=20)


class Status(BaseModel):
    model_config = ConfigDict(extra="ignore")
    execution: str = Field(max_length=20)
    result: Result
    details: list[Annotated[str, Field(max_length=300)]] = Field(default_factory=list, max_length=20)


class FeedbackIn(BaseModel):
    # hawkBit clients send more (id, time, progress): read what matters, ignore the rest.
    model_config = ConfigDict(extra="ignore")
    status: Status


@router.post("/deploymentBase/{action_id}/feedback")
def feedback(
    body: FeedbackIn,
    session: DbSession,
    kiosk: Device,
    action_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
) -> dict[str, str]:
    action = rollout.feedback(
        session, kiosk, action_id, body.status.execution, body.status.result.finished, body.status.details
    )
    return {"id": str(action.id), "state": action.state}


@router.get(
    "/softwaremodules/{release_id}/artifacts/{filename}",
    response_class=Response,
    responses={
        200: {
            "content": {"application/gzip": {}, "application/octet-stream": {}},
            "description": "The bundle, or its detached signature",
        }
    },
)
def artifact(
    session: DbSession,
    kiosk: Device,
    release_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    filename: Annotated[str, Path(max_length=80)],
) -> Response:
    release = releases.get_release(session, release_id)
    # Only a kiosk whose deployment of this release is under way may download it.
    if not any(
        a.release_id == release.id and a.state in (ActionState.OFFERED, ActionState.PROCEEDING)
        for a in rollout.kiosk_actions(session, kiosk.id)
    ):
        raise NotFound()
    if filename == BUNDLE_NAME.format(version=release.version):
        content, kind = release.bundle, "application/gzip"
    elif filename == SIGNATURE_NAME.format(version=release.version):
        content, kind = release.signature, "application/octet-stream"
    else:
        raise NotFound()
    session.commit()
    return Response(content, media_type=kind, headers={"Cache-Control": "no-store"})
