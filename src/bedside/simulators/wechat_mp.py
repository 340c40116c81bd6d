"""A WeChat official (service) account as its API host and OAuth host see it, on 127.0.0.1.

Paths as WeChat serves them: `GET /connect/oauth2/authorize` (the web authorization page; for
snsapi_base WeChat asks nothing and redirects straight back with `code` and `state`),
`GET /sns/oauth2/access_token` (code → openid; a code is good once, for five minutes),
`POST /cgi-bin/stable_token` (the app's access token by app id and secret) and
`POST /cgi-bin/message/template/send` (checks the token, the openid, the follower, the template
and each field's type limit with WeChat's errcodes). What it delivered is listed at
`GET /_sim/messages`; `/_sim/faults` injects timeouts, 5xx answers or errcodes per action.

The simulated WeChat user of a browser is kept in a cookie of the peer's host, so one browser is
one WeChat user, with one openid per app id (as WeChat derives it)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import json
import re
import secrets
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

CODE_TTL = 300.0
TOKEN_TTL = 7200
USER_COOKIE = "wx_sim_user"
FAULT_KINDS = ("timeout", "http_500", "http_502", "error")
ACTIONS = ("authorize", "sns_token", "stable_token", "template_send")
_STATE = re.compile(r"^[A-Za-z0-9]{0,128}$")
# Category-template field types and their limits (characters), as WeChat documents them.
_LIMITS = {"thing": 20, "phrase": 5, "symbol": 5, "phone_number": 17, "car_number": 8, "keyword": 200}
_ASCII = {"character_string": r"[\x21-\x7e]{1,32}", "number": r"[0-9.]{1,32}", "letter": r"[A-Za-z]{1,32}"}
_CLOCK = r"\d{1,2}:\d{2}(:\d{2})?"
_TIME = re.compile(
    rf"^(\d{{4}}年\d{{1,2}}月\d{{1,2}}日( {_CLOCK})?|\d{{4}}-\d{{2}}-\d{{2}}( {_CLOCK})?|{_CLOCK})$"
)
_KIND = re.compile(r"^([a-z_]+?)\d*$")


@dataclass
class WechatMpAccount:
    """The service account as its WeChat console holds it."""

    app_id: str
    secret: str
    # The web authorization's registered domain(s) (网页授权域名), host[:port].
    redirect_domains: set[str]
    # Template id -> the field names the template was chosen with (thing1, time3, ...).
    templates: dict[str, list[str]]
    inbox_file: Path | None = None


@dataclass
class Delivered:
    msgid: int
    touser: str
    template_id: str
    url: str
    data: dict[str, str]
    client_msg_id: str = ""
    at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())


@dataclass(frozen=True)
class Fault:
    kind: str
    errcode: int = 0
    errmsg: str = ""
    delay: float = 2.0


def _err(code: int, msg: str) -> JSONResponse:
    # WeChat appends a request id to every errmsg.
    return JSONResponse({"errcode": code, "errmsg": f"{msg} rid: {secrets.token_hex(4)}"})


def field_error(name: str, value: str) -> bool:
    """True when WeChat would refuse this value for the field's type (errcode 47003)."""
    match = _KIND.match(name)
    kind = match.group(1) if match else name
    if not value:
        return True
    if kind in _LIMITS:
        return len(value) > _LIMITS[kind]
    if kind == "name":
        return len(value) > (20 if value.isascii() else 10)
    if kind in _ASCII:
        return re.fullmatch(_ASCII[kind], value) is None
    if kind == "time" or kind == "date":
        return _TIME.match(value) is None
    if kind == "amount":
        return re.fullmatch(r"\d{1,10}(\.\d{1,2})?元?", value) is None
    return len(value) > 200


