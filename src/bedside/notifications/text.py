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


class _Values(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "-"


def fill(text: str, params: Mapping[str, Any]) -> str:
    """Formats a checked text; a value the event did not carry shows as "-"."""
    try:
        return text % _Values(params)
    except (TypeError, ValueError, KeyError):
        # Defaults and saved overrides are checked; this only guards old or hand-edited rows.
        return text
