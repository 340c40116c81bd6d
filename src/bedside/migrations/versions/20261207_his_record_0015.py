"""The HIS as system of record and its write-back: applied feed messages (by the HIS's
message id), the HIS's orders/charges status per stay, patient merges, and the webhook
deliveries sent in order per stay

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 01:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "his_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("body_sha256", sa.String(length=64), nullable=False),
        sa.Column("reply", sa.JSON(), nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_his_messages")),
        sa.UniqueConstraint("message_id", name=op.f("uq_his_messages_message_id")),
    )
    op.create_table(
        "his_stay_status",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("pending_orders", sa.Integer(), nullable=False),
        sa.Column("charges_closed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("reported_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["admission_notices.id"],
            name=op.f("fk_his_stay_status_notice_id_admission_notices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_his_stay_status")),
        sa.UniqueConstraint("notice_id", name=op.f("uq_his_stay_status_notice_id")),
    )
    op.create_table(
        "his_patient_merges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merged_id", sa.Integer(), nullable=False),
        sa.Column("survivor_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("moved", sa.JSON(), nullable=False),
        sa.Column("merged_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["merged_id"], ["patients.id"], name=op.f("fk_his_patient_merges_merged_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["survivor_id"], ["patients.id"], name=op.f("fk_his_patient_merges_survivor_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_his_patient_merges")),
        sa.UniqueConstraint("merged_id", name=op.f("uq_his_patient_merges_merged_id")),
    )
    op.create_index(
        op.f("ix_his_patient_merges_survivor_id"), "his_patient_merges", ["survivor_id"], unique=False
    )
    op.create_table(
        "his_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=120), nullable=False),
        sa.Column("stream", sa.String(length=40), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("acked_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_his_deliveries")),
        sa.UniqueConstraint("source", name=op.f("uq_his_deliveries_source")),
    )
    op.create_index(op.f("ix_his_deliveries_stream"), "his_deliveries", ["stream"], unique=False)
    op.create_index(op.f("ix_his_deliveries_state"), "his_deliveries", ["state"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_his_deliveries_state"), table_name="his_deliveries")
    op.drop_index(op.f("ix_his_deliveries_stream"), table_name="his_deliveries")
    op.drop_table("his_deliveries")
    op.drop_index(op.f("ix_his_patient_merges_survivor_id"), table_name="his_patient_merges")
    op.drop_table("his_patient_merges")
    op.drop_table("his_stay_status")
    op.drop_table("his_messages")
