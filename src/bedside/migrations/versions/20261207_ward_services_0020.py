"""ward services: discharge medication delivered to the ward (orders, drugs, transitions,
delivery runs) and companion care (vendors, caregivers, care orders and rates, billed days,
bills and the vendors' ledger)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 14:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "medication_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ward_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ward_id"], ["wards.id"], name=op.f("fk_medication_runs_ward_id_wards")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_medication_runs")),
    )
    op.create_table(
        "medication_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("his_ref", sa.String(length=64), nullable=True),
        sa.Column("ordered_by", sa.String(length=100), nullable=False),
        sa.Column("ordered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("return_reason", sa.String(length=300), nullable=True),
        sa.Column("bag_code", sa.String(length=24), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("packed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_by", sa.String(length=100), nullable=True),
        sa.Column("counselled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("counselled_by", sa.String(length=100), nullable=True),
        sa.Column("counsel_note", sa.String(length=500), nullable=True),
        sa.Column("charges_posted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["admission_notices.id"],
            name=op.f("fk_medication_orders_notice_id_admission_notices"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["medication_runs.id"], name=op.f("fk_medication_orders_run_id_medication_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_medication_orders")),
        sa.UniqueConstraint("bag_code", name=op.f("uq_medication_orders_bag_code")),
        sa.UniqueConstraint("his_ref", name=op.f("uq_medication_orders_his_ref")),
    )
    op.create_table(
        "medication_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("drug_code", sa.String(length=40), nullable=False),
        sa.Column("drug_name", sa.String(length=100), nullable=False),
        sa.Column("spec", sa.String(length=100), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("dose", sa.String(length=40), nullable=False),
        sa.Column("frequency", sa.String(length=10), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("instructions", sa.String(length=300), nullable=True),
        sa.Column("unit_price_fen", sa.Integer(), nullable=False),
        sa.Column("substituted_from", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["medication_orders.id"],
            name=op.f("fk_medication_items_order_id_medication_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_medication_items")),
    )
    op.create_table(
        "medication_transitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("from_state", sa.String(length=20), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("to_state", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["medication_orders.id"],
            name=op.f("fk_medication_transitions_order_id_medication_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_medication_transitions")),
    )
    op.create_table(
        "care_vendors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("merchant_no", sa.String(length=32), nullable=False),
        sa.Column("key_prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_vendors")),
        sa.UniqueConstraint("key_prefix", name=op.f("uq_care_vendors_key_prefix")),
        sa.UniqueConstraint("name", name=op.f("uq_care_vendors_name")),
    )
    op.create_table(
        "care_vendor_staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["staff_users.id"],
            name=op.f("fk_care_vendor_staff_user_id_staff_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vendor_id"], ["care_vendors.id"], name=op.f("fk_care_vendor_staff_vendor_id_care_vendors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_vendor_staff")),
        sa.UniqueConstraint("user_id", name=op.f("uq_care_vendor_staff_user_id")),
    )
    op.create_table(
        "caregivers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("certificate_no", sa.String(length=40), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["vendor_id"], ["care_vendors.id"], name=op.f("fk_caregivers_vendor_id_care_vendors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_caregivers")),
    )
    op.create_table(
        "care_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("vendor_ref", sa.String(length=64), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("caregiver_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=12), nullable=False),
        sa.Column("share_count", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["caregiver_id"], ["caregivers.id"], name=op.f("fk_care_orders_caregiver_id_caregivers")
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["admission_notices.id"], name=op.f("fk_care_orders_notice_id_admission_notices")
        ),
        sa.ForeignKeyConstraint(
            ["vendor_id"], ["care_vendors.id"], name=op.f("fk_care_orders_vendor_id_care_vendors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_orders")),
        sa.UniqueConstraint("vendor_id", "vendor_ref", name=op.f("uq_care_orders_vendor_id_vendor_ref")),
    )
    op.create_table(
        "care_rates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("daily_rate_fen", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["care_orders.id"],
            name=op.f("fk_care_rates_order_id_care_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_rates")),
        sa.UniqueConstraint("order_id", "effective_from", name=op.f("uq_care_rates_order_id_effective_from")),
    )
    op.create_table(
        "care_bills",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("total_fen", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by", sa.String(length=100), nullable=True),
        sa.Column("payment_order_id", sa.Integer(), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("receipt_no", sa.String(length=24), nullable=True),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["admission_notices.id"], name=op.f("fk_care_bills_notice_id_admission_notices")
        ),
        sa.ForeignKeyConstraint(
            ["payment_order_id"],
            ["payment_orders.id"],
            name=op.f("fk_care_bills_payment_order_id_payment_orders"),
        ),
        sa.ForeignKeyConstraint(
            ["vendor_id"], ["care_vendors.id"], name=op.f("fk_care_bills_vendor_id_care_vendors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_bills")),
        sa.UniqueConstraint("receipt_no", name=op.f("uq_care_bills_receipt_no")),
    )
    op.create_table(
        "care_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bill_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("rate_fen", sa.Integer(), nullable=False),
        sa.Column("share_count", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("dispute_reason", sa.String(length=300), nullable=True),
        sa.Column("vendor_answer", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["bill_id"], ["care_bills.id"], name=op.f("fk_care_days_bill_id_care_bills"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["care_orders.id"], name=op.f("fk_care_days_order_id_care_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_days")),
        sa.UniqueConstraint("order_id", "day", name=op.f("uq_care_days_order_id_day")),
    )
    op.create_table(
        "care_ledger_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("bill_id", sa.Integer(), nullable=False),
        sa.Column("merchant_no", sa.String(length=32), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("payment_order_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bill_id"], ["care_bills.id"], name=op.f("fk_care_ledger_entries_bill_id_care_bills")
        ),
        sa.ForeignKeyConstraint(
            ["payment_order_id"],
            ["payment_orders.id"],
            name=op.f("fk_care_ledger_entries_payment_order_id_payment_orders"),
        ),
        sa.ForeignKeyConstraint(
            ["vendor_id"], ["care_vendors.id"], name=op.f("fk_care_ledger_entries_vendor_id_care_vendors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_ledger_entries")),
        sa.UniqueConstraint("payment_order_id", name=op.f("uq_care_ledger_entries_payment_order_id")),
    )
    op.create_index(op.f("ix_medication_runs_ward_id"), "medication_runs", ["ward_id"], unique=False)
    op.create_index(op.f("ix_medication_orders_notice_id"), "medication_orders", ["notice_id"], unique=False)
    op.create_index(op.f("ix_medication_orders_run_id"), "medication_orders", ["run_id"], unique=False)
    op.create_index(op.f("ix_medication_orders_state"), "medication_orders", ["state"], unique=False)
    op.create_index(op.f("ix_medication_items_order_id"), "medication_items", ["order_id"], unique=False)
    op.create_index(
        op.f("ix_medication_transitions_order_id"), "medication_transitions", ["order_id"], unique=False
    )
    op.create_index(op.f("ix_care_vendor_staff_vendor_id"), "care_vendor_staff", ["vendor_id"], unique=False)
    op.create_index(op.f("ix_caregivers_vendor_id"), "caregivers", ["vendor_id"], unique=False)
    op.create_index(op.f("ix_care_orders_notice_id"), "care_orders", ["notice_id"], unique=False)
    op.create_index(op.f("ix_care_orders_vendor_id"), "care_orders", ["vendor_id"], unique=False)
    op.create_index(op.f("ix_care_rates_order_id"), "care_rates", ["order_id"], unique=False)
    op.create_index(op.f("ix_care_bills_notice_id"), "care_bills", ["notice_id"], unique=False)
    op.create_index(op.f("ix_care_bills_state"), "care_bills", ["state"], unique=False)
    op.create_index(op.f("ix_care_bills_vendor_id"), "care_bills", ["vendor_id"], unique=False)
    op.create_index(op.f("ix_care_days_bill_id"), "care_days", ["bill_id"], unique=False)
    op.create_index(
        op.f("ix_care_ledger_entries_vendor_id"), "care_ledger_entries", ["vendor_id"], unique=False
    )


def downgrade() -> None:
    # Dropping a table drops its indexes.
    op.drop_table("care_ledger_entries")
    op.drop_table("care_days")
    op.drop_table("care_bills")
    op.drop_table("care_rates")
    op.drop_table("care_orders")
    op.drop_table("caregivers")
    op.drop_table("care_vendor_staff")
    op.drop_table("care_vendors")
    op.drop_table("medication_transitions")
    op.drop_table("medication_items")
    op.drop_table("medication_orders")
    op.drop_table("medication_runs")
