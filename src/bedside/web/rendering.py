"""Template environment, locale choice and the render helper shared by the three surfaces."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, select_autoescape
from markupsafe import Markup
from starlette.responses import Response

from bedside.core.i18n import normalize, translations
from bedside.core.money import format_yuan
from bedside.core.pii import mask_card, mask_name, mask_phone, mask_resident_id
from bedside.settings import get_settings
from bedside.web import security
from bedside.web.labels import LABELS

WEB_DIR = Path(__file__).resolve().parent
LANG_COOKIE = "bs_lang"
HTMX_VERSION = "2.0.11"


def _localtime(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return ""
    return value.astimezone(get_settings().tz).strftime(fmt)


def _isodate(value: date | None) -> str:
    return value.isoformat() if value else ""


def _qr_svg(data: str) -> Markup:
    from bedside.documents.qr import qr_svg

    # segno's SVG carries only the module path; nothing from `data` is markup.
    return Markup(qr_svg(data, scale=8))  # noqa: S704


def _make_env() -> Environment:
    env = Environment(
        loader=ChoiceLoader(
            [
                PrefixLoader(
                    {
                        name: FileSystemLoader(WEB_DIR / name / "templates")
                        for name in ("phone", "kiosk", "console", "shared", "sandbox")
                    }
                ),
            ]
        ),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        yuan=format_yuan,
        mask_id=mask_resident_id,
        mask_phone=mask_phone,
        mask_name=mask_name,
        mask_card=mask_card,
        localtime=_localtime,
        isodate=_isodate,
        qr_svg=_qr_svg,
    )
    env.globals["htmx_version"] = HTMX_VERSION
    return env


templates = Jinja2Templates(env=_make_env())


def locale_of(request: Request) -> str:
    cached = getattr(request.state, "locale", None)
    if cached:
        return str(cached)
    chosen = request.cookies.get(LANG_COOKIE)
    locale = normalize(chosen) if chosen else get_settings().locale
    request.state.locale = locale
    return locale


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    locale = locale_of(request)
    trans = translations(locale)
    ctx: dict[str, Any] = {
        "request": request,
        "locale": locale,
        "gettext": trans.gettext,
        "ngettext": trans.ngettext,
        "settings": get_settings(),
        "csrf_token": security.csrf_token(request),
        "label": lambda kind, value: trans.gettext(LABELS.get(kind, {}).get(str(value), str(value))),
    }
    ctx.update(context or {})
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)
