"""the action plan register: tasks of the Resolution 57 plan, their partners and updates; orders name a task

Revision ID: b7e3d9a1c2f4
Revises: f2a8c1d3e4b5
Create Date: 2026-12-04 10:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b7e3d9a1c2f4"
down_revision = "f2a8c1d3e4b5"
branch_labels = None
depends_on = None

STATUS = sa.Enum("not_started", "in_progress", "completed", name="plan_task_status")


def upgrade():
    op.create_table(
        "plan_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("plan", sa.String(length=80), nullable=False),
        sa.Column("objective", sa.String(length=300), nullable=False),
        sa.Column("lead_agency_id", sa.Integer(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("status", STATUS, nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("evidence_order_id", sa.Integer(), nullable=True),
        sa.Column("evidence_project_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["evidence_order_id"],
            ["research_orders.id"],
            name=op.f("fk_plan_tasks_evidence_order_id_research_orders"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["evidence_project_id"],
            ["projects.id"],
            name=op.f("fk_plan_tasks_evidence_project_id_projects"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["lead_agency_id"],
            ["institutions.id"],
            name=op.f("fk_plan_tasks_lead_agency_id_institutions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_tasks")),
        sa.UniqueConstraint("code", name=op.f("uq_plan_tasks_code")),
    )
    with op.batch_alter_table("plan_tasks") as batch:
        batch.create_index(batch.f("ix_plan_tasks_deadline"), ["deadline"])
        batch.create_index(batch.f("ix_plan_tasks_lead_agency_id"), ["lead_agency_id"])
        batch.create_index(batch.f("ix_plan_tasks_plan"), ["plan"])
        batch.create_index(batch.f("ix_plan_tasks_status"), ["status"])
    op.create_table(
        "plan_task_partners",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name=op.f("fk_plan_task_partners_institution_id_institutions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["plan_tasks.id"],
            name=op.f("fk_plan_task_partners_task_id_plan_tasks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "task_id", "institution_id", name=op.f("pk_plan_task_partners")
        ),
    )
    with op.batch_alter_table("plan_task_partners") as batch:
        batch.create_index(
            batch.f("ix_plan_task_partners_institution_id"), ["institution_id"]
        )
    op.create_table(
        "plan_task_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status_after", STATUS, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_plan_task_updates_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["plan_tasks.id"],
            name=op.f("fk_plan_task_updates_task_id_plan_tasks"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_task_updates")),
    )
    with op.batch_alter_table("plan_task_updates") as batch:
        batch.create_index(batch.f("ix_plan_task_updates_task_id"), ["task_id"])
    with op.batch_alter_table("research_orders") as batch:
        batch.add_column(sa.Column("plan_task_id", sa.Integer(), nullable=True))
        batch.create_index(batch.f("ix_research_orders_plan_task_id"), ["plan_task_id"])
        batch.create_foreign_key(
            batch.f("fk_research_orders_plan_task_id_plan_tasks"),
            "plan_tasks",
            ["plan_task_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("research_orders") as batch:
        batch.drop_constraint(
            batch.f("fk_research_orders_plan_task_id_plan_tasks"), type_="foreignkey"
        )
        batch.drop_index(batch.f("ix_research_orders_plan_task_id"))
        batch.drop_column("plan_task_id")
    op.drop_table("plan_task_updates")
    op.drop_table("plan_task_partners")
    op.drop_table("plan_tasks")
    STATUS.drop(op.get_bind(), checkfirst=True)
