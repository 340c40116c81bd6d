"""WeChat service-account template messages.

`POST https://api.weixin.qq.com/cgi-bin/message/template/send?access_token=TOKEN` with
`{"touser": openid, "template_id": ..., "url": ..., "client_msg_id": ..., "data": {"thing1":
{"value": ...}, ...}}`; the answer is `{"errcode": 0, "errmsg": "ok", "msgid": ...}`, any other
errcode is a failure. Category templates name their fields by type and refuse (errcode 47003)
a value over the type's limit, so values are fitted here: thing ≤ 20 characters, phrase ≤ 5,
name ≤ 10 Chinese characters (20 letters), character_string / number / letter ≤ 32 ASCII,
symbol ≤ 5, phone_number ≤ 17; the old keywordN fields fold after 20. The access token comes
from `cgi-bin/stable_token` and is cached until shortly before it expires.

Which WeChat template a message uses, and which of our values fills each field, is the
hospital's configuration (settings.wechat_templates): per template key or under "default",
`{"template_id": "...", "fields": {"thing1": "title", "thing2": "body", "time3": "time"}}`, a
source being title, body, time, patient, hospital, param:<name>, or =<fixed text>."""

from __future__ import annotations

import itertools
import json
import logging
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import httpx

from bedside.notifications.channels import Outgoing, Result
from bedside.settings import get_settings

log = logging.getLogger("bedside.notify.wechat")

DEFAULT_FIELDS = {"thing1": "title", "thing2": "body", "time3": "time"}
_LIMITS = {"thing": 20, "keyword": 20, "phrase": 5, "symbol": 5, "phone_number": 17, "car_number": 8}
_ASCII_LIMITS = {"character_string": 32, "number": 32, "letter": 32}
_KIND = re.compile(r"^([a-z_]+?)\d*$")
# Token problems a fresh token fixes: invalid (40001, 40014) or expired (42001).
_TOKEN_ERRORS = {40001, 40014, 42001}
# Errors another attempt cannot fix: bad openid, not following, bad template id, bad field.
_PERMANENT = {40003, 40036, 40037, 43004, 43101, 47003}


def field_kind(field: str) -> str:
    match = _KIND.match(field)
    return match.group(1) if match else field


