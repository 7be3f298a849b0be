"""The Alembic migrations and the models agree."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from matchmaker import create_app
from matchmaker.config import TestConfig
from matchmaker.extensions import db


@pytest.fixture
def empty_app(database_urls, tmp_path):
    url = database_urls.get("migrations") or f"sqlite:///{tmp_path}/migrations.db"

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Config)
    with app.app_context():
        yield app
        downgrade(revision="base")
        db.engine.dispose()


def test_upgrade_to_head_gives_the_models_schema(empty_app):
    upgrade()
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_downgrade_to_base_removes_every_table(empty_app):
    upgrade()
    downgrade(revision="base")
    tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert tables == set()


# Each path a notification was given (also under a mount point), and the endpoint and values it becomes.
NOTIFICATION_LINKS = [
    ("/orders/7", "orders.detail", {"order_id": 7}),
    ("/orders/7/work", "orders.work.index", {"order_id": 7}),
    ("/orders/7/council/review", "orders.council.review", {"order_id": 7}),
    ("/projects/8", "projects.detail", {"project_id": 8}),
    ("/enterprises/needs/9", "enterprises.needs.detail", {"need_id": 9}),
    ("/enterprises/10", "enterprises.detail", {"enterprise_id": 10}),
    ("/matchmaker/enterprises/needs/9", "enterprises.needs.detail", {"need_id": 9}),
    ("/somewhere/else", None, {}),
    ("//evil.example/orders/7", None, {}),
    (None, None, {}),
]


def _notification_rows() -> list:
    notifications = sa.Table("notifications", sa.MetaData(), autoload_with=db.engine)
    with db.engine.connect() as conn:
        return conn.execute(sa.select(notifications).order_by(notifications.c.id)).all()


def test_notification_links_become_endpoints_and_back(empty_app):
    upgrade(revision="a76c55ad3efe")
    now = datetime(2026, 11, 1, tzinfo=UTC)
    meta = sa.MetaData()
    users = sa.Table("users", meta, autoload_with=db.engine)
    notifications = sa.Table("notifications", meta, autoload_with=db.engine)
    with db.engine.begin() as conn:
        conn.execute(users.insert().values(
            id=1, email="a@demo.cantho.example", full_name="A", role="researcher", active=True,
            session_version=1, created_at=now, updated_at=now,
        ))  # fmt: skip
        conn.execute(
            notifications.insert(),
            [
                {
                    "user_id": 1,
                    "kind": "k",
                    "params": {},
                    "link": link,
                    "created_at": now,
                }
                for link, _endpoint, _values in NOTIFICATION_LINKS
            ],
        )
    upgrade()
    rows = _notification_rows()
    assert [(row.endpoint, row.endpoint_values) for row in rows] == [
        (endpoint, values) for _link, endpoint, values in NOTIFICATION_LINKS
    ]
    assert "link" not in rows[0]._fields
    downgrade(revision="a76c55ad3efe")
    # A page of the list gets its path back (without the mount point); anything else no link.
    assert [row.link for row in _notification_rows()] == [
        "/orders/7", "/orders/7/work", "/orders/7/council/review", "/projects/8",
        "/enterprises/needs/9", "/enterprises/10", "/enterprises/needs/9", None, None, None,
    ]  # fmt: skip


def test_province_and_transfer_columns_default_to_blank_on_existing_rows(empty_app):
    upgrade(revision="b7e3d9a1c2f4")
    now = datetime(2026, 11, 1, tzinfo=UTC)
    institutions = sa.Table("institutions", sa.MetaData(), autoload_with=db.engine)
    with db.engine.begin() as conn:
        conn.execute(institutions.insert().values(
            id=1, slug="ctu", name_vi="Trường Đại học Cần Thơ", name_en="", short_name="", kind="university",
            district="", address="", created_at=now, updated_at=now,
        ))  # fmt: skip
    upgrade()
    inspector = sa.inspect(db.engine)
    with db.engine.connect() as conn:
        assert (
            conn.execute(sa.text("SELECT province FROM institutions")).scalar_one()
            == ""
        )
    assert {"ix_order_events_action_created_at"} <= {
        i["name"] for i in inspector.get_indexes("order_events")
    }
    assert "transferred_to" in {
        c["name"] for c in inspector.get_columns("result_records")
    }


def test_researchers_get_their_folded_filter_text(empty_app):
    upgrade(revision="a9c3e5f7b1d2")
    now = datetime(2026, 11, 1, tzinfo=UTC)
    metadata = sa.MetaData()
    users = sa.Table("users", metadata, autoload_with=db.engine)
    profiles = sa.Table("researcher_profiles", metadata, autoload_with=db.engine)
    with db.engine.begin() as conn:
        conn.execute(users.insert().values(
            id=1, email="a@example.org", password_hash="x", full_name="Nguyễn Văn Đào", role="researcher",
            active=True, session_version=1, created_at=now, updated_at=now,
        ))  # fmt: skip
        conn.execute(profiles.insert().values(
            id=1, user_id=1, department="Khoa Thủy sản", position="", keywords=["cá tra"], summary="",
            capabilities="", links=[], open_to_orders=True, public=True, created_at=now, updated_at=now,
        ))  # fmt: skip
    upgrade()
    with db.engine.connect() as conn:
        text = conn.execute(
            sa.text("SELECT search_text FROM researcher_profiles")
        ).scalar_one()
    assert text == 'nguyen van dao\n["ca tra"]\nkhoa thuy san'


def test_projects_get_their_folded_filter_text_and_the_lists_their_indexes(empty_app):
    upgrade(revision="b7d2e4f6a8c1")
    now = datetime(2026, 11, 1, tzinfo=UTC)
    projects = sa.Table("projects", sa.MetaData(), autoload_with=db.engine)
    with db.engine.begin() as conn:
        conn.execute(projects.insert().values(
            id=1, title="Xâm nhập MẶN", summary="Đồng Tháp", pi_name="", team=[], status="in_progress",
            products="", ip="", applied_at="", created_at=now, updated_at=now,
        ))  # fmt: skip
    upgrade()
    with db.engine.connect() as conn:
        text = conn.execute(sa.text("SELECT search_text FROM projects")).scalar_one()
    assert text == "xam nhap man\ndong thap"
    inspector = sa.inspect(db.engine)
    assert "ix_users_full_name_id" in {
        i["name"] for i in inspector.get_indexes("users")
    }
    assert "ix_researcher_fields_field_code" in {
        i["name"] for i in inspector.get_indexes("researcher_fields")
    }