class WechatMpPeer:
    def __init__(self, account: WechatMpAccount) -> None:
        self.account = account
        self.inbox: list[Delivered] = []
        self.codes: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, float] = {}
        self.stable: str | None = None
        self.followers: set[str] = set()
        self.issued: set[str] = set()
        self.faults: dict[str, deque[Fault]] = {}
        self.seen_client_ids: dict[str, int] = {}
        self._ids = itertools.count(3_000_000_001)
        self._lock = threading.Lock()

    def openid(self, user: str) -> str:
        # WeChat's openids are 28 characters and differ per app id for the same person.
        digest = hashlib.sha256(f"{self.account.app_id}:{user}".encode()).digest()
        return "o" + base64.urlsafe_b64encode(digest).decode()[:27]

    def add_fault(self, action: str, fault: Fault, times: int = 1) -> None:
        with self._lock:
            self.faults.setdefault(action, deque()).extend([fault] * times)

    async def fault(self, action: str) -> Response | None:
        with self._lock:
            queue = self.faults.get(action)
            fault = queue.popleft() if queue else None
        if fault is None:
            return None
        if fault.kind == "timeout":
            await asyncio.sleep(fault.delay)
            return JSONResponse({"errmsg": "gateway timeout"}, status_code=504)
        if fault.kind.startswith("http_"):
            return Response("upstream error", status_code=int(fault.kind[5:]))
        return _err(fault.errcode, fault.errmsg or "system error")

    def reset(self) -> None:
        with self._lock:
            self.inbox.clear()
            self.codes.clear()
            self.faults.clear()
            self.seen_client_ids.clear()

    def messages(self, touser: str = "") -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(m) for m in self.inbox if not touser or m.touser == touser]

    def token_ok(self, token: str) -> int:
        """0, or the errcode for this access token: 40001 unknown, 42001 expired."""
        expires = self.tokens.get(token)
        if expires is None:
            return 40001
        return 42001 if time.time() > expires else 0

    def issue_token(self, force: bool) -> tuple[str, int]:
        with self._lock:
            if not force and self.stable and self.token_ok(self.stable) == 0:
                return self.stable, int(self.tokens[self.stable] - time.time())
            token = secrets.token_urlsafe(48)
            self.tokens[token] = time.time() + TOKEN_TTL
            self.stable = token
            return token, TOKEN_TTL

    def template_send(self, body: Any) -> JSONResponse:
        if not isinstance(body, dict):
            return _err(47001, "data format error")
        touser, template_id = str(body.get("touser", "")), str(body.get("template_id", ""))
        if touser not in self.issued:
            return _err(40003, "invalid openid")
        if touser not in self.followers:
            return _err(43004, "require subscribe")
        fields = self.account.templates.get(template_id)
        if fields is None:
            return _err(40037, "invalid template_id")
        data = body.get("data")
        if not isinstance(data, dict) or set(data) != set(fields):
            return _err(47003, "argument invalid! data fields do not match the template")
        values: dict[str, str] = {}
        for name, item in data.items():
            value = item.get("value") if isinstance(item, dict) else None
            if not isinstance(value, str) or field_error(name, value):
                return _err(47003, f"argument invalid! data.{name}.value invalid")
            values[name] = value
        url = str(body.get("url", ""))
        if url and not url.startswith(("http://", "https://")):
            return _err(40039, "invalid url size")
        client_id = str(body.get("client_msg_id", ""))
        with self._lock:
            # A repeat of the same client_msg_id is not shown to the user twice.
            if client_id and client_id in self.seen_client_ids:
                return JSONResponse({"errcode": 0, "errmsg": "ok", "msgid": self.seen_client_ids[client_id]})
            message = Delivered(next(self._ids), touser, template_id, url, values, client_id)
            self.inbox.append(message)
            if client_id:
                self.seen_client_ids[client_id] = message.msgid
        if self.account.inbox_file:
            with self.account.inbox_file.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(asdict(message), ensure_ascii=False) + "\n")
        return JSONResponse({"errcode": 0, "errmsg": "ok", "msgid": message.msgid})


def _page(code: int, text: str) -> HTMLResponse:
    body = f'<!doctype html><meta charset="utf-8"><title>微信</title><p data-errcode="{code}">{text}</p>'
    return HTMLResponse(body, status_code=400)


