"""Kiosk fleet operations: placements, daily usage, alerts, repair tickets with their steps,
spare stand-ins, daily upkeep and the on-call list

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 01:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _kiosk_fk(name: str = "kiosk_id", nullable: bool = False, cascade: bool = True) -> sa.Column:
    return sa.Column(
        name,
        sa.Integer(),
        sa.ForeignKey("kiosks.id", ondelete="CASCADE" if cascade else None),
        nullable=nullable,
    )


def upgrade() -> None:
    op.create_table(
        "fleet_placements",
        sa.Column("id", sa.Integer(), primary_key=True),
        _kiosk_fk(),
        sa.Column("campus", sa.String(40), nullable=False),
        sa.Column("building", sa.String(40), nullable=False),
        sa.Column("floor", sa.String(10), nullable=False),
        sa.Column("area", sa.String(60), nullable=False),
        sa.Column("maker", sa.String(100), nullable=False),
        sa.Column("maker_contact", sa.String(100), nullable=False),
        sa.Column("production_date", sa.Date(), nullable=True),
        sa.Column("spare", sa.Boolean(), nullable=False),
        sa.Column("out_of_service", sa.Boolean(), nullable=False),
        sa.Column("out_of_service_reason", sa.String(200), nullable=False),
        sa.Column("run_out", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("kiosk_id", name="uq_fleet_placements_kiosk_id"),
    )
    op.create_table(
        "fleet_daily_usage",
        sa.Column("id", sa.Integer(), primary_key=True),
        _kiosk_fk(),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("payment_failures", sa.Integer(), nullable=False),
        sa.Column("last_activity_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("kiosk_id", "day", name="uq_fleet_daily_usage_kiosk_id_day"),
    )
    op.create_table(
        "fleet_alerts",
        sa.Column("id", sa.Integer(), primary_key=True),
        _kiosk_fk(),
        sa.Column("rule", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(40), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("open_key", sa.String(120), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.Integer(), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("open_key", name="uq_fleet_alerts_open_key"),
    )
    op.create_index("ix_fleet_alerts_kiosk_id", "fleet_alerts", ["kiosk_id"])
    op.create_index("ix_fleet_alerts_state", "fleet_alerts", ["state"])
    op.create_table(
        "fleet_repair_tickets",
        sa.Column("id", sa.Integer(), primary_key=True),
        _kiosk_fk(),
        sa.Column("alert_id", sa.Integer(), sa.ForeignKey("fleet_alerts.id"), nullable=True),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("model", sa.String(100), nullable=False),
        sa.Column("maker", sa.String(100), nullable=False),
        sa.Column("maker_contact", sa.String(100), nullable=False),
        sa.Column("production_date", sa.Date(), nullable=True),
        sa.Column("fault", sa.String(400), nullable=False),
        sa.Column("fault_class", sa.String(20), nullable=False),
        sa.Column("responsible", sa.String(50), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sla_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("diagnosed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("repaired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("repair_note", sa.String(400), nullable=False),
    )
    op.create_index("ix_fleet_repair_tickets_kiosk_id", "fleet_repair_tickets", ["kiosk_id"])
    op.create_index("ix_fleet_repair_tickets_state", "fleet_repair_tickets", ["state"])
    op.create_table(
        "fleet_ticket_steps",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "ticket_id",
            sa.Integer(),
            sa.ForeignKey("fleet_repair_tickets.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("from_state", sa.String(20), nullable=True),
        sa.Column("to_state", sa.String(20), nullable=False),
        sa.Column("actor_label", sa.String(100), nullable=False),
        sa.Column("note", sa.String(400), nullable=False),
    )
    op.create_index("ix_fleet_ticket_steps_ticket_id", "fleet_ticket_steps", ["ticket_id"])
    op.create_table(
        "fleet_stand_ins",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "ticket_id",
            sa.Integer(),
            sa.ForeignKey("fleet_repair_tickets.id", ondelete="CASCADE"),
            nullable=False,
        ),
        _kiosk_fk("spare_kiosk_id", cascade=False),
        _kiosk_fk("failed_kiosk_id", cascade=False),
        sa.Column("spare_home", sa.JSON(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_fleet_stand_ins_ticket_id", "fleet_stand_ins", ["ticket_id"])
    op.create_table(
        "fleet_upkeep",
        sa.Column("id", sa.Integer(), primary_key=True),
        _kiosk_fk(),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(200), nullable=False),
        sa.Column("done_by", sa.Integer(), nullable=True),
        sa.Column("done_by_label", sa.String(100), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_fleet_upkeep_kiosk_id", "fleet_upkeep", ["kiosk_id"])
    op.create_index("ix_fleet_upkeep_done_at", "fleet_upkeep", ["done_at"])
    op.create_table(
        "fleet_on_call",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "staff_user_id", sa.Integer(), sa.ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("staff_user_id", name="uq_fleet_on_call_staff_user_id"),
    )


def downgrade() -> None:
    for table in (
        "fleet_on_call",
        "fleet_upkeep",
        "fleet_stand_ins",
        "fleet_ticket_steps",
        "fleet_repair_tickets",
        "fleet_alerts",
        "fleet_daily_usage",
        "fleet_placements",
    ):
        op.drop_table(table)
