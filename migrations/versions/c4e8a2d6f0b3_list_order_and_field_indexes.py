"""indexes the researcher lists read by: users by name, researchers' fields by code

Revision ID: c4e8a2d6f0b3
Revises: b7d2e4f6a8c1
Create Date: 2026-12-04 17:40:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "c4e8a2d6f0b3"
down_revision = "b7d2e4f6a8c1"
branch_labels = None
depends_on = None


def upgrade():
    # A page of researchers by name reads this index in order and stops after its rows (it sorted them all).
    op.create_index("ix_users_full_name_id", "users", ["full_name", "id"])
    # The field filter (a code or its prefix: a range of codes) starts from the researchers of that field.
    op.create_index(
        "ix_researcher_fields_field_code",
        "researcher_fields",
        ["field_code", "researcher_id"],
    )


def downgrade():
    op.drop_index("ix_researcher_fields_field_code", table_name="researcher_fields")
    op.drop_index("ix_users_full_name_id", table_name="users")