def create_app(account: WechatMpAccount) -> tuple[FastAPI, WechatMpPeer]:
    peer = WechatMpPeer(account)
    app = FastAPI(title="WeChat official account peer", docs_url=None, redoc_url=None)

    @app.get("/connect/oauth2/authorize")
    async def authorize(request: Request) -> Response:
        q = request.query_params
        if (fault := await peer.fault("authorize")) is not None:
            return fault
        if not q.get("appid"):
            return _page(10012, "appid 不能为空")
        if q["appid"] != account.app_id:
            return _page(10016, "appid 参数错误")
        redirect = q.get("redirect_uri", "")
        if not redirect:
            return _page(10011, "redirect_uri 不能为空")
        parts = urlsplit(redirect)
        if parts.scheme not in ("http", "https") or parts.netloc not in account.redirect_domains:
            return _page(10003, "redirect_uri 域名与后台配置不一致")
        if q.get("response_type") != "code":
            return _page(10014, "response_type 参数错误")
        if q.get("scope") not in ("snsapi_base", "snsapi_userinfo"):
            return _page(10005, "此公众号并没有这些 scope 的权限")
        state = q.get("state", "")
        if not _STATE.match(state):
            return _page(10013, "state 参数错误")
        user = request.cookies.get(USER_COOKIE) or secrets.token_hex(8)
        openid = peer.openid(user)
        code = secrets.token_hex(16)
        with peer._lock:
            peer.codes[code] = {"openid": openid, "at": time.time(), "used": False, "scope": q["scope"]}
            peer.issued.add(openid)
            # Opening the service account's pages implies following it (a test may unfollow).
            peer.followers.add(openid)
        sep = "&" if parts.query else "?"
        target = redirect + sep + urlencode({"code": code, "state": state})
        response = RedirectResponse(target, status_code=302)
        response.set_cookie(USER_COOKIE, user, httponly=True, samesite="lax")
        return response

    @app.get("/sns/oauth2/access_token")
    async def sns_token(request: Request) -> Response:
        q = request.query_params
        if (fault := await peer.fault("sns_token")) is not None:
            return fault
        if q.get("appid") != account.app_id:
            return _err(40013, "invalid appid")
        if q.get("secret") != account.secret:
            return _err(40125, "invalid appsecret")
        if q.get("grant_type") != "authorization_code":
            return _err(40002, "invalid grant_type")
        code = q.get("code", "")
        if not code:
            return _err(41008, "missing code")
        with peer._lock:
            entry = peer.codes.get(code)
            if entry is None or time.time() - entry["at"] > CODE_TTL:
                return _err(40029, "invalid code")
            if entry["used"]:
                return _err(40163, "code been used")
            entry["used"] = True
        return JSONResponse(
            {
                "access_token": secrets.token_urlsafe(32),
                "expires_in": TOKEN_TTL,
                "refresh_token": secrets.token_urlsafe(32),
                "openid": entry["openid"],
                "scope": entry["scope"],
                "is_snapshotuser": 0,
            }
        )

    @app.post("/cgi-bin/stable_token")
    async def stable_token(request: Request) -> Response:
        if (fault := await peer.fault("stable_token")) is not None:
            return fault
        try:
            body = await request.json()
        except ValueError:
            return _err(47001, "data format error")
        if not isinstance(body, dict) or body.get("grant_type") != "client_credential":
            return _err(40002, "invalid grant_type")
        if body.get("appid") != account.app_id:
            return _err(40013, "invalid appid")
        if body.get("secret") != account.secret:
            return _err(40125, "invalid appsecret")
        token, expires = peer.issue_token(bool(body.get("force_refresh")))
        return JSONResponse({"access_token": token, "expires_in": expires})

    @app.post("/cgi-bin/message/template/send")
    async def template_send(request: Request) -> Response:
        if (fault := await peer.fault("template_send")) is not None:
            return fault
        code = peer.token_ok(request.query_params.get("access_token", ""))
        if code == 40001:
            return _err(40001, "invalid credential, access_token is invalid or not latest")
        if code == 42001:
            return _err(42001, "access_token expired")
        raw = await request.body()
        if not raw.strip():
            return _err(44002, "empty post data")
        try:
            body = json.loads(raw)
        except ValueError:
            return _err(47001, "data format error")
        return peer.template_send(body)

    _control_routes(app, peer)
    return app, peer


def _control_routes(app: FastAPI, peer: WechatMpPeer) -> None:
    @app.get("/_sim/messages")
    def messages(touser: str = "") -> dict[str, Any]:
        return {"messages": peer.messages(touser)}

    @app.post("/_sim/faults")
    async def faults(request: Request) -> dict[str, Any]:
        spec = await request.json()
        if spec.get("fault") not in FAULT_KINDS or spec.get("action") not in ACTIONS:
            return {"ok": False, "error": f"fault in {FAULT_KINDS}, action in {ACTIONS}"}
        fault = Fault(
            spec["fault"],
            int(spec.get("errcode", 0)),
            str(spec.get("errmsg", "")),
            float(spec.get("delay", 2.0)),
        )
        peer.add_fault(spec["action"], fault, int(spec.get("times", 1)))
        return {"ok": True}

    @app.post("/_sim/unfollow")
    async def unfollow(request: Request) -> dict[str, Any]:
        openid = str((await request.json()).get("openid", ""))
        with peer._lock:
            peer.followers.discard(openid)
        return {"ok": True}

    @app.post("/_sim/expire-tokens")
    def expire_tokens() -> dict[str, Any]:
        with peer._lock:
            peer.tokens = {token: 0.0 for token in peer.tokens}
        return {"ok": True}

    @app.post("/_sim/reset")
    def reset() -> dict[str, Any]:
        peer.reset()
        return {"ok": True}
