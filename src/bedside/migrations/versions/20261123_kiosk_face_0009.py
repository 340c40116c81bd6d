"""kiosk face sign-in enrolments and consents

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 13:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "face_consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("kiosk_id", sa.Integer(), nullable=True),
        sa.Column("text_version", sa.String(length=40), nullable=False),
        sa.Column("consented_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_via", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(["kiosk_id"], ["kiosks.id"], name=op.f("fk_face_consents_kiosk_id_kiosks")),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_face_consents_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_face_consents")),
    )
    op.create_index(op.f("ix_face_consents_patient_id"), "face_consents", ["patient_id"], unique=False)
    op.create_table(
        "face_enrolments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("consent_id", sa.Integer(), nullable=False),
        sa.Column("matcher", sa.String(length=40), nullable=False),
        sa.Column("template", sa.LargeBinary(), nullable=False),
        sa.Column("kiosk_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["consent_id"], ["face_consents.id"], name=op.f("fk_face_enrolments_consent_id_face_consents")
        ),
        sa.ForeignKeyConstraint(["kiosk_id"], ["kiosks.id"], name=op.f("fk_face_enrolments_kiosk_id_kiosks")),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_face_enrolments_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_face_enrolments")),
        sa.UniqueConstraint("patient_id", name=op.f("uq_face_enrolments_patient_id")),
    )
    op.create_table(
        "kiosk_print_ticket_uses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.String(length=32), nullable=False),
        sa.Column("kiosk_id", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["kiosk_id"],
            ["kiosks.id"],
            name=op.f("fk_kiosk_print_ticket_uses_kiosk_id_kiosks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kiosk_print_ticket_uses")),
        sa.UniqueConstraint("nonce", name=op.f("uq_kiosk_print_ticket_uses_nonce")),
    )
    op.create_index(
        op.f("ix_kiosk_print_ticket_uses_used_at"), "kiosk_print_ticket_uses", ["used_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_kiosk_print_ticket_uses_used_at"), table_name="kiosk_print_ticket_uses")
    op.drop_table("kiosk_print_ticket_uses")
    op.drop_table("face_enrolments")
    op.drop_index(op.f("ix_face_consents_patient_id"), table_name="face_consents")
    op.drop_table("face_consents")
