"""Backup and restore of the whole platform: the database, the attachments, the search index and the model.

A backup is ONE ``.tar.gz`` archive::

    database/matchmaker.pgdump      pg_dump's custom format (PostgreSQL), or
    database/matchmaker.sqlite3     a consistent copy made with SQLite's backup API
    files/attachments/...           the PDF attachments (ATTACHMENT_DIR)
    files/search_index/...          the live version of the Whoosh index (SEARCH_INDEX_PATH)
    files/matching/...              the fitted matching model (MATCHING_DIR)
    manifest.json                   format version, app version, Alembic revision, database kind,
                                    creation time, row counts, and the size and SHA-256 of every file

:func:`create_backup` and :func:`restore_backup` are plain functions (a job queue can call them) that
report each step through ``progress(message)``; they need an application context. A restore checks the
whole archive before it changes anything; the files are extracted beside their folders and swapped in
after the database is restored.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import io
import json
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import Migrate

from matchmaker.extensions import db
from matchmaker.search_index.storage import Storage
from matchmaker.services.matching import model as matching_model
from matchmaker.services.orders import attachments
from matchmaker.services.search import index as search

FORMAT = "matchmaker-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBER = {
    "postgresql": "database/matchmaker.pgdump",
    "sqlite": "database/matchmaker.sqlite3",
}
CHUNK = 1024 * 1024
# Files never worth keeping: locks, half-written temporary files.
SKIPPED_SUFFIXES = (".lock", ".part", ".tmp", ".journal")

Progress = Callable[[str], object]


class BackupError(Exception):
    """The backup or restore cannot go on; ``str(error)`` says why and what to do."""


class DatabaseNotEmpty(BackupError):
    """The restore would replace records: the caller must confirm it."""


@dataclass(frozen=True)
class Manifest:
    """What ``manifest.json`` says about an archive."""

    data: dict[str, Any]

    @property
    def kind(self) -> str:
        return self.data["database"]["kind"]

    @property
    def revision(self) -> str | None:
        return self.data.get("alembic_revision")

    @property
    def files(self) -> dict[str, dict[str, Any]]:
        return self.data["files"]

    @property
    def tables(self) -> dict[str, int]:
        return self.data["database"].get("tables", {})

    def summary(self) -> str:
        counts = self.data.get("components", {})
        return (
            f"made {self.data['created_at']} by matchmaker {self.data['app_version']}, "
            f"{self.kind} database at revision {self.revision or 'unknown'} "
            f"({sum(self.tables.values())} rows in {len(self.tables)} tables), "
            + ", ".join(f"{name}: {n} files" for name, n in counts.items())
        )


@dataclass
class RestoreResult:
    manifest: Manifest
    needs_upgrade: bool = False
    notes: list[str] = field(default_factory=list)


# --- Where things are ------------------------------------------------------------------------------------


def file_sets() -> dict[str, Path]:
    """The folders a backup holds, by their name in the archive."""
    return {
        "attachments": attachments.storage_dir(),
        "search_index": search.index_path(),
        "matching": matching_model.model_dir(),
    }


def database_kind() -> str:
    backend = db.engine.url.get_backend_name()
    if backend not in DATABASE_MEMBER:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {backend}.")
    return backend


def app_version() -> str:
    try:
        return importlib.metadata.version("matchmaker")
    except (
        importlib.metadata.PackageNotFoundError
    ):  # run from a checkout that was never installed
        return "unknown"


def default_archive_name(now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return f"matchmaker-backup-{now:%Y%m%d-%H%M%S}.tar.gz"


# --- Alembic revisions -----------------------------------------------------------------------------------


def _scripts() -> ScriptDirectory:
    migrate: Migrate = current_app.extensions["migrate"].migrate
    return ScriptDirectory.from_config(migrate.get_config())


def database_revision() -> str | None:
    """The Alembic revision the database is at (``None`` for a schema Alembic did not make)."""
    if not sa.inspect(db.engine).has_table("alembic_version"):
        return None
    with db.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT version_num FROM alembic_version"))
        versions = sorted(row[0] for row in rows)
    return ",".join(versions) or None


def _check_revision(revision: str | None) -> bool:
    """Refuse a revision this code does not know; True when the restored database needs ``db upgrade``."""
    if revision is None:
        return False
    scripts = _scripts()
    heads = set(scripts.get_heads())
    wanted = revision.split(",")
    for rev in wanted:
        try:
            known = scripts.get_revision(rev)
        except Exception:  # alembic raises several kinds for an unknown id
            known = None
        if known is None:
            raise BackupError(
                f"The backup's database is at revision {revision}, which this version of matchmaker "
                "does not know: the backup was made by a newer version. Install the version that made "
                "it (see its manifest) and restore with that one."
            )
    return set(wanted) != heads


# --- Table contents --------------------------------------------------------------------------------------


def table_counts() -> dict[str, int]:
    """Rows per table of the app's schema, for tables that exist."""
    existing = set(sa.inspect(db.engine).get_table_names())
    counts = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            if table.name in existing:
                counts[table.name] = conn.execute(
                    sa.select(sa.func.count()).select_from(table)
                ).scalar_one()
    return counts


