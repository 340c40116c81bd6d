"""Who is asking: staff, a patient account, a kiosk, or a patient signed in at a kiosk."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from sqlalchemy.orm import Session

from bedside.accounts import service as accounts_service
from bedside.accounts.models import Account
from bedside.core.audit import Actor
from bedside.core.auth import AuthSession, find_session, touch
from bedside.core.db import get_session
from bedside.core.errors import DomainError, Forbidden, NotAuthenticated
from bedside.kiosks import service as kiosks_service
from bedside.kiosks.models import Kiosk
from bedside.patients import service as patients_service
from bedside.patients.models import Patient
from bedside.staff import scope
from bedside.staff import service as staff_service
from bedside.staff.models import StaffUser

STAFF_COOKIE = "bs_staff"
PHONE_COOKIE = "bs_phone"
KIOSK_COOKIE = "bs_kiosk"
KIOSK_PATIENT_COOKIE = "bs_kiosk_patient"

DbSession = Annotated[Session, Depends(get_session)]

# Row ids fit a 32-bit integer column on PostgreSQL; larger numbers are invalid input, not a
# database error.
MAX_ID = 2**31 - 1
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]
Flag = Annotated[int, Query(ge=0, le=1)]
SearchText = Annotated[str, Query(max_length=50)]


class LoginRequired(NotAuthenticated):
    """On pages this becomes a redirect to the surface's login; on the API, a 401."""

    def __init__(self, login_url: str) -> None:
        super().__init__()
        self.login_url = login_url


@dataclass
class StaffContext:
    user: StaffUser
    actor: Actor
    auth: AuthSession


@dataclass
class AccountContext:
    account: Account
    actor: Actor
    auth: AuthSession


@dataclass
class KioskContext:
    kiosk: Kiosk
    actor: Actor


@dataclass
class KioskPatientContext:
    kiosk: Kiosk
    patient: Patient
    actor: Actor
    auth: AuthSession


def _done(session: Session) -> None:
    # Ends the sign-in check's transaction, so that no lock or snapshot is held while the
    # request waits for a thread to run its handler.
    session.commit()


def _login_url(request: Request, path: str) -> str:
    return f"{path}?next={request.url.path}"


def staff(request: Request, session: DbSession) -> StaffContext:
    auth = find_session(session, "staff", request.cookies.get(STAFF_COOKIE))
    if auth is None:
        raise LoginRequired(_login_url(request, "/console/login"))
    user = staff_service.get_user(session, auth.subject_id)
    if not user.active:
        raise LoginRequired("/console/login")
    touch(session, auth)
    _done(session)
    return StaffContext(user=user, actor=staff_service.actor_for(user), auth=auth)


def signed_in_staff(request: Request, session: Session) -> StaffContext | None:
    """For what staff may see and others may too, under another condition (API docs, metrics)."""
    try:
        return staff(request, session)
    except LoginRequired:
        return None


def staff_with(*roles: str) -> object:
    def check(ctx: Annotated[StaffContext, Depends(staff)]) -> StaffContext:
        if not ctx.actor.has_role(*roles):
            raise Forbidden()
        return ctx

    return Depends(check)


def staff_scope(ctx: Annotated[StaffContext, Depends(staff)], session: DbSession) -> scope.Scope:
    """Whose stays this staff member may act on (staff/scope.py)."""
    found = scope.of(session, ctx.user)
    _done(session)
    return found


def stay_in_scope(
    request: Request, session: DbSession, found: Annotated[scope.Scope, Depends(staff_scope)]
) -> None:
    """Refuses a route's `{notice_id}` outside the staff member's ward or department. Put on
    a route as `dependencies=[InScope]`; an unknown notice is left to the route (its 404)."""
    from bedside.admissions.models import AdmissionNotice

    raw = str(request.path_params.get("notice_id", ""))
    if not (raw.isdigit() and 0 < int(raw) <= MAX_ID):
        return  # the route's own parameter check answers
    notice = session.get(AdmissionNotice, int(raw))
    _done(session)
    if notice is not None:
        scope.check(found, notice.ward_id, notice.department_id, notice.issued_by_id)


InScope = Depends(stay_in_scope)


def account(request: Request, session: DbSession) -> AccountContext:
    auth = find_session(session, "account", request.cookies.get(PHONE_COOKIE))
    if auth is None:
        raise LoginRequired(_login_url(request, "/phone/login"))
    acct = accounts_service.get(session, auth.subject_id)
    touch(session, auth)
    _done(session)
    return AccountContext(account=acct, actor=accounts_service.actor_for(acct), auth=auth)


def kiosk(request: Request, session: DbSession) -> KioskContext:
    key = request.headers.get("x-kiosk-key") or request.cookies.get(KIOSK_COOKIE)
    try:
        device = kiosks_service.authenticate(session, key)
    except DomainError:
        if request.url.path.startswith("/kiosk"):
            raise LoginRequired("/kiosk/activate") from None
        raise
    _done(session)
    return KioskContext(kiosk=device, actor=kiosks_service.actor_for(device))


def kiosk_patient(
    request: Request, session: DbSession, device: Annotated[KioskContext, Depends(kiosk)]
) -> KioskPatientContext:
    auth = find_session(session, "kiosk_patient", request.cookies.get(KIOSK_PATIENT_COOKIE))
    if auth is None or auth.kiosk_id != device.kiosk.id:
        raise LoginRequired("/kiosk/")
    patient = patients_service.get(session, auth.subject_id)
    touch(session, auth)
    _done(session)
    return KioskPatientContext(kiosk=device.kiosk, patient=patient, actor=device.actor, auth=auth)


Staff = Annotated[StaffContext, Depends(staff)]
StaffScope = Annotated[scope.Scope, Depends(staff_scope)]
AccountUser = Annotated[AccountContext, Depends(account)]
KioskDevice = Annotated[KioskContext, Depends(kiosk)]
KioskPatient = Annotated[KioskPatientContext, Depends(kiosk_patient)]
