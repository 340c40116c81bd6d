"""Gettext catalogs (Babel) for zh_CN and en; English message ids are the source language."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES = ("zh_CN", "en")
DEFAULT_LOCALE = "zh_CN"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def N_(message: str) -> str:
    """Marks a message id for extraction without translating it yet."""
    return message


@cache
def translations(locale: str) -> NullTranslations:
    po = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if locale == "en" or not po.exists():
        return NullTranslations()
    # Compiled in memory from the .po so the repository carries no binary catalogs.
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(buf)


def normalize(locale: str | None) -> str:
    if not locale:
        return DEFAULT_LOCALE
    value = locale.replace("-", "_")
    if value.lower().startswith("en"):
        return "en"
    if value.lower().startswith("zh"):
        return "zh_CN"
    return DEFAULT_LOCALE


def gettext(locale: str, message: str, **params: object) -> str:
    text = translations(locale).gettext(message)
    return text % params if params else text
