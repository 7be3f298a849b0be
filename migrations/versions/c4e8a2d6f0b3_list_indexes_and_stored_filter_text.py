"""the lists' indexes (users by name, researchers' fields by code), the projects' and orders' stored
filter text (projects, research_orders and users .search_text), and when an account's published fields
last changed (users.public_changed_at)

Revision ID: c4e8a2d6f0b3
Revises: b7d2e4f6a8c1
Create Date: 2026-12-04 17:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# The filter's own folding (NFC, lower case, accents off, đ → d): the stored text must be what the lists
# compare the folded query with.
from matchmaker.services.text_filter import stored

# revision identifiers, used by Alembic.
revision = "c4e8a2d6f0b3"
down_revision = "b7d2e4f6a8c1"
branch_labels = None
depends_on = None

# Each table's columns folded into its search_text, as services/stored_text.py keeps them.
STORED = {
    "projects": ("title", "summary"),
    "research_orders": ("title",),
    "users": ("email", "full_name"),
}


def upgrade():
    # A page of researchers by name reads this index in order and stops after its rows (it sorted them all).
    op.create_index("ix_users_full_name_id", "users", ["full_name", "id"])
    # The field filter (a code or its prefix: a range of codes) starts from the researchers of that field.
    op.create_index(
        "ix_researcher_fields_field_code",
        "researcher_fields",
        ["field_code", "researcher_id"],
    )
    connection = op.get_bind()
    for name, columns in STORED.items():
        with op.batch_alter_table(name) as batch:
            batch.add_column(
                sa.Column("search_text", sa.Text(), server_default="", nullable=False)
            )
        table = sa.table(
            name,
            sa.column("id", sa.Integer),
            sa.column("search_text", sa.Text),
            *(sa.column(c, sa.Text) for c in columns),
        )
        rows = [
            {"row_id": row[0], "text": stored(*row[1:])}
            for row in connection.execute(
                sa.select(table.c.id, *(table.c[c] for c in columns))
            )
        ]
        if rows:
            connection.execute(
                table.update()
                .where(table.c.id == sa.bindparam("row_id"))
                .values(search_text=sa.bindparam("text")),
                rows,
            )

    # The open data's fingerprint reads it instead of updated_at (which a sign-in moves): start from that.
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("public_changed_at", sa.DateTime(timezone=True), nullable=True)
        )
    op.execute("UPDATE users SET public_changed_at = updated_at")


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("public_changed_at")
    for name in STORED:
        with op.batch_alter_table(name) as batch:
            batch.drop_column("search_text")
    op.drop_index("ix_researcher_fields_field_code", table_name="researcher_fields")
    op.drop_index("ix_users_full_name_id", table_name="users")
