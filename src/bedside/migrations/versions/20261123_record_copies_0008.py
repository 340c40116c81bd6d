"""medical record copy requests

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 13:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "record_copy_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_key", sa.String(length=100), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("relation", sa.String(length=10), nullable=False),
        sa.Column("purpose", sa.String(length=30), nullable=False),
        sa.Column("parts", sa.JSON(), nullable=False),
        sa.Column("copies", sa.Integer(), nullable=False),
        sa.Column("delivery", sa.String(length=10), nullable=False),
        sa.Column("recipient_name", sa.String(length=50), nullable=True),
        sa.Column("recipient_phone", sa.String(length=20), nullable=True),
        sa.Column("province", sa.String(length=20), nullable=True),
        sa.Column("city", sa.String(length=30), nullable=True),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("fee_fen", sa.Integer(), nullable=False),
        sa.Column("postage_fen", sa.Integer(), nullable=False),
        sa.Column("consent_method", sa.String(length=30), nullable=False),
        sa.Column("consent_by", sa.String(length=50), nullable=False),
        sa.Column("proxy_name", sa.String(length=50), nullable=True),
        sa.Column("consent_statement", sa.Text(), nullable=False),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("paid_order_id", sa.Integer(), nullable=True),
        sa.Column("reject_reason", sa.String(length=200), nullable=True),
        sa.Column("carrier", sa.String(length=20), nullable=True),
        sa.Column("tracking_no", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_record_copy_requests_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["admission_notices.id"],
            name=op.f("fk_record_copy_requests_notice_id_admission_notices"),
        ),
        sa.ForeignKeyConstraint(
            ["paid_order_id"],
            ["payment_orders.id"],
            name=op.f("fk_record_copy_requests_paid_order_id_payment_orders"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_record_copy_requests_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_copy_requests")),
        sa.UniqueConstraint("request_key", name=op.f("uq_record_copy_requests_request_key")),
    )
    with op.batch_alter_table("record_copy_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_record_copy_requests_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_record_copy_requests_notice_id"), ["notice_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_record_copy_requests_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_record_copy_requests_state"), ["state"], unique=False)

    op.create_table(
        "record_copy_payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("payment_order_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["payment_order_id"],
            ["payment_orders.id"],
            name=op.f("fk_record_copy_payments_payment_order_id_payment_orders"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["record_copy_requests.id"],
            name=op.f("fk_record_copy_payments_request_id_record_copy_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_copy_payments")),
        sa.UniqueConstraint("payment_order_id", name=op.f("uq_record_copy_payments_payment_order_id")),
    )
    with op.batch_alter_table("record_copy_payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_record_copy_payments_request_id"), ["request_id"], unique=False)

    op.create_table(
        "record_copy_transitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("from_state", sa.String(length=20), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("to_state", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["record_copy_requests.id"],
            name=op.f("fk_record_copy_transitions_request_id_record_copy_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_copy_transitions")),
    )
    with op.batch_alter_table("record_copy_transitions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_record_copy_transitions_request_id"), ["request_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("record_copy_transitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_record_copy_transitions_request_id"))
    op.drop_table("record_copy_transitions")
    with op.batch_alter_table("record_copy_payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_record_copy_payments_request_id"))
    op.drop_table("record_copy_payments")
    with op.batch_alter_table("record_copy_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_record_copy_requests_state"))
        batch_op.drop_index(batch_op.f("ix_record_copy_requests_patient_id"))
        batch_op.drop_index(batch_op.f("ix_record_copy_requests_notice_id"))
        batch_op.drop_index(batch_op.f("ix_record_copy_requests_account_id"))
    op.drop_table("record_copy_requests")
