"""Indexes for hospital scale: the bed board's per-ward counts by state and its poll of the
beds changed lately read an index instead of every bed.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 01:00:00

"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("beds") as batch_op:
        batch_op.create_index("ix_beds_ward_id_state", ["ward_id", "state"], unique=False)
        batch_op.create_index("ix_beds_state_changed_at", ["state_changed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("beds") as batch_op:
        batch_op.drop_index("ix_beds_state_changed_at")
        batch_op.drop_index("ix_beds_ward_id_state")
