"""Backup and restore, round trip on the suite's database kind (SQLite, or PostgreSQL with pg_dump/pg_restore)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import stat
import tarfile
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask_migrate import stamp
from sqlalchemy.engine import make_url

from matchmaker import create_app
from matchmaker.config import TestConfig
from matchmaker.demo.loader import load_demo_data
from matchmaker.extensions import db
from matchmaker.models import ResearchOrder, Role, User
from matchmaker.services import backup
from matchmaker.services.accounts import users
from matchmaker.services.matching import model as matching_model
from matchmaker.services.orders import attachments
from matchmaker.services.search import index as search

PDF = b"%PDF-1.4\n% the restored attachment\n" + bytes(range(256)) * 40


@pytest.fixture
def backup_databases(database_urls, tmp_path):
    """``new()``: the URL of a fresh, empty database of the run's kind (a file, or a PostgreSQL database)."""
    made: list[str] = []

    def new() -> str:
        name = f"matchmaker_test_{uuid.uuid4().hex[:10]}_backup"
        if database_urls["kind"] == "sqlite":
            return f"sqlite:///{tmp_path}/{name}.db"
        admin = sa.create_engine(database_urls["app"], isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        made.append(name)
        return make_url(database_urls["app"]).set(database=name).render_as_string(False)

    yield new
    if made:
        admin = sa.create_engine(database_urls["app"], isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in made:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _empty_shared_database() -> None:
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture
def backup_app_for(backup_databases, tmp_path):
    """``make(url, data)``: an app on ``url`` with its data folders under tmp_path/data; its schema is made
    and stamped at Alembic's head unless ``schema`` is False; ``shared``: the run's database, emptied
    afterwards as the ``app`` fixture does. (It asks for ``backup_databases`` so that those are dropped
    after its apps are gone.)"""
    pushed = []

    def make(url: str, data: str = "data", schema: bool = True, shared: bool = False):
        class Config(TestConfig):
            SQLALCHEMY_DATABASE_URI = url
            MATCHMAKER_DATA_DIR = str(tmp_path / data)

        app = create_app(Config)
        context = app.app_context()
        context.push()
        pushed.append((context, shared))
        if schema:
            db.create_all()
            stamp()
        return app

    yield make
    for context, shared in reversed(pushed):
        db.session.remove()
        if shared:
            _empty_shared_database()
        db.engine.dispose()
        context.pop()


@pytest.fixture
def backup_app(database_urls, backup_app_for, tmp_path):
    """An app on the run's database (on SQLite: a file of its own)."""
    if database_urls["kind"] == "sqlite":
        return backup_app_for(f"sqlite:///{tmp_path}/live.db")
    return backup_app_for(database_urls["app"], shared=True)


def snapshot() -> dict:
    """Rows per table with a checksum of their contents, and every data file with its checksum."""
    db.session.remove()
    tables = {}
    existing = set(sa.inspect(db.engine).get_table_names())
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            if table.name not in existing:
                continue
            order = list(table.primary_key.columns) or list(table.columns)
            rows = conn.execute(sa.select(table).order_by(*order)).all()
            digest = hashlib.sha256(repr([tuple(r) for r in rows]).encode())
            tables[table.name] = (len(rows), digest.hexdigest())
    files = {}
    for name, root in backup.file_sets().items():
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.name.endswith(backup.SKIPPED_SUFFIXES):
                relative = path.relative_to(root).as_posix()
                files[f"{name}/{relative}"] = hashlib.sha256(
                    path.read_bytes()
                ).hexdigest()
    return {"tables": tables, "files": files}


def attach_pdf() -> Path:
    order = db.session.scalar(sa.select(ResearchOrder).order_by(ResearchOrder.id))
    upload = SimpleNamespace(filename="Đề cương.pdf", stream=io.BytesIO(PDF))
    kept = attachments.store_pdf(
        upload, order=order, uploader=order.created_by, public=True
    )
    db.session.commit()
    return attachments.path_of(kept)


def small_data() -> None:
    users.create_user(
        "an@demo.cantho.example",
        "Nguyễn Văn An",
        Role.OFFICIAL,
        password="Ninh-Kieu-2026!",
    )
    db.session.commit()
    folder = attachments.storage_dir() / "ab"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ab01.pdf").write_bytes(PDF)


def rewrite(
    archive: Path, target: Path, *, content=None, manifest=None, rename=None
) -> None:
    """Copy ``archive`` to ``target``, changing a member's bytes (``content(name, data)``), the manifest
    (``manifest(data)``) or member names (``rename``: old name to new name)."""
    rename = rename or {}
    with tarfile.open(archive) as source, tarfile.open(target, "w:gz") as out:
        for member in source:
            data = source.extractfile(member).read()
            if member.name == backup.MANIFEST and manifest is not None:
                data = json.dumps(manifest(json.loads(data))).encode()
            elif content is not None:
                data = content(member.name, data)
            member.size = len(data)
            member.name = rename.get(member.name, member.name)
            out.addfile(member, io.BytesIO(data))


def search_ids(text: str) -> list[tuple[str, str]]:
    outcome = search.find(text, {})
    assert outcome.result is not None, outcome
    return [(hit.kind, hit.id) for hit in outcome.result.hits]


def test_a_backup_restores_every_record_and_file_after_changes(backup_app, tmp_path):
    load_demo_data()
    pdf = attach_pdf()
    matching_model.refit()
    hits = search_ids("lúa")
    assert hits
    before = snapshot()
    assert sum(count for count, _ in before["tables"].values()) > 1000
    assert {"attachments", "search_index", "matching"} <= {
        name.split("/")[0] for name in before["files"]
    }

    steps: list[str] = []
    archive = tmp_path / "out" / backup.default_archive_name()
    manifest = backup.create_backup(archive, progress=steps.append)
    assert steps and archive.exists()
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert manifest.tables == {name: n for name, (n, _) in before["tables"].items()}
    assert manifest.revision == backup.database_revision() is not None

    # Records deleted, changed and added; a file deleted, one added, the index and model gone.
    with db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM notifications"))
        conn.execute(sa.text("UPDATE users SET full_name = 'Đã đổi' WHERE id = 1"))
    users.create_user(
        "moi@demo.cantho.example",
        "Người Mới",
        Role.OFFICIAL,
        password="Cai-Rang-2026!x",
    )
    db.session.commit()
    pdf.unlink()
    (pdf.parent / "stray.pdf").write_bytes(PDF)
    shutil.rmtree(search.index_path())
    matching_model.model_path().write_bytes(b"not a model")
    assert snapshot() != before

    with pytest.raises(backup.DatabaseNotEmpty):
        backup.restore_backup(archive)
    result = backup.restore_backup(archive, replace=True, progress=steps.append)

    assert not result.needs_upgrade and result.notes == []
    assert snapshot() == before
    assert pdf.read_bytes() == PDF
    assert search_ids("lúa") == hits
    assert matching_model.load_model(matching_model.model_path()) is not None
    # Identities go on from the restored rows (PostgreSQL's sequences are in the dump).
    newcomer = users.create_user(
        "sau@demo.cantho.example",
        "Sau Khôi Phục",
        Role.OFFICIAL,
        password="Cai-Rang-2026!x",
    )
    db.session.commit()
    assert newcomer.id > max(
        db.session.scalars(sa.select(User.id).where(User.id != newcomer.id))
    )
    # No staging or old folders are left beside the data folders.
    assert not [
        p.name for p in pdf.parents[1].parent.iterdir() if p.name.startswith(".")
    ]


def test_a_backup_restores_into_an_empty_database_without_confirmation(
    backup_app, backup_databases, backup_app_for, tmp_path
):
    small_data()
    before = snapshot()
    archive = tmp_path / "b.tar.gz"
    backup.create_backup(archive)

    # The new machine keeps its attachments on another disk, behind a symbolic link.
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "other-disk").mkdir()
    (tmp_path / "elsewhere" / "attachments").symlink_to(tmp_path / "other-disk")
    backup_app_for(backup_databases(), data="elsewhere", schema=False)
    assert backup.database_is_empty()
    backup.restore_backup(archive)

    assert snapshot() == before
    assert db.session.scalar(sa.select(User.email)) == "an@demo.cantho.example"
    assert (tmp_path / "elsewhere" / "attachments").is_symlink()
    assert (tmp_path / "other-disk" / "ab" / "ab01.pdf").read_bytes() == PDF


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("checksum", "does not match its checksum"),
        ("truncated", "damaged"),
        ("format", "uses backup format 99"),
        ("revision", "made by a newer version"),
        ("kind", "Restore it into the same kind of database"),
    ],
)
def test_a_damaged_or_newer_archive_is_refused_and_changes_nothing(
    backup_app, tmp_path, damage, message
):
    small_data()
    archive = tmp_path / "good.tar.gz"
    backup.create_backup(archive)
    bad = tmp_path / "bad.tar.gz"
    if damage == "checksum":
        rewrite(
            archive,
            bad,
            content=lambda name, data: (
                data[:-1] + b"!" if name.startswith("files/") else data
            ),
        )
    elif damage == "truncated":
        bad.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    elif damage == "format":
        rewrite(archive, bad, manifest=lambda m: m | {"format_version": 99})
    elif damage == "revision":
        rewrite(
            archive, bad, manifest=lambda m: m | {"alembic_revision": "ffffffffffff"}
        )
    else:
        other = "sqlite" if backup.database_kind() == "postgresql" else "postgresql"
        renamed = {
            backup.DATABASE_MEMBER[backup.database_kind()]: backup.DATABASE_MEMBER[
                other
            ]
        }

        def other_kind(m: dict) -> dict:
            files = {renamed.get(k, k): v for k, v in m["files"].items()}
            return m | {"database": {"kind": other}, "files": files}

        rewrite(archive, bad, manifest=other_kind, rename=renamed)
    # Records and files changed since the backup: the refused restore must keep them as they are.
    users.create_user(
        "sau@demo.cantho.example",
        "Sau Sao Lưu",
        Role.OFFICIAL,
        password="Cai-Rang-2026!x",
    )
    db.session.commit()
    (attachments.storage_dir() / "ab" / "ab01.pdf").write_bytes(b"%PDF changed")
    before = snapshot()

    with pytest.raises(backup.BackupError, match=message):
        backup.restore_backup(bad, replace=True)

    assert snapshot() == before
    data_dir = attachments.storage_dir().parent
    assert not [p.name for p in data_dir.iterdir() if p.name.startswith(".")]


