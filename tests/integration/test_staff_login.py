"""Console login: argon2 hashes, a slow-down per address before any lock-out, audit rows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import select

from bedside.core import context
from bedside.core.audit import AuditEvent
from bedside.core.errors import RateLimited
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


@contextmanager
def from_address(address: str) -> Iterator[None]:
    token = context.client_ip.set(address)
    try:
        yield
    finally:
        context.client_ip.reset(token)


def test_one_address_is_slowed_down_and_cannot_lock_the_account(session):
    factories.staff(session, "dr.li", "doctor")
    with from_address("203.0.113.7"):
        for _ in range(5):
            with pytest.raises(staff_service.LoginFailed):
                staff_service.login(session, "dr.li", "nope-nope")
        with pytest.raises(RateLimited) as refused:
            staff_service.login(session, "dr.li", factories.PASSWORD)
    assert refused.value.code == "login_rate_limited" and refused.value.retry_after
    with from_address("10.0.0.8"):
        assert staff_service.login(session, "dr.li", factories.PASSWORD)[1]


def test_lockout_after_failures_from_many_addresses_even_with_the_right_password(session):
    factories.staff(session, "dr.li", "doctor")
    # The defaults: 25 failures lock, one address may make 5 of them.
    for n in range(5):
        with from_address(f"198.51.100.{n}"):
            for attempt in range(5):
                last = (n, attempt) == (4, 4)
                with pytest.raises(staff_service.AccountLocked if last else staff_service.LoginFailed):
                    staff_service.login(session, "dr.li", "nope-nope")
    with from_address("10.0.0.8"), pytest.raises(staff_service.AccountLocked):
        staff_service.login(session, "dr.li", factories.PASSWORD)


def test_unknown_user_gets_the_same_error(session):
    with pytest.raises(staff_service.LoginFailed):
        staff_service.login(session, "nobody", "whatever-123")


def test_admin_unlock_lets_the_nurse_in_at_once(session):
    admin = factories.staff(session, "root", "admin")
    factories.staff(session, "dr.li", "doctor")
    for _ in range(5):
        with pytest.raises(staff_service.LoginFailed):
            staff_service.login(session, "dr.li", "nope-nope")
    with pytest.raises(RateLimited):
        staff_service.login(session, "dr.li", factories.PASSWORD)
    user = session.scalar(select(staff_service.StaffUser).where(staff_service.StaffUser.username == "dr.li"))
    staff_service.unlock(session, staff_service.actor_for(admin), user.id)
    assert staff_service.login(session, "dr.li", factories.PASSWORD)[1]
