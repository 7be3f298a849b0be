"""institutions' province, results' transfer, and an index on order steps by action and date

Revision ID: c4d8e2f6a1b3
Revises: b7e3d9a1c2f4
Create Date: 2026-12-04 11:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c4d8e2f6a1b3"
down_revision = "b7e3d9a1c2f4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("institutions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("province", sa.String(length=80), nullable=False, server_default="")
        )
        batch_op.create_index(batch_op.f("ix_institutions_province"), ["province"], unique=False)
    with op.batch_alter_table("result_records", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("transferred_to", sa.String(length=300), nullable=False, server_default="")
        )
    op.create_index(
        "ix_order_events_action_created_at", "order_events", ["action", "created_at"], unique=False
    )


def downgrade():
    op.drop_index("ix_order_events_action_created_at", table_name="order_events")
    with op.batch_alter_table("result_records", schema=None) as batch_op:
        batch_op.drop_column("transferred_to")
    with op.batch_alter_table("institutions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_institutions_province"))
        batch_op.drop_column("province")