def database_is_empty() -> bool:
    return not any(table_counts().values())


# --- PostgreSQL client tools ------------------------------------------------------------------------------


def _pg_environment() -> dict[str, str]:
    """libpq's variables for the configured database: the password never goes on a command line."""
    url = db.engine.url
    env = dict(os.environ)
    values = {
        "PGHOST": url.query.get("host") or url.host,
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
        "PGSSLMODE": url.query.get("sslmode"),
    }
    for name, value in values.items():
        if value:
            env[name] = str(value)
    return env


def _major(version_text: str) -> int:
    """The major version in ``pg_dump (PostgreSQL) 15.20 (Debian ...)`` or in ``15.20 (Debian ...)``."""
    match = re.search(r"(?:\(PostgreSQL\)\s*)?(\d+)", version_text)
    return int(match.group(1)) if match else 0


def _pg_tool(name: str) -> str:
    """Path of pg_dump / pg_restore, checked to be as new as the server (an older one cannot read it)."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed. Install PostgreSQL's client tools of the server's version "
            "(Debian: apt-get install postgresql-client, or `make pg-client`)."
        )
    client = subprocess.run(
        [path, "--version"], capture_output=True, text=True, check=True
    ).stdout
    with db.engine.connect() as conn:
        server = conn.execute(sa.text("SHOW server_version")).scalar_one()
    if _major(client.split("(PostgreSQL)")[-1]) < _major(server):
        raise BackupError(
            f"{name} is version {client.strip()}, older than the server ({server}); install the "
            "client tools of the server's major version."
        )
    return path


def _run_pg(argv: list[str]) -> None:
    env = _pg_environment()
    completed = subprocess.run(argv, env=env, capture_output=True, text=True)
    if completed.returncode != 0:
        message = completed.stderr.strip()
        password = env.get("PGPASSWORD")
        if password:
            message = message.replace(password, "***")
        raise BackupError(f"{Path(argv[0]).name} failed: {message}")


# --- Writing a backup ------------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _dump_database(kind: str, target: Path) -> None:
    db.session.remove()
    if kind == "postgresql":
        _run_pg([_pg_tool("pg_dump"), "--format=custom", "--file", str(target)])
        return
    raw = db.engine.raw_connection()
    try:
        with contextlib.closing(sqlite3.connect(target)) as copy:
            raw.driver_connection.backup(copy)
    finally:
        raw.close()


def _files_of(root: Path) -> Iterator[Path]:
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if (
            path.is_file()
            and not path.is_symlink()
            and not path.name.endswith(SKIPPED_SUFFIXES)
        ):
            yield path


@contextlib.contextmanager
def _index_files(root: Path) -> Iterator[list[Path]]:
    """The live version of the search index, held still by its write lock while it is copied."""
    storage = Storage(root, current_app.config.get("SEARCH_LOCK_TIMEOUT", 30))
    current = storage.current_version()
    if current is None:
        yield []
        return
    with storage.locked():
        current = storage.current_version()
        yield [root / "CURRENT", *_files_of(root / current)] if current else []


def create_backup(target: Path, progress: Progress | None = None) -> Manifest:
    """Write the archive ``target`` (atomically: a temporary file, then a rename) and return its manifest.

    The database copy is consistent on its own (pg_dump's snapshot, SQLite's backup API); files added
    while the backup runs may be in it or not.
    """
    say = progress or (lambda _message: None)
    kind = database_kind()
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    files: dict[str, dict[str, Any]] = {}
    components: dict[str, int] = {}
    handle, partial = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".part"
    )
    os.close(handle)
    os.chmod(partial, 0o600)  # it holds every account's password hash
    try:
        with (
            tempfile.TemporaryDirectory() as work,
            tarfile.open(partial, "w:gz", compresslevel=6) as tar,
        ):

            def add(path: Path, name: str) -> None:
                files[name] = {"sha256": _sha256(path), "size": path.stat().st_size}
                tar.add(path, arcname=name, recursive=False)

            say(f"Copying the {kind} database")
            revision = database_revision()
            counts = table_counts()
            dump = Path(work) / Path(DATABASE_MEMBER[kind]).name
            _dump_database(kind, dump)
            add(dump, DATABASE_MEMBER[kind])
            say(
                f"Database copied: {sum(counts.values())} rows in {len(counts)} tables, "
                f"{files[DATABASE_MEMBER[kind]]['size']} bytes"
            )
            for name, root in file_sets().items():
                if name == "search_index":
                    holder = _index_files(root)
                else:
                    holder = contextlib.nullcontext(list(_files_of(root)))
                with holder as paths:
                    for path in paths:
                        add(path, f"files/{name}/{path.relative_to(root).as_posix()}")
                components[name] = len(paths)
                say(f"{name}: {len(paths)} files from {root}")
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "app_version": app_version(),
                "alembic_revision": revision,
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "database": {"kind": kind, "tables": counts},
                "components": components,
                "files": files,
            }
            payload = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(payload)
            info.mtime = int(datetime.now(UTC).timestamp())
            tar.addfile(info, io.BytesIO(payload))
        os.replace(partial, target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    say(f"Backup written to {target} ({target.stat().st_size} bytes)")
    return Manifest(manifest)


# --- Checking an archive ---------------------------------------------------------------------------------


def _open(archive: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(archive, "r:*")
    except (OSError, tarfile.TarError) as error:
        raise BackupError(
            f"{archive} is not a readable backup archive: {error}"
        ) from error


def read_manifest(archive: Path) -> Manifest:
    """The archive's manifest, checked to be one this version can restore."""
    with _open(archive) as tar:
        try:
            member = tar.getmember(MANIFEST)
            data = json.load(tar.extractfile(member))
        except (KeyError, ValueError, OSError, tarfile.TarError, EOFError) as error:
            raise BackupError(
                f"{archive} has no readable {MANIFEST}: it is not a matchmaker backup or it is damaged."
            ) from error
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BackupError(f"{archive} is not a matchmaker backup.")
    version = data.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise BackupError(
            f"{archive} uses backup format {version!r}; this version of matchmaker reads format "
            f"{FORMAT_VERSION} or older. Restore it with the matchmaker version that made it "
            f"({data.get('app_version', 'unknown')})."
        )
    try:
        manifest = Manifest(data)
        if manifest.kind not in DATABASE_MEMBER or not isinstance(manifest.files, dict):
            raise KeyError("database")
    except (KeyError, TypeError) as error:
        raise BackupError(f"{archive}: its manifest is incomplete.") from error
    return manifest


