"""An account's WeChat openid: bound through the service account's web authorization
(snsapi_base, wechat_oauth.py), one per account and app id, replaced by a new binding, removed
by unbinding, each change audited. `openid_for` is the one source of the openid for WeChat
template messages and JSAPI payments (payer.openid).

The OAuth `state` is `nonce + issued-at + HMAC(secret key; nonce, issued-at, account, sign-in)`:
a forged or altered state fails the signature, a state from another sign-in or account fails
it too, an old one fails its age, and the nonce's row is marked used before the code is
exchanged, so a replayed callback binds nothing."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bedside.accounts.wechat_models import WechatBinding, WechatOAuthState
from bedside.accounts.wechat_oauth import MESSAGES, WechatOAuth, WechatOAuthError
from bedside.core import audit
from bedside.core.audit import Actor
from bedside.core.db import utcnow
from bedside.core.errors import DomainError, Forbidden
from bedside.core.i18n import N_
from bedside.settings import get_settings

STATE_TTL = timedelta(minutes=10)
CALLBACK_PATH = "/phone/wechat/callback"
_STATE = re.compile(r"^([0-9a-f]{24})([0-9]{10})([0-9a-f]{40})$")


class WechatBindError(DomainError):
    status = 400
    code = "wechat_bind_failed"


def current_app_id() -> str:
    """The configured service account's app id; empty: the recording sandbox."""
    settings = get_settings()
    return settings.wechat_app_id if settings.wechat_app_secret else ""


def openid_for(session: Session, account_id: int) -> str | None:
    """The account holder's openid under the configured service account, if bound."""
    return session.scalar(
        select(WechatBinding.openid).where(
            WechatBinding.account_id == account_id, WechatBinding.app_id == current_app_id()
        )
    )


def openids_for(session: Session, account_ids: set[int]) -> dict[int, str]:
    if not account_ids:
        return {}
    rows = session.execute(
        select(WechatBinding.account_id, WechatBinding.openid).where(
            WechatBinding.account_id.in_(account_ids), WechatBinding.app_id == current_app_id()
        )
    )
    return {account_id: openid for account_id, openid in rows}


def callback_url() -> str:
    return get_settings().base_url.rstrip("/") + CALLBACK_PATH


def _sign(nonce: str, issued: str, account_id: int, auth_session_id: int) -> str:
    key = get_settings().secret_key.encode()
    text = f"wechat-oauth:{nonce}:{issued}:{account_id}:{auth_session_id}".encode()
    return hmac.new(key, text, hashlib.sha256).hexdigest()[:40]


def start(session: Session, oauth: WechatOAuth, account_id: int, auth_session_id: int) -> str:
    """A new single-use state for this sign-in; returns WeChat's authorize URL."""
    now = utcnow()
    # Unused states die with their age; pruned here so the table stays small.
    session.execute(delete(WechatOAuthState).where(WechatOAuthState.created_at < now - timedelta(days=1)))
    nonce = secrets.token_hex(12)
    issued = f"{int(now.timestamp()):010d}"
    session.add(
        WechatOAuthState(nonce=nonce, account_id=account_id, auth_session_id=auth_session_id, created_at=now)
    )
    session.commit()
    state = nonce + issued + _sign(nonce, issued, account_id, auth_session_id)
    return oauth.authorize_url(callback_url(), state)


def _take_state(session: Session, state: str, account_id: int, auth_session_id: int) -> None:
    refused = WechatBindError(
        N_("This WeChat authorization is not valid for this sign-in. Start binding again."),
        code="wechat_state_invalid",
    )
    match = _STATE.match(state or "")
    if match is None:
        raise refused
    nonce, issued, signature = match.groups()
    if not hmac.compare_digest(signature, _sign(nonce, issued, account_id, auth_session_id)):
        raise refused
    now = utcnow()
    if not 0 <= now.timestamp() - int(issued) <= STATE_TTL.total_seconds():
        raise WechatBindError(
            N_("This WeChat authorization has expired. Start binding again."), code="wechat_state_expired"
        )
    taken = session.execute(
        update(WechatOAuthState)
        .where(
            WechatOAuthState.nonce == nonce,
            WechatOAuthState.account_id == account_id,
            WechatOAuthState.auth_session_id == auth_session_id,
            WechatOAuthState.used_at.is_(None),
        )
        .values(used_at=now)
    )
    # Committed before the code is exchanged: a second callback with this state finds it used.
    session.commit()
    if getattr(taken, "rowcount", 0) != 1:
        raise refused


def finish(
    session: Session,
    oauth: WechatOAuth,
    actor: Actor,
    account_id: int,
    auth_session_id: int,
    *,
    code: str,
    state: str,
) -> WechatBinding:
    """The callback: checks and uses the state, exchanges the code, binds the openid."""
    if actor.kind != "account" or actor.id != account_id:
        raise Forbidden()
    _take_state(session, state, account_id, auth_session_id)
    if not code or len(code) > 128:
        raise WechatBindError(
            N_("WeChat did not confirm this authorization. Try binding again."), code="wechat_no_code"
        )
    try:
        identity = oauth.exchange_code(code)
    except WechatOAuthError as exc:
        audit.record(
            session, actor, "wechat.bind_failed", "account", account_id,
            app_id=oauth.app_id, failure=exc.failure.value, errcode=exc.code,
        )  # fmt: skip
        session.commit()
        raise WechatBindError(MESSAGES[exc.failure], code=f"wechat_{exc.failure.value}") from None
    return bind(session, actor, account_id, oauth.app_id, identity.openid)


def bind(session: Session, actor: Actor, account_id: int, app_id: str, openid: str) -> WechatBinding:
    """Binds (or rebinds, replacing) the account's openid for this app id."""
    row = session.scalar(
        select(WechatBinding).where(WechatBinding.account_id == account_id, WechatBinding.app_id == app_id)
    )
    replaced = row is not None and row.openid != openid
    if row is None:
        row = WechatBinding(account_id=account_id, app_id=app_id, openid=openid)
        session.add(row)
    else:
        row.openid, row.bound_at = openid, utcnow()
    # The audit names the openid by its digest only: enough to tell bindings apart.
    audit.record(
        session, actor, "wechat.bind", "account", account_id,
        app_id=app_id, replaced=replaced, openid_sha256=hashlib.sha256(openid.encode()).hexdigest()[:16],
    )  # fmt: skip
    try:
        session.commit()
    except IntegrityError:
        # A second callback for the same account won the insert: this one replaces it.
        session.rollback()
        return bind(session, actor, account_id, app_id, openid)
    return row


def unbind(session: Session, actor: Actor, account_id: int) -> bool:
    if actor.kind != "account" or actor.id != account_id:
        raise Forbidden()
    app_id = current_app_id()
    gone = session.execute(
        delete(WechatBinding).where(WechatBinding.account_id == account_id, WechatBinding.app_id == app_id)
    )
    removed = getattr(gone, "rowcount", 0) > 0
    audit.record(session, actor, "wechat.unbind", "account", account_id, app_id=app_id, removed=removed)
    session.commit()
    return removed


def sandbox_openid(account_id: int) -> str:
    """The recording sandbox's stable stand-in openid (no service account configured)."""
    digest = hashlib.sha256(f"{get_settings().secret_key}:openid:{account_id}".encode()).hexdigest()
    return "o-sandbox-" + digest[:18]
