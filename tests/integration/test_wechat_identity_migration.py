"""Migration 0013 moves the openid kept on notification preferences into the WeChat bindings
(app id "": the recording sandbox, the only way one could be bound before) and back."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, text

from bedside import dbtools


def test_openids_move_into_bindings_and_back(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    dbtools.upgrade(url, "0011")
    engine = create_engine(url)
    with engine.begin() as conn:
        for i, openid in ((1, "o-sandbox-aaaaaaaaaaaaaaaaaa"), (2, None)):
            conn.execute(
                text(
                    "INSERT INTO accounts (id, phone, verified_at, created_at) "
                    "VALUES (:i, :p, '2026-01-01', '2026-01-01')"
                ),
                {"i": i, "p": f"1370000000{i}"},
            )
            conn.execute(
                text(
                    "INSERT INTO notification_preferences "
                    "(account_id, sms, wechat, wechat_openid, quiet_hours, updated_at) "
                    "VALUES (:i, 1, 1, :o, 1, '2026-01-02')"
                ),
                {"i": i, "o": openid},
            )
    dbtools.upgrade(url, "0013")
    with engine.begin() as conn:
        rows = conn.execute(text("SELECT account_id, app_id, openid FROM wechat_bindings")).all()
        assert [tuple(r) for r in rows] == [(1, "", "o-sandbox-aaaaaaaaaaaaaaaaaa")]
        columns = {r[1] for r in conn.execute(text("PRAGMA table_info(notification_preferences)"))}
        assert "wechat_openid" not in columns
    command.downgrade(dbtools.alembic_config(url), "0011")
    with engine.begin() as conn:
        back = conn.execute(
            text("SELECT account_id, wechat_openid FROM notification_preferences ORDER BY account_id")
        )
        assert [tuple(r) for r in back] == [(1, "o-sandbox-aaaaaaaaaaaaaaaaaa"), (2, None)]
    engine.dispose()