def _member_name(name: str) -> str:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(f"The archive holds an unsafe path: {name!r}.")
    return path.as_posix()


def verify_archive(archive: Path, progress: Progress | None = None) -> Manifest:
    """Read every file of the archive and compare it with the manifest; nothing is written."""
    say = progress or (lambda _message: None)
    manifest = read_manifest(archive)
    say(f"Checking {len(manifest.files)} files against the manifest")
    seen: set[str] = set()
    with _open(archive) as tar:
        try:
            for member in tar:
                name = _member_name(member.name)
                if name == MANIFEST:
                    continue
                expected = manifest.files.get(name)
                if expected is None or not member.isfile():
                    raise BackupError(
                        f"The archive holds {name}, which its manifest does not list."
                    )
                digest = hashlib.sha256()
                with tar.extractfile(member) as handle:
                    while chunk := handle.read(CHUNK):
                        digest.update(chunk)
                if (
                    digest.hexdigest() != expected["sha256"]
                    or member.size != expected["size"]
                ):
                    raise BackupError(
                        f"{name} in the archive does not match its checksum: the archive is damaged."
                    )
                seen.add(name)
        except (OSError, tarfile.TarError, EOFError, zlib.error) as error:
            raise BackupError(
                f"{archive} cannot be read to the end: it is damaged ({error})."
            ) from error
    missing = sorted(set(manifest.files) - seen)
    if missing:
        raise BackupError(
            f"The archive lacks {len(missing)} files its manifest lists (first: {missing[0]})."
        )
    if DATABASE_MEMBER[manifest.kind] not in seen:
        raise BackupError("The archive holds no database copy.")
    return manifest


