"""education, satisfaction surveys and follow-up

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 13:00:00

"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _at(name: str, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str, ondelete: str | None = None) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def _index(table: str, *columns: str) -> None:
    for column in columns:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "survey_questionnaires",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        _at("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_questionnaires")),
        sa.UniqueConstraint("code", "version", name=op.f("uq_survey_questionnaires_code_version")),
    )
    _index("survey_questionnaires", "code")

    op.create_table(
        "education_articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("locale", sa.String(length=10), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("published", sa.Boolean(), server_default=sa.false(), nullable=False),
        _at("published_at", nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        _at("created_at"),
        _at("updated_at"),
        _fk("education_articles", "department_id", "departments"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_education_articles")),
    )
    _index("education_articles", "department_id", "stage")

    op.create_table(
        "education_pushes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=True),
        _at("pushed_at"),
        _fk("education_pushes", "article_id", "education_articles"),
        _fk("education_pushes", "notice_id", "admission_notices"),
        _fk("education_pushes", "patient_id", "patients"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_education_pushes")),
        sa.UniqueConstraint(
            "article_id", "patient_id", name=op.f("uq_education_pushes_article_id_patient_id")
        ),
    )
    _index("education_pushes", "article_id", "notice_id", "patient_id")

    op.create_table(
        "education_reads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        _at("read_at"),
        _fk("education_reads", "account_id", "accounts", ondelete="CASCADE"),
        _fk("education_reads", "article_id", "education_articles"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_education_reads")),
        sa.UniqueConstraint(
            "article_id", "account_id", name=op.f("uq_education_reads_article_id_account_id")
        ),
    )
    _index("education_reads", "account_id", "article_id")

    op.create_table(
        "survey_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("ward_id", sa.Integer(), nullable=True),
        sa.Column("questionnaire_id", sa.Integer(), nullable=False),
        sa.Column("discharged_on", sa.Date(), nullable=False),
        _at("created_at"),
        sa.Column("answers", sa.JSON(), nullable=True),
        _at("answered_at", nullable=True),
        sa.Column("answered_by_account_id", sa.Integer(), nullable=True),
        _fk("survey_invitations", "answered_by_account_id", "accounts", ondelete="SET NULL"),
        _fk("survey_invitations", "department_id", "departments"),
        _fk("survey_invitations", "notice_id", "admission_notices"),
        _fk("survey_invitations", "patient_id", "patients"),
        _fk("survey_invitations", "questionnaire_id", "survey_questionnaires"),
        _fk("survey_invitations", "ward_id", "wards"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_invitations")),
        sa.UniqueConstraint("notice_id", name=op.f("uq_survey_invitations_notice_id")),
    )
    _index("survey_invitations", "discharged_on", "patient_id", "ward_id")

    op.create_table(
        "follow_up_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        _at("created_at"),
        _fk("follow_up_plans", "department_id", "departments"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_up_plans")),
        sa.UniqueConstraint("department_id", name=op.f("uq_follow_up_plans_department_id")),
    )

    op.create_table(
        "follow_up_plan_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("day_offset", sa.Integer(), nullable=False),
        sa.Column("questionnaire_code", sa.String(length=40), nullable=False),
        sa.Column("remind_after_days", sa.Integer(), nullable=False),
        sa.Column("retired_key", sa.Integer(), server_default="0", nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        _fk("follow_up_plan_items", "plan_id", "follow_up_plans", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_up_plan_items")),
        sa.UniqueConstraint(
            "plan_id",
            "day_offset",
            "retired_key",
            name=op.f("uq_follow_up_plan_items_plan_id_day_offset_retired_key"),
        ),
    )
    _index("follow_up_plan_items", "plan_id")

    op.create_table(
        "follow_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("plan_item_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("ward_id", sa.Integer(), nullable=True),
        sa.Column("questionnaire_id", sa.Integer(), nullable=False),
        sa.Column("day_offset", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("remind_after_days", sa.Integer(), nullable=False),
        _at("created_at"),
        _at("reminded_at", nullable=True),
        sa.Column("answers", sa.JSON(), nullable=True),
        _at("answered_at", nullable=True),
        sa.Column("answered_by_account_id", sa.Integer(), nullable=True),
        sa.Column("flagged", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("flag_items", sa.JSON(), nullable=False),
        _at("acknowledged_at", nullable=True),
        sa.Column("acknowledged_by", sa.String(length=100), nullable=True),
        _fk("follow_ups", "answered_by_account_id", "accounts", ondelete="SET NULL"),
        _fk("follow_ups", "department_id", "departments"),
        _fk("follow_ups", "notice_id", "admission_notices"),
        _fk("follow_ups", "patient_id", "patients"),
        _fk("follow_ups", "plan_item_id", "follow_up_plan_items"),
        _fk("follow_ups", "questionnaire_id", "survey_questionnaires"),
        _fk("follow_ups", "ward_id", "wards"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_ups")),
        sa.UniqueConstraint("notice_id", "plan_item_id", name=op.f("uq_follow_ups_notice_id_plan_item_id")),
    )
    _index("follow_ups", "due_on", "flagged", "notice_id", "patient_id", "ward_id")

    op.create_table(
        "follow_up_appointments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        _at("at"),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        _at("created_at"),
        _at("reminded_at", nullable=True),
        _at("cancelled_at", nullable=True),
        sa.Column("cancelled_by", sa.String(length=100), nullable=True),
        _fk("follow_up_appointments", "notice_id", "admission_notices"),
        _fk("follow_up_appointments", "patient_id", "patients"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_up_appointments")),
    )
    _index("follow_up_appointments", "at", "notice_id", "patient_id")


def downgrade() -> None:
    for table in (
        "follow_up_appointments",
        "follow_ups",
        "follow_up_plan_items",
        "follow_up_plans",
        "survey_invitations",
        "education_reads",
        "education_pushes",
        "education_articles",
        "survey_questionnaires",
    ):
        op.drop_table(table)
