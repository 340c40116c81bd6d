"""Fiscal medical e-invoices: the bills the fiscal e-invoice platform numbered for settlements
and deposits, with their red-letter reversals

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 01:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "einvoice_bills",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("settlement_id", sa.Integer(), nullable=True),
        sa.Column("payment_order_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("total_fen", sa.Integer(), nullable=False),
        sa.Column("batch_code", sa.String(length=20), nullable=True),
        sa.Column("number", sa.String(length=20), nullable=True),
        sa.Column("check_code", sa.String(length=12), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("qr_content", sa.String(length=500), nullable=True),
        sa.Column("red_batch_code", sa.String(length=20), nullable=True),
        sa.Column("red_number", sa.String(length=20), nullable=True),
        sa.Column("red_check_code", sa.String(length=12), nullable=True),
        sa.Column("red_issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("red_qr_content", sa.String(length=500), nullable=True),
        sa.Column("reversal_reason", sa.String(length=300), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["notice_id"], ["admission_notices.id"]),
        sa.ForeignKeyConstraint(["settlement_id"], ["settlements.id"]),
        sa.ForeignKeyConstraint(["payment_order_id"], ["payment_orders.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("serial"),
    )
    op.create_index(op.f("ix_einvoice_bills_notice_id"), "einvoice_bills", ["notice_id"])
    op.create_index(op.f("ix_einvoice_bills_settlement_id"), "einvoice_bills", ["settlement_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_einvoice_bills_settlement_id"), table_name="einvoice_bills")
    op.drop_index(op.f("ix_einvoice_bills_notice_id"), table_name="einvoice_bills")
    op.drop_table("einvoice_bills")
