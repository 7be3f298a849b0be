"""The Alembic migrations and the models agree."""

from __future__ import annotations

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