def _cut(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def fit(field: str, value: str) -> str:
    """A value shaped to what the field's type accepts (truncated with an ellipsis)."""
    value = " ".join(value.split())
    kind = field_kind(field)
    if kind in _LIMITS:
        return _cut(value, _LIMITS[kind])
    if kind == "name":
        return _cut(value, 20 if value.isascii() else 10)
    if kind in _ASCII_LIMITS:
        allowed = {
            "character_string": lambda c: c.isascii() and c.isprintable() and c != " ",
            "number": lambda c: c.isdigit() or c == ".",
            "letter": lambda c: c.isascii() and c.isalpha(),
        }[kind]
        return "".join(c for c in value if allowed(c))[: _ASCII_LIMITS[kind]]
    return value


def _source(source: str, message: Outgoing) -> str:
    if source.startswith("="):
        return source[1:]
    if source.startswith("param:"):
        return str(message.params.get(source[6:], ""))
    if source == "title":
        return message.title
    if source == "body":
        return message.body
    if source == "patient":
        return str(message.params.get("patient", ""))
    if source == "hospital":
        return get_settings().hospital_name
    if source == "time":
        when = message.created_at
        return when.astimezone(get_settings().tz).strftime("%Y年%m月%d日 %H:%M") if when else ""
    return ""


def build_body(message: Outgoing, template_id: str, fields: Mapping[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {"touser": message.address, "template_id": template_id}
    if message.link:
        base = get_settings().base_url.rstrip("/")
        body["url"] = message.link if message.link.startswith("http") else base + message.link
    # WeChat sends one message per openid and client_msg_id: a retry after a lost answer
    # cannot show the patient the message twice.
    body["client_msg_id"] = f"bedside-{message.delivery_id}"
    body["data"] = {name: {"value": fit(name, _source(src, message))} for name, src in fields.items()}
    return body


class WechatError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


class WechatTransport(Protocol):
    def send_template(self, body: dict[str, Any]) -> dict[str, Any]: ...


class HttpxWechatTransport:
    """The real API over HTTPS; the token is shared by every sender of this process."""

    def __init__(
        self,
        app_id: str,
        secret: str,
        base_url: str = "https://api.weixin.qq.com",
        client: httpx.Client | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app_id, self.secret, self.base_url = app_id, secret, base_url.rstrip("/")
        self.client = client or httpx.Client(timeout=10)
        self.clock = clock
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()

    def access_token(self, *, force: bool = False) -> str:
        with self._lock:
            if not force and self._token and self.clock() < self._expires:
                return self._token
            answer = self.client.post(
                f"{self.base_url}/cgi-bin/stable_token",
                json={
                    "grant_type": "client_credential",
                    "appid": self.app_id,
                    "secret": self.secret,
                    "force_refresh": force,
                },
            ).json()
            if not answer.get("access_token"):
                raise WechatError(int(answer.get("errcode", -1)), str(answer.get("errmsg", "")))
            self._token = str(answer["access_token"])
            # Renewed five minutes early so a token never expires between fetch and use.
            self._expires = self.clock() + max(60, int(answer.get("expires_in", 7200)) - 300)
            return self._token

    def _post(self, body: dict[str, Any], token: str) -> dict[str, Any]:
        response = self.client.post(
            f"{self.base_url}/cgi-bin/message/template/send",
            params={"access_token": token},
            content=json.dumps(body, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        answer: dict[str, Any] = response.json()
        return answer

    def send_template(self, body: dict[str, Any]) -> dict[str, Any]:
        answer = self._post(body, self.access_token())
        if answer.get("errcode") in _TOKEN_ERRORS:
            answer = self._post(body, self.access_token(force=True))
        return answer


class RecordingWechatTransport:
    """The sandbox: keeps every request body and answers as WeChat would. `script` holds
    answers to give first (e.g. `{"errcode": 45009, "errmsg": "api freq out of limit"}`)."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.script: deque[dict[str, Any]] = deque()
        self._ids = itertools.count(200228332)
        self._lock = threading.Lock()

    def send_template(self, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            if self.script:
                return self.script.popleft()
            self.sent.append(body)
            log.info("sandbox WeChat message %s to %s", body.get("template_id"), body.get("touser"))
            return {"errcode": 0, "errmsg": "ok", "msgid": next(self._ids)}


def transport_from_settings() -> WechatTransport:
    settings = get_settings()
    if settings.wechat_app_id and settings.wechat_app_secret:
        return HttpxWechatTransport(
            settings.wechat_app_id,
            settings.wechat_app_secret,
            settings.wechat_api_url,
            client=httpx.Client(timeout=settings.wechat_timeout_seconds),
        )
    return RecordingWechatTransport()


class WechatChannel:
    name = "wechat"

    def __init__(self, transport: WechatTransport, templates: Mapping[str, Any] | None = None) -> None:
        self.transport = transport
        self.templates = templates

    def _spec(self, key: str) -> tuple[str, Mapping[str, str]] | None:
        templates = self.templates if self.templates is not None else get_settings().wechat_templates
        spec = templates.get(key) or templates.get("default")
        if isinstance(spec, Mapping) and spec.get("template_id"):
            return str(spec["template_id"]), spec.get("fields") or DEFAULT_FIELDS
        if isinstance(self.transport, RecordingWechatTransport):
            return f"sandbox-{key}", DEFAULT_FIELDS
        return None

    def send(self, message: Outgoing) -> Result:
        spec = self._spec(message.template)
        if spec is None:
            return Result(
                ok=False, code="no_template", error="no WeChat template configured", retryable=False
            )
        body = build_body(message, *spec)
        try:
            answer = self.transport.send_template(body)
        except WechatError as exc:
            return Result(ok=False, code=str(exc.code), error=str(exc)[:500])
        except (httpx.HTTPError, ValueError) as exc:
            return Result(ok=False, code="network", error=f"{type(exc).__name__}: {exc}"[:500])
        code = answer.get("errcode", -1)
        if code == 0:
            return Result(ok=True, provider_ref=str(answer.get("msgid", ""))[:64] or None)
        return Result(
            ok=False,
            code=str(code),
            error=str(answer.get("errmsg", ""))[:500],
            retryable=code not in _PERMANENT,
        )
