"""kiosk sign-in: the nonces of signed card reads already used (one use per read); a charge
line may be reversed in parts, so several lines may reverse one (no longer unique)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 14:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | Sequence[str] | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kiosk_card_read_uses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.String(length=32), nullable=False),
        sa.Column("kiosk_id", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["kiosk_id"],
            ["kiosks.id"],
            name=op.f("fk_kiosk_card_read_uses_kiosk_id_kiosks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kiosk_card_read_uses")),
        sa.UniqueConstraint("nonce", name=op.f("uq_kiosk_card_read_uses_nonce")),
    )
    op.create_index(
        op.f("ix_kiosk_card_read_uses_used_at"), "kiosk_card_read_uses", ["used_at"], unique=False
    )
    with op.batch_alter_table("charge_lines") as batch_op:
        batch_op.drop_constraint(op.f("uq_charge_lines_reverses_id"), type_="unique")
        batch_op.create_index(op.f("ix_charge_lines_reverses_id"), ["reverses_id"], unique=False)


def downgrade() -> None:
    # Fails once a line has been reversed in parts: the unique constraint cannot hold then.
    with op.batch_alter_table("charge_lines") as batch_op:
        batch_op.drop_index(op.f("ix_charge_lines_reverses_id"))
        batch_op.create_unique_constraint(op.f("uq_charge_lines_reverses_id"), ["reverses_id"])
    op.drop_index(op.f("ix_kiosk_card_read_uses_used_at"), table_name="kiosk_card_read_uses")
    op.drop_table("kiosk_card_read_uses")
