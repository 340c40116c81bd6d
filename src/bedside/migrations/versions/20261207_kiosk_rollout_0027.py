"""Central kiosk software rollout: published releases (signed bundles), rollouts in stages and
each kiosk's deployment (the hawkBit action); remote actions on a kiosk; repair ticket photos

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 15:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | Sequence[str] | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fleet_releases",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("version", sa.String(40), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("bundle", sa.LargeBinary(), nullable=False),
        sa.Column("notes", sa.String(400), nullable=False),
        sa.Column("published_by", sa.String(100), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("version", name=op.f("uq_fleet_releases_version")),
    )
    op.create_table(
        "fleet_rollouts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("release_id", sa.Integer(), sa.ForeignKey("fleet_releases.id"), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("pilot_kiosk_id", sa.Integer(), sa.ForeignKey("kiosks.id", ondelete="SET NULL")),
        sa.Column("max_error_rate_pct", sa.Integer(), nullable=False),
        sa.Column("soak_minutes", sa.Integer(), nullable=False),
        sa.Column("halted_reason", sa.String(200), nullable=False),
        sa.Column("rollback_of_id", sa.Integer(), sa.ForeignKey("fleet_rollouts.id")),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stage_started_at", sa.DateTime(timezone=True)),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
    )
    op.create_index(op.f("ix_fleet_rollouts_release_id"), "fleet_rollouts", ["release_id"])
    op.create_index(op.f("ix_fleet_rollouts_state"), "fleet_rollouts", ["state"])
    op.create_table(
        "fleet_rollout_actions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "rollout_id", sa.Integer(), sa.ForeignKey("fleet_rollouts.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("kiosk_id", sa.Integer(), sa.ForeignKey("kiosks.id", ondelete="CASCADE"), nullable=False),
        sa.Column("release_id", sa.Integer(), sa.ForeignKey("fleet_releases.id"), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("from_version", sa.String(40), nullable=False),
        sa.Column("detail", sa.String(300), nullable=False),
        sa.Column("offered_at", sa.DateTime(timezone=True)),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(op.f("ix_fleet_rollout_actions_rollout_id"), "fleet_rollout_actions", ["rollout_id"])
    op.create_index("ix_fleet_rollout_actions_kiosk_state", "fleet_rollout_actions", ["kiosk_id", "state"])

    op.create_table(
        "fleet_kiosk_commands",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kiosk_id", sa.Integer(), sa.ForeignKey("kiosks.id", ondelete="CASCADE"), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("requested_by", sa.String(100), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.Column("done_at", sa.DateTime(timezone=True)),
        sa.Column("result", sa.String(300), nullable=False),
        sa.Column("screenshot", sa.LargeBinary()),
    )
    op.create_index(op.f("ix_fleet_kiosk_commands_kiosk_id"), "fleet_kiosk_commands", ["kiosk_id"])
    op.create_index(op.f("ix_fleet_kiosk_commands_state"), "fleet_kiosk_commands", ["state"])

    op.create_table(
        "fleet_ticket_photos",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "ticket_id",
            sa.Integer(),
            sa.ForeignKey("fleet_repair_tickets.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("content_type", sa.String(20), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.String(100), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(op.f("ix_fleet_ticket_photos_ticket_id"), "fleet_ticket_photos", ["ticket_id"])


def downgrade() -> None:
    op.drop_table("fleet_ticket_photos")
    op.drop_table("fleet_kiosk_commands")
    op.drop_table("fleet_rollout_actions")
    op.drop_table("fleet_rollouts")
    op.drop_table("fleet_releases")
