"""Message texts with %(name)s variables: which variables a text uses, whether an edited text
is well formed, and filling one in without ever failing on a missing value. Pure."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bedside.core.errors import InvalidInput
from bedside.core.i18n import N_

# "%%" is a literal percent sign; "%(name)s" a variable; any other "%" is a mistake.
_TOKEN = re.compile(r"%%|%\((?P<name>[A-Za-z_][A-Za-z0-9_]*)\)s|%")
MAX_TITLE = 100
MAX_BODY = 1000


def variables(text: str) -> set[str]:
    return {m.group("name") for m in _TOKEN.finditer(text) if m.group("name")}


def check(text: str, allowed: set[str], *, field: str, max_length: int) -> None:
    """Refuses a text with a malformed placeholder or a variable the message does not carry."""
    if len(text) > max_length:
        raise InvalidInput(
            N_("The text is too long (at most %(max)s characters)."),
            code="text_too_long",
            params={"max": max_length},
            field=field,
        )
    for match in _TOKEN.finditer(text):
        if match.group(0) == "%":
            raise InvalidInput(
                N_('Write variables as %%(name)s and a percent sign as %%%%: "%(near)s".'),
                code="bad_placeholder",
                params={"near": text[match.start() : match.start() + 12]},
                field=field,
            )
        name = match.group("name")
        if name and name not in allowed:
            raise InvalidInput(
                N_("This message has no variable %(name)s. Use: %(allowed)s."),
                code="unknown_variable",
                params={"name": name, "allowed": ", ".join(sorted(allowed)) or "-"},
                field=field,
            )


# "[...]" marks a phrase that only makes sense with its variables, e.g. "[, held until %(until)s]".
_OPTIONAL = re.compile(r"\[([^\[\]]*)\]")


class _Values(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "-"


def _phrases(text: str, params: Mapping[str, Any]) -> str:
    """Leaves out an optional phrase whose value is absent or empty, else keeps it unmarked."""

    def keep(match: re.Match[str]) -> str:
        inner = match.group(1)
        given = all(params.get(name) not in (None, "") for name in variables(inner))
        return inner if given else ""

    return _OPTIONAL.sub(keep, text)


def fill(text: str, params: Mapping[str, Any]) -> str:
    """Formats a checked text. A phrase in "[...]" is left out when a value it names is missing;
    any other value the event did not carry shows as "-"."""
    try:
        return _phrases(text, params) % _Values(params)
    except (TypeError, ValueError, KeyError):
        # Defaults and saved overrides are checked; this only guards old or hand-edited rows.
        return text
