"""phone steps: the proofs of identity a mailed record copy asks for (ID card photo, signed
authorization), kept for the record office only

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 14:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | Sequence[str] | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "record_copy_proofs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("content_type", sa.String(length=20), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=100), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["record_copy_requests.id"],
            name=op.f("fk_record_copy_proofs_request_id_record_copy_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_copy_proofs")),
    )
    op.create_index(
        op.f("ix_record_copy_proofs_request_id"), "record_copy_proofs", ["request_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_record_copy_proofs_request_id"), table_name="record_copy_proofs")
    op.drop_table("record_copy_proofs")
