"""Which registered vendor template a message kind uses, and what fills its variables.

Both vendors send only texts of templates the hospital registered and had approved, under an
approved sign name; Bedside sends the template's code and the variables' values. The hospital
configures them in BEDSIDE_SMS_TEMPLATES (JSON), keyed by message kind: `login_code` for the
login and consent codes, a notification template key (e.g. `admission_ready`), or `default`
for every notification without its own. A value is the template code alone, or
`{"template": "SMS_123", "sign_name": "...", "params": {"code": "code", "min": "minutes"}}`,
where each variable names its source: for login codes `code` or `minutes`; for notifications
`title`, `body` or `param:<name>`; for both `hospital` or `=<fixed text>`. Aliyun takes the
variables by name; Tencent's {1}, {2} … take them in the order written."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

LOGIN_CODE = "login_code"
DEFAULT = "default"
LOGIN_PARAMS = {"code": "code"}
NOTIFICATION_PARAMS = {"title": "title", "body": "body"}
_SOURCES = {"code", "minutes", "title", "body", "hospital"}


@dataclass(frozen=True)
class TemplateSpec:
    template: str
    sign_name: str
    params: Mapping[str, str]


def check_config(templates: Mapping[str, Any]) -> None:
    """Raises ValueError naming the first entry that is not of the documented shape."""
    for kind, spec in templates.items():
        if isinstance(spec, str) and spec:
            continue
        if not isinstance(spec, Mapping) or not isinstance(spec.get("template"), str | int):
            raise ValueError(f"SMS template {kind!r}: expected a code or {{'template': code, ...}}")
        params = spec.get("params", {})
        if not isinstance(params, Mapping):
            raise ValueError(f"SMS template {kind!r}: params must map variables to sources")
        for name, source in params.items():
            if not isinstance(source, str) or not (source in _SOURCES or source.startswith(("param:", "="))):
                raise ValueError(f"SMS template {kind!r}: unknown source {source!r} for {name!r}")


def spec_for(templates: Mapping[str, Any], kind: str, sign_name: str) -> TemplateSpec | None:
    """The template registered for the kind (login codes never fall back to `default`)."""
    spec = templates.get(kind)
    if spec is None and kind != LOGIN_CODE:
        spec = templates.get(DEFAULT)
    defaults = LOGIN_PARAMS if kind == LOGIN_CODE else NOTIFICATION_PARAMS
    if isinstance(spec, str | int) and str(spec):
        return TemplateSpec(str(spec), sign_name, defaults)
    if isinstance(spec, Mapping) and spec.get("template"):
        return TemplateSpec(
            str(spec["template"]),
            str(spec.get("sign_name") or sign_name),
            dict(spec.get("params") or defaults),
        )
    return None


def fill(spec: TemplateSpec, values: Mapping[str, str], params: Mapping[str, object]) -> dict[str, str]:
    """The variables' values, in the order the spec lists them."""
    out: dict[str, str] = {}
    for name, source in spec.params.items():
        if source.startswith("="):
            out[name] = source[1:]
        elif source.startswith("param:"):
            out[name] = str(params.get(source[6:], ""))
        else:
            out[name] = values.get(source, "")
    return out
