"""An account's WeChat openid per service account, and the pending web authorizations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bedside.core.db import Base, utcnow


class WechatBinding(Base):
    """The openid WeChat gave this account's holder for one service account (app id). An openid
    is per app: the same person has another openid under another app id. `app_id` is empty
    for the recording sandbox that runs when no service account is configured."""

    __tablename__ = "wechat_bindings"
    __table_args__ = (UniqueConstraint("account_id", "app_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    app_id: Mapped[str] = mapped_column(String(32))
    openid: Mapped[str] = mapped_column(String(64), index=True)
    bound_at: Mapped[datetime] = mapped_column(default=utcnow)


class WechatOAuthState(Base):
    """One started authorization: the nonce of its `state`, the sign-in it belongs to, and
    when the callback used it (a state is good once)."""

    __tablename__ = "wechat_oauth_states"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    auth_session_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    used_at: Mapped[datetime | None]