# --- Restoring -------------------------------------------------------------------------------------------


def _extract(tar: tarfile.TarFile, member: tarfile.TarInfo, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with tar.extractfile(member) as source, target.open("wb") as out:
        shutil.copyfileobj(source, out, CHUNK)


def _restore_database(kind: str, dump: Path) -> None:
    db.session.remove()
    if kind == "postgresql":
        tool = _pg_tool("pg_restore")
        db.engine.dispose()  # our own pooled connections would hold locks on the tables
        _run_pg(
            [
                tool,
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                "--dbname",
                db.engine.url.database,
                str(dump),
            ]
        )
        return
    # SQLite's backup API copies the pages into the live database in one transaction of its own:
    # readers see the old or the new database, never a mix, and a crash rolls it back. Replacing the
    # file instead could pair the new file with the old one's -wal/-journal.
    raw = db.engine.raw_connection()
    try:
        with contextlib.closing(sqlite3.connect(dump)) as source:
            source.backup(raw.driver_connection)
    finally:
        raw.close()
    if db.engine.url.database not in (None, "", ":memory:"):
        db.engine.dispose()


def _swap(staged: Path, target: Path) -> None:
    """Put the staged folder where ``target`` is: two renames in the same parent folder."""
    old = target.with_name(f".{target.name}.old-{secrets.token_hex(4)}")
    if target.exists():
        os.rename(target, old)
    os.rename(staged, target)
    shutil.rmtree(old, ignore_errors=True)


def _forget_open_files() -> None:
    """This process' open index and loaded model refer to the old files: drop them."""
    index = current_app.extensions.pop(search.EXTENSION, None)
    if index is not None:
        index.close()
    current_app.extensions.pop(matching_model.EXTENSION, None)


def restore_backup(
    archive: Path, *, replace: bool = False, progress: Progress | None = None
) -> RestoreResult:
    """Restore ``archive`` into the configured database and data folders.

    Raises BackupError (nothing changed) for a damaged archive, a newer format or revision, another
    database kind, and DatabaseNotEmpty when the database has records and ``replace`` is False. The app's
    other processes (web server, workers) must be stopped during the restore and started afterwards.
    """
    say = progress or (lambda _message: None)
    archive = Path(archive)
    manifest = verify_archive(archive, say)
    kind = database_kind()
    if manifest.kind != kind:
        raise BackupError(
            f"The backup holds a {manifest.kind} database; the configured database is {kind}. "
            "Restore it into the same kind of database."
        )
    needs_upgrade = _check_revision(manifest.revision)
    if not replace and not database_is_empty():
        raise DatabaseNotEmpty(
            "The configured database already holds records; the restore would replace them all."
        )
    say(f"Backup {manifest.summary()}")
    # A data folder may be a symbolic link to another disk: the restored folder goes where it points.
    targets = {name: root.resolve() for name, root in file_sets().items()}
    token = secrets.token_hex(4)
    staged = {
        name: root.with_name(f".{root.name}.restore-{token}")
        for name, root in targets.items()
    }
    result = RestoreResult(manifest, needs_upgrade)
    with tempfile.TemporaryDirectory() as work:
        try:
            for path in staged.values():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.mkdir()
            dump = Path(work) / "database"
            with _open(archive) as tar:
                for member in tar:
                    name = _member_name(member.name)
                    if name == DATABASE_MEMBER[kind]:
                        _extract(tar, member, dump)
                    elif name.startswith("files/"):
                        _, group, rest = name.split("/", 2)
                        if group in staged:
                            _extract(tar, member, staged[group] / rest)
            say("Files extracted beside their folders; restoring the database")
            _restore_database(kind, dump)
        except BaseException:
            for path in staged.values():
                shutil.rmtree(path, ignore_errors=True)
            raise
    counts = table_counts()
    say(f"Database restored: {sum(counts.values())} rows in {len(counts)} tables")
    for name, root in targets.items():
        _swap(staged[name], root)
        say(f"{name} restored into {root}")
    _forget_open_files()
    if needs_upgrade:
        result.notes.append(
            "The backup's database is at an older revision: run `matchmaker db upgrade`."
        )
    return result
