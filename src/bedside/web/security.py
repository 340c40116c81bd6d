"""CSRF protection for cookie-authenticated requests.

Every browser gets a random, HttpOnly `bs_anon` cookie (renewed at each login and logout). The
CSRF token is an HMAC of it under the server secret: forms carry it as `csrf_token`, htmx and
fetch send it as `X-CSRF-Token`. A cross-site page can neither read the cookie nor compute the
token, so its forged form is refused."""

from __future__ import annotations

import re
import secrets

from fastapi import Request

from bedside.core.auth import keyed_digest
from bedside.core.errors import DomainError
from bedside.core.i18n import N_
from bedside.settings import get_settings

ANON_COOKIE = "bs_anon"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class CsrfFailed(DomainError):
    status = 403
    code = "csrf_failed"
    message = N_("This form has expired. Please reload the page and try again.")


def _anon_value(request: Request) -> str:
    value = getattr(request.state, "anon", None) or request.cookies.get(ANON_COOKIE)
    if not value or len(value) < 20:
        value = secrets.token_urlsafe(24)
        request.state.anon_new = True
    request.state.anon = value
    return str(value)


def csrf_token(request: Request) -> str:
    return keyed_digest(get_settings().secret_key, "csrf:" + _anon_value(request))


def renew_anon(request: Request) -> None:
    """Called at login/logout so a token seen before cannot be replayed after."""
    request.state.anon = secrets.token_urlsafe(24)
    request.state.anon_new = True


def anon_cookie_header(state: dict[str, object]) -> bytes | None:
    """The Set-Cookie value to add when this request created or renewed the anon cookie."""
    if not state.get("anon_new"):
        return None
    flags = "; HttpOnly; SameSite=Lax; Path=/; Max-Age=2592000"
    if get_settings().cookie_secure:
        flags += "; Secure"
    return f"{ANON_COOKIE}={state['anon']}{flags}".encode("latin-1")


class ControlCharacters(DomainError):
    status = 422
    code = "invalid_characters"
    message = N_("The text contains characters that are not allowed.")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _json_has_control(data: object) -> bool:
    # A loop, not recursion: a body nested nearly as deep as the parser allows must not
    # overflow the stack here.
    pending = [data]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if _CONTROL.search(value):
                return True
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False


async def refuse_control_characters(request: Request) -> None:
    """Router dependency: refuses control characters in query, form and JSON values, whatever
    the database (PostgreSQL refuses a NUL, SQLite would store it)."""
    if any(_CONTROL.search(v) for v in request.query_params.values()):
        raise ControlCharacters()
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        if any(isinstance(v, str) and _CONTROL.search(v) for v in form.values()):
            raise ControlCharacters()
    elif content_type.startswith("application/json") and await request.body():
        try:
            data = await request.json()  # parsed once: FastAPI reads the same cached value
        except (ValueError, RecursionError):
            return  # not JSON: FastAPI answers that itself
        if _json_has_control(data):
            raise ControlCharacters()


async def guard_request(request: Request) -> None:
    """Router dependency: refuses control characters (refuse_control_characters), and unsafe
    requests without the matching CSRF token."""
    await refuse_control_characters(request)
    content_type = request.headers.get("content-type", "")
    is_form = content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))
    if request.method not in UNSAFE:
        return
    given = request.headers.get("x-csrf-token")
    if not given and is_form:
        value = (await request.form()).get("csrf_token")
        given = value if isinstance(value, str) else None
    cookie = request.cookies.get(ANON_COOKIE)
    if not cookie or not given:
        raise CsrfFailed()
    expected = keyed_digest(get_settings().secret_key, "csrf:" + cookie)
    if not secrets.compare_digest(expected, given):
        raise CsrfFailed()
