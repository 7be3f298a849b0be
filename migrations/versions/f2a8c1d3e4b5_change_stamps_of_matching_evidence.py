"""publications, IP assets and registered results carry a change stamp, so matching sees edits in place

Revision ID: f2a8c1d3e4b5
Revises: d41f7c2a9b3e
Create Date: 2026-12-04 08:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f2a8c1d3e4b5"
down_revision = "d41f7c2a9b3e"
branch_labels = None
depends_on = None

TABLES = ("publications", "ip_assets", "result_records")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column(
                    "updated_at",
                    sa.DateTime(timezone=True),
                    nullable=True,
                )
            )
    # Existing rows: stamped by their creation where they have one, else now.
    for table in ("publications", "result_records"):
        op.execute(f"UPDATE {table} SET updated_at = created_at")
    op.execute("UPDATE ip_assets SET updated_at = CURRENT_TIMESTAMP")
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.alter_column("updated_at", nullable=False)


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("updated_at")
