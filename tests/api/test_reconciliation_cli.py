"""`bedside reconcile --date … [--channel …]`: files picked up from a folder, the day matched."""

from __future__ import annotations

from typer.testing import CliRunner

from bedside.cli import app
from bedside.core.clock import local_today
from bedside.payments.sandbox import statements
from bedside.reconciliation import service
from tests.api.test_reconciliation_day import _order
from tests.conftest import DATABASE
from tests.integration.money.conftest import make_stay

runner = CliRunner()


def test_reconcile_command_picks_up_the_days_files(session, tmp_path):  # type: ignore[no-untyped-def]
    stay = make_stay(session)
    _order(stay, "wechat", 120000, "cli-key-0001", mode="missing")
    _order(stay, "alipay", 50000, "cli-key-0002")
    today = local_today()
    with DATABASE.session() as s:
        statements.write_day(s, today, tmp_path)
    bad = runner.invoke(app, ["reconcile", "--date", "yesterday"])
    assert bad.exit_code == 2
    only = runner.invoke(
        app, ["reconcile", "--date", today.isoformat(), "--channel", "wechat", "--folder", str(tmp_path)]
    )
    assert only.exit_code == 0, only.output
    assert "1 discrepancies, 1 new" in only.output
    day = service.get_day(session, today)
    assert [i.channel for i in service.imports_of(session, day.id)] == ["wechat"]
    full = runner.invoke(app, ["reconcile", "--date", today.isoformat(), "--folder", str(tmp_path)])
    assert full.exit_code == 0, full.output
    assert "0 new" in full.output, full.output
    assert "no statement" not in full.output, full.output
    session.rollback()  # a new read transaction sees what the command wrote
    assert sorted(i.channel for i in service.imports_of(session, day.id)) == ["alipay", "wechat"]
