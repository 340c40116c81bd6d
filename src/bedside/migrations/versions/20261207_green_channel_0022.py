"""Green channel (绿色通道): an emergency notice admitted at once, its deposit deferred to a
due time with reminders

Revision ID: 0022
Revises: 0020
Create Date: 2026-12-07 14:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | Sequence[str] | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("admission_notices", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("green_channel", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("deposit_due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("deposit_reminded_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_admission_notices_deposit_due_at"), ["deposit_due_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("admission_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_admission_notices_deposit_due_at"))
        batch_op.drop_column("deposit_reminded_at")
        batch_op.drop_column("deposit_due_at")
        batch_op.drop_column("green_channel")
