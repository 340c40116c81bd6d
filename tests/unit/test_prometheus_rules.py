"""The shipped Prometheus alert rules pass `promtool check rules` and their own unit tests
(`promtool test rules`); skipped where promtool is not installed (Debian: prometheus)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

RULES = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(PROMTOOL is None, reason="promtool is not installed")


@needs_promtool
@pytest.mark.parametrize(("command", "file"), [("check", "rules.yml"), ("test", "rules_test.yml")])
def test_promtool_accepts_the_rules(command: str, file: str) -> None:
    assert PROMTOOL is not None
    done = subprocess.run(  # noqa: S603 - a fixed tool and the repository's own files
        [PROMTOOL, command, "rules", file], cwd=RULES, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_rules_use_the_gauges_bedside_exports() -> None:
    from bedside.core import metrics

    exported = {
        m.describe()[0].name
        for m in (
            metrics.KIOSK_UP,
            metrics.KIOSK_OUT_OF_SERVICE,
            metrics.KIOSK_MODULE_UP,
            metrics.KIOSK_CONSUMABLE,
            metrics.FLEET_ALERTS,
        )
    }
    text = (RULES / "rules.yml").read_text(encoding="utf-8")
    assert all(name in text for name in exported)
