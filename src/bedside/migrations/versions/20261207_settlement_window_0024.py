"""Settlement in one act and the staffed discharge window: the signed act waiting on its
supplementary payment (settlement_intents), and the stays sent to the window by an act such as
a disputed charge (discharge_window_cases).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 14:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | Sequence[str] | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "settlement_intents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "notice_id", sa.Integer(), sa.ForeignKey("admission_notices.id"), nullable=False, index=True
        ),
        sa.Column("request_key", sa.String(100), nullable=False, unique=True),
        sa.Column(
            "payment_order_id", sa.Integer(), sa.ForeignKey("payment_orders.id"), nullable=False, unique=True
        ),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("signature_png", sa.LargeBinary(), nullable=False),
        sa.Column("actor_kind", sa.String(20), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(100), nullable=False),
        sa.Column("at_window", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("settlement_id", sa.Integer(), sa.ForeignKey("settlements.id"), nullable=True),
        sa.Column("error_code", sa.String(60), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "discharge_window_cases",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "notice_id", sa.Integer(), sa.ForeignKey("admission_notices.id"), nullable=False, index=True
        ),
        sa.Column("code", sa.String(30), nullable=False),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("opened_by", sa.String(100), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sa.String(100), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("discharge_window_cases")
    op.drop_table("settlement_intents")
