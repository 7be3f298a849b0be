"""a notification leads to an endpoint and its values, no longer to a stored path

Replaces notifications.link (a path such as /orders/5) by notifications.endpoint (an endpoint name such as
orders.detail) and notifications.endpoint_values (JSON, such as {"order_id": 5}): services name pages,
the app makes the URLs.

Existing data: every path the code produced becomes its endpoint and values, also under a mount point
(url_for put it in front of the enterprise paths); any other path leads nowhere. The downgrade makes the
paths again from the endpoints below; a notification leading to any other endpoint loses its link.

Revision ID: c9aa42666c5c
Revises: a76c55ad3efe
Create Date: 2026-11-27 10:00:00.000000

"""

import re

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c9aa42666c5c"
down_revision = "a76c55ad3efe"
branch_labels = None
depends_on = None

# (endpoint, name of the id value, path with {id}) for every path a notification was given.
PAGES = [
    ("orders.detail", "order_id", "/orders/{id}"),
    ("orders.work.index", "order_id", "/orders/{id}/work"),
    ("orders.council.review", "order_id", "/orders/{id}/council/review"),
    ("projects.detail", "project_id", "/projects/{id}"),
    ("enterprises.needs.detail", "need_id", "/enterprises/needs/{id}"),
    ("enterprises.detail", "enterprise_id", "/enterprises/{id}"),
]
# Any mount point in front, then the page's path with its id.
PATTERNS = [
    (endpoint, key, re.compile(r"(?:/[^/?#]+)*" + path.replace("{id}", r"([0-9]+)")))
    for endpoint, key, path in PAGES
]

notifications = sa.table(
    "notifications",
    sa.column("id", sa.Integer),
    sa.column("link", sa.String),
    sa.column("endpoint", sa.String),
    sa.column("endpoint_values", sa.JSON),
)


def endpoint_of(link: str) -> tuple[str, dict[str, int]] | None:
    """The endpoint and values of a stored path; None for a path no page of the list matches."""
    for endpoint, key, pattern in PATTERNS:
        found = pattern.fullmatch(link)
        if found:
            return endpoint, {key: int(found.group(1))}
    return None


def path_of(endpoint: str | None, values: dict | None) -> str | None:
    """The path of an endpoint of the list with its id value; None for any other."""
    for name, key, path in PAGES:
        if name == endpoint and isinstance((values or {}).get(key), int):
            return path.format(id=values[key])
    return None


def upgrade():
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("endpoint", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("endpoint_values", sa.JSON(), nullable=True))
    op.execute("UPDATE notifications SET endpoint_values = '{}'")
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(notifications.c.id, notifications.c.link).where(
            notifications.c.link.is_not(None)
        )
    ).all()
    found = [(row.id, endpoint_of(row.link)) for row in rows]
    changes = [
        {"row": pk, "endpoint": target[0], "endpoint_values": target[1]}
        for pk, target in found
        if target is not None
    ]
    if changes:
        conn.execute(
            notifications.update()
            .where(notifications.c.id == sa.bindparam("row"))
            .values(
                endpoint=sa.bindparam("endpoint"),
                endpoint_values=sa.bindparam("endpoint_values"),
            ),
            changes,
        )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.alter_column(
            "endpoint_values", existing_type=sa.JSON(), nullable=False
        )
        batch_op.drop_column("link")


def downgrade():
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("link", sa.String(length=300), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(
            notifications.c.id,
            notifications.c.endpoint,
            notifications.c.endpoint_values,
        ).where(notifications.c.endpoint.is_not(None))
    ).all()
    changes = [
        {"row": row.id, "link": path_of(row.endpoint, row.endpoint_values)}
        for row in rows
    ]
    if changes:
        conn.execute(
            notifications.update()
            .where(notifications.c.id == sa.bindparam("row"))
            .values(link=sa.bindparam("link")),
            changes,
        )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_column("endpoint_values")
        batch_op.drop_column("endpoint")
