"""Setting and clearing the login cookies of each surface."""

from __future__ import annotations

from starlette.responses import Response

from bedside.settings import get_settings


def set_login(response: Response, name: str, token: str, max_age: int | None) -> None:
    response.set_cookie(
        name,
        token,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=get_settings().cookie_secure,
        path="/",
    )


def clear(response: Response, name: str) -> None:
    response.delete_cookie(name, path="/")
