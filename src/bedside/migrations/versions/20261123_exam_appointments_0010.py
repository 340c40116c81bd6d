"""exam appointments from the HIS

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 14:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "exam_appointments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("his_ref", sa.String(length=64), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("preparation", sa.String(length=500), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["admission_notices.id"],
            name=op.f("fk_exam_appointments_notice_id_admission_notices"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_exam_appointments_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exam_appointments")),
        sa.UniqueConstraint("his_ref", name=op.f("uq_exam_appointments_his_ref")),
    )
    op.create_index(op.f("ix_exam_appointments_notice_id"), "exam_appointments", ["notice_id"], unique=False)
    op.create_index(
        op.f("ix_exam_appointments_patient_id"), "exam_appointments", ["patient_id"], unique=False
    )
    op.create_index(
        op.f("ix_exam_appointments_scheduled_at"), "exam_appointments", ["scheduled_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_exam_appointments_scheduled_at"), table_name="exam_appointments")
    op.drop_index(op.f("ix_exam_appointments_patient_id"), table_name="exam_appointments")
    op.drop_index(op.f("ix_exam_appointments_notice_id"), table_name="exam_appointments")
    op.drop_table("exam_appointments")
