"""How the fleet reacts to the rest of Bedside: each kiosk report adds to the kiosk's day, and
its alerts reach the on-call engineers (notify)."""

from __future__ import annotations

from bedside.fleet import models as _models  # noqa: F401 - wiring loads the domain from here
from bedside.fleet import notify as _notify  # noqa: F401
from bedside.fleet import rollout_models as _rollout_models  # noqa: F401
from bedside.fleet import service
from bedside.kiosks import telemetry

if service.on_report not in telemetry.HOOKS:
    telemetry.HOOKS.append(service.on_report)
