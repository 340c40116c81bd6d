"""Console login with lock-out, and staff administration."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bedside.core import audit, ratelimit
from bedside.core.audit import Actor, AuditEvent
from bedside.core.auth import close_session, hash_password, open_session, verify_password
from bedside.core.db import utcnow
from bedside.core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from bedside.core.i18n import N_
from bedside.settings import get_settings
from bedside.staff.models import StaffRole, StaffUser
from bedside.staff.roles import Role

SESSION_KIND = "staff"
MIN_PASSWORD = 10


class LoginFailed(DomainError):
    status = 401
    code = "login_failed"
    message = N_("Wrong username or password.")


class AccountLocked(DomainError):
    status = 423
    code = "account_locked"
    message = N_("Too many failed attempts. This account is locked for %(minutes)s minutes.")


def actor_for(user: StaffUser) -> Actor:
    return Actor(kind="staff", id=user.id, label=user.username, roles=user.roles)


def _failure_rules() -> tuple[ratelimit.Rule, ratelimit.Rule, ratelimit.Rule]:
    """Failed logins slow down by address first: per (account, address), then per address
    across accounts (password spraying); the account itself locks only on more failures than
    one address may make, so that a stranger cannot lock a nurse out."""
    settings = get_settings()
    message = N_("Too many failed logins from here. Please try again in %(minutes)s minutes.")
    return (
        ratelimit.Rule(
            "staff_login_account_address",
            settings.rate_limit_staff_login_per_account_address,
            message,
            "login_rate_limited",
        ),
        ratelimit.Rule(
            "staff_login_address", settings.rate_limit_staff_login_per_address, message, "login_rate_limited"
        ),
        ratelimit.Rule(
            "staff_login_account", f"{settings.login_max_failures}/{settings.login_lockout_minutes} minutes"
        ),
    )


def login(session: Session, username: str, password: str) -> tuple[StaffUser, str]:
    """Checks the password and opens a session; failures are throttled, then lock the account."""
    settings = get_settings()
    # Unknown names are counted under the name too, so that the answers do not tell which exist.
    name = username.strip().lower()[:50]
    address = ratelimit.client_address()
    per_account_address, per_address, per_account = _failure_rules()
    limiter = ratelimit.limiter()
    limiter.check(per_address, address)
    limiter.check(per_account_address, name, address)
    user = session.scalar(select(StaffUser).where(StaffUser.username == name).with_for_update())
    now = utcnow()
    if user is None or not user.active:
        verify_password(password, None)
        limiter.count(per_address, address)
        limiter.count(per_account_address, name, address)
        audit.record(
            session,
            Actor("anonymous", None, username[:50]),
            "staff.login_failed",
            "staff_user",
            None,
            reason="unknown",
        )
        session.commit()
        raise LoginFailed()
    if user.locked_until is not None and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        audit.record(session, actor_for(user), "staff.login_refused_locked", "staff_user", user.id)
        session.commit()
        raise AccountLocked(params={"minutes": minutes})
    if not verify_password(password, user.password_hash):
        limiter.count(per_address, address)
        limiter.count(per_account_address, name, address)
        user.failed_logins += 1
        locked = not limiter.count(per_account, name)
        if locked:
            user.locked_until = now + timedelta(minutes=settings.login_lockout_minutes)
            user.failed_logins = 0
            limiter.clear(per_account, name)
        audit.record(session, actor_for(user), "staff.login_failed", "staff_user", user.id, locked=locked)
        session.commit()
        if locked:
            raise AccountLocked(params={"minutes": settings.login_lockout_minutes})
        raise LoginFailed()
    limiter.clear(per_account_address, name, address)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    token = open_session(session, SESSION_KIND, user.id, timedelta(hours=settings.staff_session_hours))
    audit.record(session, actor_for(user), "staff.login", "staff_user", user.id)
    session.commit()
    return user, token


def _clear_throttles(session: Session, user: StaffUser) -> None:
    """An admin's unlock also lifts the slow-down at the addresses that failed lately, for this
    account only: the nurse who mistyped at her own station is let back in."""
    per_account_address, _, per_account = _failure_rules()
    limiter = ratelimit.limiter()
    limiter.clear(per_account, user.username)
    longest = max((i.get_expiry() for i in ratelimit.parse(per_account_address.limits)), default=0)
    addresses = session.scalars(
        select(AuditEvent.ip)
        .where(
            AuditEvent.action == "staff.login_failed",
            AuditEvent.entity_id == str(user.id),
            AuditEvent.at > utcnow() - timedelta(seconds=longest),
        )
        .distinct()
    )
    for address in set(addresses):
        limiter.clear(per_account_address, user.username, ratelimit.address_key(address))


def logout(session: Session, actor: Actor, token: str | None) -> None:
    close_session(session, SESSION_KIND, token)
    audit.record(session, actor, "staff.logout", "staff_user", actor.id)
    session.commit()


def get_user(session: Session, user_id: int) -> StaffUser:
    user = session.get(StaffUser, user_id)
    if user is None:
        raise NotFound(N_("Staff user not found."), code="staff_not_found")
    return user


def list_users(session: Session) -> list[StaffUser]:
    return list(session.scalars(select(StaffUser).order_by(StaffUser.username)))


def _check_roles(roles: list[str]) -> list[str]:
    known = {r.value for r in Role}
    bad = [r for r in roles if r not in known]
    if bad or not roles:
        raise InvalidInput(N_("Choose at least one valid role."), code="invalid_role", field="roles")
    return sorted(set(roles))


def create_user(
    session: Session,
    actor: Actor,
    *,
    username: str,
    full_name: str,
    password: str,
    roles: list[str],
    department_id: int | None = None,
    ward_id: int | None = None,
    password_hash: str | None = None,
    commit: bool = True,
) -> StaffUser:
    if actor.kind != "system" and not actor.has_role(Role.ADMIN):
        raise Forbidden()
    name = username.strip().lower()
    if not name or not name.replace("_", "").replace(".", "").isalnum() or len(name) > 50:
        raise InvalidInput(
            N_("Usernames use letters, digits, dots and underscores."),
            code="invalid_username",
            field="username",
        )
    if not full_name.strip():
        raise InvalidInput(N_("A name is required."), code="name_required", field="full_name")
    if password_hash is None and len(password) < MIN_PASSWORD:
        raise InvalidInput(
            N_("Passwords need at least %(n)s characters."),
            code="weak_password",
            params={"n": MIN_PASSWORD},
            field="password",
        )
    if session.scalar(select(StaffUser.id).where(StaffUser.username == name)) is not None:
        raise Conflict(N_("That username is taken."), code="username_taken", field="username")
    department_id, ward_id = _home(session, department_id, ward_id)
    user = StaffUser(
        username=name,
        full_name=full_name.strip(),
        password_hash=password_hash or hash_password(password),
        department_id=department_id,
        ward_id=ward_id,
        role_rows=[StaffRole(role=r) for r in _check_roles(roles)],
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "staff.create", "staff_user", user.id, roles=",".join(user.roles))
    if commit:
        session.commit()
    return user


def _home(session: Session, department_id: int | None, ward_id: int | None) -> tuple[int | None, int | None]:
    """The department and ward a staff member works in (their role scope, staff/scope.py): a
    ward gives its department; both must exist and agree."""
    from bedside.hospital.models import Department, Ward

    too_big = 2**31 - 1  # row ids are 32-bit on PostgreSQL: a larger one is unknown, not an error
    if department_id is not None and (
        department_id > too_big or session.get(Department, department_id) is None
    ):
        raise InvalidInput(N_("Unknown department."), code="unknown_department", field="department_id")
    if ward_id is None:
        return department_id, None
    ward = session.get(Ward, ward_id) if ward_id <= too_big else None
    if ward is None or (department_id is not None and ward.department_id != department_id):
        raise InvalidInput(
            N_("Choose a ward of the staff member's department."), code="invalid_ward", field="ward_id"
        )
    return ward.department_id, ward.id


def unlock(session: Session, actor: Actor, user_id: int) -> StaffUser:
    if not actor.has_role(Role.ADMIN):
        raise Forbidden()
    user = get_user(session, user_id)
    user.locked_until = None
    user.failed_logins = 0
    _clear_throttles(session, user)
    audit.record(session, actor, "staff.unlock", "staff_user", user.id)
    session.commit()
    return user
