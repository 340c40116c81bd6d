"""Daily reconciliation: days, imported statement files and their rows, kiosk cash-box counts,
discrepancies and the payments held in transit across the day cut

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 14:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _day_fk(name: str = "day_id", nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.Integer(), sa.ForeignKey("recon_days.id"), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "recon_days",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("bill_date", sa.Date(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("opened_by", sa.String(100), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sa.String(100), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.UniqueConstraint("bill_date", name="uq_recon_days_bill_date"),
    )
    op.create_table(
        "recon_imports",
        sa.Column("id", sa.Integer(), primary_key=True),
        _day_fk(),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("file_name", sa.String(200), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("refund_fen", sa.Integer(), nullable=False),
        sa.Column("fee_fen", sa.Integer(), nullable=False),
        sa.Column("imported_by", sa.String(100), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("day_id", "channel", name="uq_recon_imports_day_id_channel"),
    )
    op.create_index("ix_recon_imports_day_id", "recon_imports", ["day_id"])
    op.create_table(
        "recon_statement_rows",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("import_id", sa.Integer(), sa.ForeignKey("recon_imports.id"), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("out_trade_no", sa.String(64), nullable=False),
        sa.Column("channel_trade_no", sa.String(64), nullable=False),
        sa.Column("out_refund_no", sa.String(64), nullable=True),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("fee_fen", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
    )
    op.create_index("ix_recon_statement_rows_import_id", "recon_statement_rows", ["import_id"])
    op.create_index("ix_recon_statement_rows_out_trade_no", "recon_statement_rows", ["out_trade_no"])
    op.create_table(
        "recon_cash_counts",
        sa.Column("id", sa.Integer(), primary_key=True),
        _day_fk(),
        sa.Column("kiosk_code", sa.String(40), nullable=False),
        sa.Column("counted_fen", sa.Integer(), nullable=False),
        sa.Column("counted_by", sa.String(100), nullable=False),
        sa.Column("counted_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("day_id", "kiosk_code", name="uq_recon_cash_counts_day_id_kiosk_code"),
    )
    op.create_index("ix_recon_cash_counts_day_id", "recon_cash_counts", ["day_id"])
    op.create_table(
        "recon_discrepancies",
        sa.Column("id", sa.Integer(), primary_key=True),
        _day_fk(),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("ref", sa.String(64), nullable=False),
        sa.Column("channel_trade_no", sa.String(64), nullable=True),
        sa.Column("ours_fen", sa.Integer(), nullable=True),
        sa.Column("theirs_fen", sa.Integer(), nullable=True),
        sa.Column("our_state", sa.String(20), nullable=True),
        sa.Column("their_state", sa.String(20), nullable=True),
        sa.Column("suggested_action", sa.String(20), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("assignee", sa.String(100), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("resolution", sa.String(200), nullable=True),
        sa.Column("resolved_by", sa.String(100), nullable=True),
        sa.Column("approved_by", sa.String(100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint(
            "day_id", "channel", "kind", "ref", name="uq_recon_discrepancies_day_id_channel_kind_ref"
        ),
    )
    op.create_index("ix_recon_discrepancies_day_id", "recon_discrepancies", ["day_id"])
    op.create_index("ix_recon_discrepancies_state", "recon_discrepancies", ["state"])
    op.create_table(
        "recon_in_transit",
        sa.Column("id", sa.Integer(), primary_key=True),
        _day_fk(),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("out_trade_no", sa.String(64), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=False),
        _day_fk("matched_day_id", nullable=True),
        sa.UniqueConstraint("channel", "out_trade_no", name="uq_recon_in_transit_channel_out_trade_no"),
    )
    op.create_index("ix_recon_in_transit_day_id", "recon_in_transit", ["day_id"])


def downgrade() -> None:
    for table in (
        "recon_in_transit",
        "recon_discrepancies",
        "recon_cash_counts",
        "recon_statement_rows",
        "recon_imports",
        "recon_days",
    ):
        op.drop_table(table)
