"""Passwords, server-side login sessions and their CSRF tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from pwdlib import PasswordHash
from sqlalchemy import String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from bedside.core import context
from bedside.core.db import Base, utcnow

_hasher = PasswordHash.recommended()  # argon2id
_DUMMY_HASH = _hasher.hash("timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    if password_hash is None:
        # Same work for unknown users, so timing does not reveal which usernames exist.
        _hasher.verify(password, _DUMMY_HASH)
        return False
    try:
        return _hasher.verify(password, password_hash)
    except Exception:  # noqa: BLE001 - a malformed stored hash is a failed login, not a 500
        return False


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def keyed_digest(secret: str, value: str) -> str:
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()


class AuthSession(Base):
    """A login on one surface. Only the digest of the cookie's token is stored."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # staff | account | kiosk_patient
    subject_id: Mapped[int] = mapped_column(index=True)
    kiosk_id: Mapped[int | None]
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    idle_seconds: Mapped[int | None]
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))


def open_session(
    session: Session,
    kind: str,
    subject_id: int,
    lifetime: timedelta,
    *,
    kiosk_id: int | None = None,
    idle_seconds: int | None = None,
) -> str:
    """Creates the row in the caller's transaction and returns the cookie token."""
    token = secrets.token_urlsafe(32)
    session.add(
        AuthSession(
            token_hash=token_digest(token),
            kind=kind,
            subject_id=subject_id,
            kiosk_id=kiosk_id,
            csrf_token=secrets.token_urlsafe(32),
            expires_at=utcnow() + lifetime,
            idle_seconds=idle_seconds,
            ip=context.client_ip.get(),
            user_agent=(context.user_agent.get() or "")[:300] or None,
        )
    )
    return token


def find_session(session: Session, kind: str, token: str | None) -> AuthSession | None:
    if not token:
        return None
    row = session.scalar(
        select(AuthSession).where(AuthSession.token_hash == token_digest(token), AuthSession.kind == kind)
    )
    if row is None:
        return None
    now = utcnow()
    if row.expires_at <= now:
        return None
    if row.idle_seconds is not None and row.last_seen_at + timedelta(seconds=row.idle_seconds) <= now:
        return None
    return row


def touch(session: Session, row: AuthSession) -> None:
    # Written at most every few seconds so page views do not each cost a write; kiosk
    # sessions with a short idle limit are refreshed more eagerly.
    now = utcnow()
    threshold = 5 if row.idle_seconds is not None else 60
    if now - row.last_seen_at > timedelta(seconds=threshold):
        # The reads end first, so that on SQLite the write is a transaction of its own that
        # waits for the write lock instead of failing to upgrade a read.
        session.commit()
        row.last_seen_at = now
        session.commit()


def close_session(session: Session, kind: str, token: str | None) -> None:
    if token:
        session.execute(
            delete(AuthSession).where(AuthSession.token_hash == token_digest(token), AuthSession.kind == kind)
        )


def csrf_matches(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected, given or "")