def test_the_commands_back_up_check_and_refuse_without_yes(backup_app, tmp_path):
    small_data()
    runner = backup_app.test_cli_runner()
    result = runner.invoke(args=["backup", "--output", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Copying the" in result.output and "attachments: 1 files" in result.output
    (archive,) = tmp_path.glob("matchmaker-backup-*.tar.gz")

    checked = runner.invoke(args=["restore", "--check", str(archive)])
    assert checked.exit_code == 0 and "The archive is intact" in checked.output

    refused = runner.invoke(args=["restore", str(archive)])
    assert refused.exit_code == 1
    assert "Nothing was changed" in refused.output and "--yes" in refused.output

    restored = runner.invoke(args=["restore", "--yes", str(archive)])
    assert restored.exit_code == 0, restored.output
    assert "Restore complete" in restored.output and "restart" in restored.output


def test_pg_dump_gets_the_password_from_the_environment_never_the_command_line(
    database_urls, backup_databases, backup_app_for, tmp_path, monkeypatch
):
    if database_urls["kind"] != "postgresql":
        pytest.skip("pg_dump is used on PostgreSQL only")
    url = make_url(backup_databases())
    secret = "Mat-khau-bi-mat-42"
    # Trust authentication takes any password: the URL carries one as a production URL does.
    with_password = url.set(
        username=url.username or os.environ.get("USER") or "postgres", password=secret
    )
    # A pg_dump in front of the real one notes what it was given.
    tools = tmp_path / "bin"
    tools.mkdir()
    log = tmp_path / "pg_dump.log"
    real = shutil.which("pg_dump")
    (tools / "pg_dump").write_text(
        f'#!/bin/sh\necho "argv: $*" >> {log}\necho "env: $PGPASSWORD" >> {log}\nexec {real} "$@"\n'
    )
    (tools / "pg_dump").chmod(0o755)
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}{os.environ['PATH']}")
    app = backup_app_for(with_password.render_as_string(hide_password=False))
    small_data()

    result = app.test_cli_runner().invoke(args=["backup", "--output", str(tmp_path)])

    assert result.exit_code == 0, result.output
    assert secret not in result.output
    lines = log.read_text().splitlines()
    assert any(line.startswith("argv: --format=custom") for line in lines)
    assert not [line for line in lines if line.startswith("argv:") and secret in line]
    assert f"env: {secret}" in lines
