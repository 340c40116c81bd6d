"""SMS delivery receipts on notification deliveries; room for the vendors' error codes

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 19:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notification_deliveries", schema=None) as batch_op:
        batch_op.alter_column(
            "error_code",
            existing_type=sa.String(length=40),
            type_=sa.String(length=80),
            existing_nullable=True,
        )
        batch_op.add_column(sa.Column("receipt", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("receipt_code", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("receipt_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_notification_deliveries_provider_ref"), ["provider_ref"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("notification_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_deliveries_provider_ref"))
        batch_op.drop_column("receipt_at")
        batch_op.drop_column("receipt_code")
        batch_op.drop_column("receipt")
        batch_op.alter_column(
            "error_code",
            existing_type=sa.String(length=80),
            type_=sa.String(length=40),
            existing_nullable=True,
        )
