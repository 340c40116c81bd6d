"""Insurance platform registrations, fee uploads and settlements: what the national platform
answered (mdtrt_id per stay, feedetl_sn per charge line, setl_id and split per settlement).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 01:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "insurance_visits",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "notice_id", sa.Integer(), sa.ForeignKey("admission_notices.id"), nullable=False, unique=True
        ),
        sa.Column("psn_no", sa.String(32), nullable=False),
        sa.Column("insutype", sa.String(6), nullable=False),
        sa.Column("mdtrt_id", sa.String(40), nullable=False, index=True),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("discharge_registered_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "insurance_fee_details",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "notice_id", sa.Integer(), sa.ForeignKey("admission_notices.id"), nullable=False, index=True
        ),
        sa.Column(
            "charge_line_id", sa.Integer(), sa.ForeignKey("charge_lines.id"), nullable=False, unique=True
        ),
        sa.Column("feedetl_sn", sa.String(30), nullable=False),
        sa.Column("init_feedetl_sn", sa.String(30), nullable=True),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("chrgitm_lv", sa.String(4), nullable=False),
        sa.Column("on_file", sa.Boolean(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("notice_id", "feedetl_sn"),
    )
    op.create_table(
        "insurance_settlements",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "notice_id", sa.Integer(), sa.ForeignKey("admission_notices.id"), nullable=False, index=True
        ),
        sa.Column("mdtrt_id", sa.String(40), nullable=False),
        sa.Column("setl_id", sa.String(40), nullable=False, unique=True),
        sa.Column("medins_setl_id", sa.String(100), nullable=False),
        sa.Column("msgid", sa.String(40), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("medfee_sumamt_fen", sa.Integer(), nullable=False),
        sa.Column("fund_fen", sa.Integer(), nullable=False),
        sa.Column("personal_account_fen", sa.Integer(), nullable=False),
        sa.Column("cash_fen", sa.Integer(), nullable=False),
        sa.Column("balance_fen", sa.Integer(), nullable=False),
        sa.Column("output", sa.JSON(), nullable=False),
        sa.Column("reversal_setl_id", sa.String(40), nullable=True),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reversed_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("insurance_settlements")
    op.drop_table("insurance_fee_details")
    op.drop_table("insurance_visits")
