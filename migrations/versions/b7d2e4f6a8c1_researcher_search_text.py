"""the folded text researcher lists filter on, stored (researcher_profiles.search_text)

Revision ID: b7d2e4f6a8c1
Revises: a9c3e5f7b1d2
Create Date: 2026-12-04 15:00:00.000000

"""

import json

import sqlalchemy as sa
from alembic import op

# The filter's own folding (NFC, lower case, accents off, đ → d): the stored text must be what the list
# compares the folded query with.
from matchmaker.services.text_filter import stored

# revision identifiers, used by Alembic.
revision = "b7d2e4f6a8c1"
down_revision = "a9c3e5f7b1d2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("researcher_profiles") as batch:
        batch.add_column(
            sa.Column("search_text", sa.Text(), server_default="", nullable=False)
        )
    connection = op.get_bind()
    profiles = sa.table(
        "researcher_profiles",
        sa.column("id", sa.Integer),
        sa.column("user_id", sa.Integer),
        sa.column("keywords", sa.JSON),
        sa.column("department", sa.String),
        sa.column("search_text", sa.Text),
    )
    users = sa.table(
        "users", sa.column("id", sa.Integer), sa.column("full_name", sa.String)
    )
    rows = [
        {
            "row_id": row.id,
            "text": stored(
                row.full_name,
                None
                if row.keywords is None
                else json.dumps(row.keywords, ensure_ascii=False),
                row.department,
            ),
        }
        for row in connection.execute(
            sa.select(
                profiles.c.id,
                users.c.full_name,
                profiles.c.keywords,
                profiles.c.department,
            ).join(users, users.c.id == profiles.c.user_id)
        )
    ]
    if rows:
        connection.execute(
            profiles.update()
            .where(profiles.c.id == sa.bindparam("row_id"))
            .values(search_text=sa.bindparam("text")),
            rows,
        )


def downgrade():
    with op.batch_alter_table("researcher_profiles") as batch:
        batch.drop_column("search_text")
