"""Insurance review line by line: the scheme's catalogue the rules check against, each stay's
review and its lines (flags, the officer's decision, the ward's answer)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 14:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | Sequence[str] | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "insurance_catalogue_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(40), nullable=False, unique=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("insurance_class", sa.String(1), nullable=False),
        sa.Column("max_daily_milli", sa.Integer(), nullable=True),
        sa.Column("indication", sa.String(200), nullable=True),
        sa.Column("indication_keywords", sa.JSON(), nullable=False),
    )
    op.create_table(
        "insurance_reviews",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "notice_id", sa.Integer(), sa.ForeignKey("admission_notices.id"), nullable=False, unique=True
        ),
        sa.Column("state", sa.String(20), nullable=False, index=True),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(100), nullable=True),
    )
    op.create_table(
        "insurance_review_lines",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "review_id",
            sa.Integer(),
            sa.ForeignKey("insurance_reviews.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column(
            "charge_line_id", sa.Integer(), sa.ForeignKey("charge_lines.id"), nullable=False, unique=True
        ),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("original_class", sa.String(1), nullable=False),
        sa.Column("reason", sa.String(300), nullable=True),
        sa.Column("answer", sa.String(300), nullable=True),
        sa.Column("answered_by", sa.String(100), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(100), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("insurance_review_lines")
    op.drop_table("insurance_reviews")
    op.drop_table("insurance_catalogue_items")
