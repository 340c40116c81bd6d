"""WeChat identity: openid bindings per account and app id, pending OAuth states; the
hand-kept openid on notification preferences moves into the bindings

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-07 01:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "wechat_bindings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("openid", sa.String(length=64), nullable=False),
        sa.Column("bound_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "app_id"),
    )
    op.create_index(op.f("ix_wechat_bindings_account_id"), "wechat_bindings", ["account_id"])
    op.create_index(op.f("ix_wechat_bindings_openid"), "wechat_bindings", ["openid"])
    op.create_table(
        "wechat_oauth_states",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("auth_session_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("nonce"),
    )
    op.create_index(op.f("ix_wechat_oauth_states_account_id"), "wechat_oauth_states", ["account_id"])
    op.create_index(op.f("ix_wechat_oauth_states_created_at"), "wechat_oauth_states", ["created_at"])
    # Until now only the recording sandbox (no app id configured) could bind an openid, so the
    # old values belong to app id "" (the sandbox).
    op.execute(
        "INSERT INTO wechat_bindings (account_id, app_id, openid, bound_at) "
        "SELECT account_id, '', wechat_openid, updated_at FROM notification_preferences "
        "WHERE wechat_openid IS NOT NULL AND wechat_openid <> ''"
    )
    with op.batch_alter_table("notification_preferences", schema=None) as batch_op:
        batch_op.drop_column("wechat_openid")


def downgrade() -> None:
    with op.batch_alter_table("notification_preferences", schema=None) as batch_op:
        batch_op.add_column(sa.Column("wechat_openid", sa.String(length=64), nullable=True))
    # One openid per account fits the old column: the most recently bound one.
    op.execute(
        "UPDATE notification_preferences SET wechat_openid = ("
        "SELECT b.openid FROM wechat_bindings b WHERE b.account_id = notification_preferences.account_id "
        "ORDER BY b.bound_at DESC, b.id DESC LIMIT 1)"
    )
    op.drop_index(op.f("ix_wechat_oauth_states_created_at"), table_name="wechat_oauth_states")
    op.drop_index(op.f("ix_wechat_oauth_states_account_id"), table_name="wechat_oauth_states")
    op.drop_table("wechat_oauth_states")
    op.drop_index(op.f("ix_wechat_bindings_openid"), table_name="wechat_bindings")
    op.drop_index(op.f("ix_wechat_bindings_account_id"), table_name="wechat_bindings")
    op.drop_table("wechat_bindings")
