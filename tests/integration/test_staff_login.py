"""Console login: argon2 hashes, lock-out after repeated failures, audit rows."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bedside.core.audit import AuditEvent
from bedside.staff import service as staff_service
from tests import factories


def test_password_is_stored_as_argon2(session):
    user = factories.staff(session, "dr.li", "doctor")
    assert user.password_hash.startswith("$argon2id$")


def test_login_success_resets_failures_and_is_audited(session):
    factories.staff(session, "dr.li", "doctor")
    with pytest.raises(staff_service.LoginFailed):
        staff_service.login(session, "dr.li", "wrong-password")
    user, token = staff_service.login(session, "DR.LI", factories.PASSWORD)
    assert token and user.failed_logins == 0
    actions = list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions[-2:] == ["staff.login_failed", "staff.login"]


def test_lockout_after_repeated_failures_even_with_the_right_password(session):
    factories.staff(session, "dr.li", "doctor")
    for _ in range(4):
        with pytest.raises(staff_service.LoginFailed):
            staff_service.login(session, "dr.li", "nope-nope")
    with pytest.raises(staff_service.AccountLocked):
        staff_service.login(session, "dr.li", "nope-nope")
    with pytest.raises(staff_service.AccountLocked):
        staff_service.login(session, "dr.li", factories.PASSWORD)


def test_unknown_user_gets_the_same_error(session):
    with pytest.raises(staff_service.LoginFailed):
        staff_service.login(session, "nobody", "whatever-123")


def test_admin_unlocks(session):
    admin = factories.staff(session, "root", "admin")
    factories.staff(session, "dr.li", "doctor")
    for _ in range(5):
        with pytest.raises((staff_service.LoginFailed, staff_service.AccountLocked)):
            staff_service.login(session, "dr.li", "nope-nope")
    user = session.scalar(select(staff_service.StaffUser).where(staff_service.StaffUser.username == "dr.li"))
    staff_service.unlock(session, staff_service.actor_for(admin), user.id)
    assert staff_service.login(session, "dr.li", factories.PASSWORD)[1]
