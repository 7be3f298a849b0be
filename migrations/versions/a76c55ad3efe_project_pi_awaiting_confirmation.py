"""a project's principal investigator named from another institution awaits their confirmation

Adds projects.pending_pi_id (the researcher asked to confirm) and two checks: a project links at most
one PI (confirmed or awaiting), and its end year is not before its start year.

Existing data: years in the wrong order are set to one year (the start year); a link made by a
researcher to a PI of another institution, never confirmed, becomes a request awaiting confirmation.

Revision ID: a76c55ad3efe
Revises: e3b3750f3b6e
Create Date: 2026-11-25 10:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a76c55ad3efe"
down_revision = "e3b3750f3b6e"
branch_labels = None
depends_on = None

UNCONFIRMED_LINKS = """
UPDATE projects SET pending_pi_id = pi_id, pi_id = NULL
WHERE pi_id IS NOT NULL AND order_id IS NULL AND created_by_id IS NOT NULL AND pi_id <> created_by_id
  AND EXISTS (
    SELECT 1 FROM users AS registrant
    WHERE registrant.id = projects.created_by_id AND registrant.role = 'researcher'
      AND NOT EXISTS (
        SELECT 1 FROM users AS named
        WHERE named.id = projects.pi_id AND named.institution_id = registrant.institution_id
      )
  )
"""


def upgrade():
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pending_pi_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_projects_pending_pi_id"), ["pending_pi_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_projects_pending_pi_id_users"),
            "users",
            ["pending_pi_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.execute(
        "UPDATE projects SET end_year = start_year "
        "WHERE start_year IS NOT NULL AND end_year IS NOT NULL AND end_year < start_year"
    )
    op.execute(UNCONFIRMED_LINKS)
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f("ck_projects_one_pi_link"), "pi_id IS NULL OR pending_pi_id IS NULL"
        )
        batch_op.create_check_constraint(
            op.f("ck_projects_years_in_order"),
            "start_year IS NULL OR end_year IS NULL OR start_year <= end_year",
        )


def downgrade():
    # Before this revision every named PI was linked at once.
    op.execute(
        "UPDATE projects SET pi_id = pending_pi_id WHERE pending_pi_id IS NOT NULL"
    )
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_projects_years_in_order"), type_="check")
        batch_op.drop_constraint(op.f("ck_projects_one_pi_link"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_projects_pending_pi_id_users"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_projects_pending_pi_id"))
        batch_op.drop_column("pending_pi_id")
