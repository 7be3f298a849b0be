"""The search index as the app uses it: public documents, updates after commit, retries, rebuilds, health."""

# The subscriber (services/subscribers.py) runs sync as a job (services/jobs.py) for the records a use case changed, after its
# commit. The document is always rebuilt from the database, so a retry or a late write never puts old
# text back.
# A failed write never reaches the user: it is queued in search_index_retries and retried after the
# next successful write, by `matchmaker search retry`, and dropped by a rebuild that covers it.

from __future__ import annotations

import logging
import os
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app

from matchmaker.extensions import db
from matchmaker.matching import Lexicon
from matchmaker.models import (
    SearchIndexRetry,
)
from matchmaker.search_index import (
    Health,
    IndexDoc,
    IndexUnavailable,
    SearchIndex,
    SearchResult,
)
from matchmaker.services import jobs
from matchmaker.services.search import documents

log = logging.getLogger(__name__)

EXTENSION = "matchmaker.search_index"
RETRY_BATCH = 50
STALE_REBUILD_SECONDS = 30 * 60
SUGGEST_MIN_CHARS = 2  # a single letter would complete to half the vocabulary
SUGGEST_MAX_CHARS = 100  # longer text is not typed ahead: no suggestions
SUGGEST_MAX_LIMIT = 20

Progress = Callable[[int], object]


# The index object and where it lives


def index_path() -> Path:
    """SEARCH_INDEX_PATH, or ``search_index`` in the data folder."""
    configured = current_app.config.get("SEARCH_INDEX_PATH")
    return Path(
        configured or Path(current_app.config["MATCHMAKER_DATA_DIR"]) / "search_index"
    )


def get_index() -> SearchIndex:
    """The app's search index (one per app and path, opened lazily)."""
    path = index_path()
    index = current_app.extensions.get(EXTENSION)
    if index is None or index.path != path:
        index = SearchIndex(path, Lexicon.load(), lock_timeout=_lock_timeout())
        current_app.extensions[EXTENSION] = index
    return index


def _lock_timeout() -> float:
    return float(current_app.config.get("SEARCH_LOCK_TIMEOUT", 30.0))


# Keeping the index right after each commit


def sync(keys: list[tuple[str, int]]) -> bool:
    """Bring the index in line with the database for ``keys``; never raises. Return whether it worked.

    The documents are read again after writing: if another process committed a newer version
    meanwhile and wrote before us, the newer one is written again, so the last commit always wins.
    """
    try:
        for _attempt in range(3):
            db.session.rollback()  # a fresh read of what is committed (a no-op after the caller's commit)
            docs = [documents.document(kind, rid) for kind, rid in keys]
            _write(keys, docs)
            db.session.rollback()
            if [documents.document(kind, rid) for kind, rid in keys] == docs:
                break
    except Exception as error:  # noqa: BLE001 — a failed index write must never fail the request
        queued = _queue(keys, error)
        if isinstance(error, IndexUnavailable):
            _recover()
        if not queued and jobs.in_worker_job():
            # Neither written nor remembered (the database is down): the queue retries the job later.
            raise
        return False
    retry_pending()
    return True


def _recover() -> None:
    """Start rebuilding a missing or corrupt index; never raises."""
    try:
        start_rebuild(current_app._get_current_object())
    except Exception:  # noqa: BLE001 — the next search or write tries again
        log.exception("could not start rebuilding the search index")


def _write(keys: list[tuple[str, int]], docs: list[IndexDoc | None]) -> None:
    index = get_index()
    index.upsert_many(doc for doc in docs if doc is not None)
    for (kind, rid), doc in zip(keys, docs, strict=True):
        if doc is None:
            index.delete(kind, rid)


def _queue(keys: list[tuple[str, int]], error: Exception) -> bool:
    """Remember failed updates in the database, so that any process can retry them; whether it could."""
    log.warning("search index update failed for %s: %s", keys, error)
    try:
        db.session.rollback()
        for kind, rid in keys:
            # A fresh row (new id) each time: a rebuild drops only rows queued before it started.
            old = db.session.scalar(
                sa.select(SearchIndexRetry).filter_by(kind=kind, record_id=rid)
            )
            attempts = old.attempts if old is not None else 0
            if old is not None:
                db.session.delete(old)
                db.session.flush()
            db.session.add(
                SearchIndexRetry(
                    kind=kind,
                    record_id=rid,
                    attempts=attempts + 1,
                    last_error=str(error)[:1000],
                )
            )
        db.session.commit()  # its own transaction: the use case has already committed
    except sa.exc.SQLAlchemyError as failure:
        try:
            db.session.rollback()
        except sa.exc.SQLAlchemyError:
            pass  # the connection is gone with the database
        if isinstance(failure, sa.exc.IntegrityError):
            return True  # another process queued the same record: it will be retried
        log.warning("could not queue search index retries for %s: %s", keys, failure)
        return False
    return True


def pending_retries() -> int:
    """How many records wait for a retried index update."""
    return db.session.scalar(sa.select(sa.func.count(SearchIndexRetry.id))) or 0


def retry_pending(limit: int = RETRY_BATCH) -> int:
    """Index again the records whose update failed; return how many are done. Never raises."""
    try:
        rows = list(
            db.session.scalars(
                sa.select(SearchIndexRetry).order_by(SearchIndexRetry.id).limit(limit)
            )
        )
        if not rows:
            return 0
        keys = [(row.kind, row.record_id) for row in rows]
        _write(keys, [documents.document(kind, rid) for kind, rid in keys])
        ids = [row.id for row in rows]
        db.session.execute(
            sa.delete(SearchIndexRetry).where(SearchIndexRetry.id.in_(ids))
        )
        db.session.commit()  # index bookkeeping, not a use case: after the use case's commit
        return len(rows)
    except Exception:  # noqa: BLE001 — the rows stay queued for the next try
        db.session.rollback()
        log.warning("search index retry failed; will try again later", exc_info=True)
        return 0


# Rebuilding from the database


def count_documents() -> int:
    """About how many documents a rebuild indexes (for a progress bar)."""
    return documents.count_documents()


def rebuild(progress: Progress | None = None) -> int:
    """Rebuild the whole index from the database; searches use the old one until the swap.

    ``progress(1)`` is called for each record read. Updates queued before the rebuild started are
    covered by it and dropped. Returns the number of documents indexed.
    """
    db.session.rollback()
    covered = db.session.scalar(sa.select(sa.func.max(SearchIndexRetry.id))) or 0
    count = get_index().rebuild(documents.all_documents(progress))
    db.session.execute(
        sa.delete(SearchIndexRetry).where(SearchIndexRetry.id <= covered)
    )
    db.session.commit()  # index bookkeeping, run by the CLI or a recovery, never inside a use case
    return count


def _marker() -> Path:
    path = index_path()
    return path.with_name(path.name + ".rebuilding")


def _claim_rebuild(marker: Path) -> bool:
    """Take the cross-process "rebuild running" marker; a marker older than half an hour is stale."""
    marker.parent.mkdir(parents=True, exist_ok=True)
    try:
        if time.time() - marker.stat().st_mtime > STALE_REBUILD_SECONDS:
            marker.unlink(missing_ok=True)
    except FileNotFoundError:
        pass
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return False
    os.write(fd, str(os.getpid()).encode())
    os.close(fd)
    return True


def is_rebuilding() -> bool:
    """Whether a rebuild started by an app process is running."""
    return _marker().exists()


def start_rebuild(
    app: Flask, background: bool | None = None
) -> threading.Thread | None:
    """Rebuild a missing or corrupt index unless a rebuild is already running; never waits for it.

    A background job (:mod:`matchmaker.services.jobs`): on Redis when configured; otherwise on a thread
    here, or in the foreground when testing (``background`` overrides). Returns the thread of a rebuild
    running in this process.
    """
    with app.app_context():
        marker = _marker()
        if not _claim_rebuild(marker):
            return None
        background = (not app.testing) if background is None else background
        handle = jobs.enqueue(
            "search.rebuild",
            "matchmaker.services.search.index.rebuild_job",
            str(marker),
            background=background,
        )
    return handle.thread


def rebuild_job(marker: str) -> int:
    """The rebuild job: rebuild, then release the "rebuild running" marker (a stale one expires)."""
    try:
        return rebuild()
    finally:
        Path(marker).unlink(missing_ok=True)


# Searching and health


@dataclass(frozen=True)
class Outcome:
    """A page of results; without one, the index is being rebuilt or the search failed."""

    result: SearchResult | None
    rebuilding: bool = False
    failed: bool = False


def find(
    query: str,
    filters: dict[str, list[str]],
    sort: str = "relevance",
    page: int = 1,
    per_page: int = 10,
) -> Outcome:
    """Search public records; a missing or corrupt index starts a rebuild and says so. Never raises."""
    index = get_index()
    try:
        return Outcome(
            index.search(
                query, filters=filters, sort="date" if sort == "date" else "relevance",
                page=max(1, min(page, 1000)), limit=per_page,
            )
        )  # fmt: skip
    except IndexUnavailable as error:
        log.warning("search unavailable: %s", error)
        _recover()
        return Outcome(None, rebuilding=True)
    except Exception:  # noqa: BLE001 — an index bug must not become a 500 (the library closed its searcher)
        log.warning("search failed", exc_info=True)
    health = index.check()
    if (
        not health.ok
    ):  # damaged in a way the reads did not name: rebuild it all the same
        log.warning("search index unreadable: %s", health.reason)
        _recover()
        return Outcome(None, rebuilding=True)
    if health.doc_count == 0:  # nothing indexed yet: nothing can match
        return Outcome(
            SearchResult(query=query, hits=[], total=0, page=1, per_page=per_page)
        )
    return Outcome(None, failed=True)


def suggest(prefix: str, limit: int = 8) -> list[str]:
    """Titles of public records matching what was typed so far, the last word as a prefix.

    Accents are optional ("dien" suggests "Điện mặt trời ..."). An empty, one-letter or overlong
    prefix gets no suggestions; a missing or corrupt index gets none and starts a rebuild. Never raises.
    """
    text = unicodedata.normalize("NFC", prefix or "")
    if not SUGGEST_MIN_CHARS <= len(text.strip()) <= SUGGEST_MAX_CHARS:
        return []
    limit = max(1, min(limit, SUGGEST_MAX_LIMIT))
    index = get_index()
    try:
        return [found.title for found in index.suggest(text, limit)]
    except IndexUnavailable as error:
        log.warning("suggestions unavailable: %s", error)
        _recover()
    except Exception:  # noqa: BLE001 — an index bug must not become a 500 (the library closed its searcher)
        log.warning("suggestions failed", exc_info=True)
        if not index.check().ok:
            _recover()
    return []


def health() -> Health:
    """Whether the index can be read; see :meth:`SearchIndex.check`."""
    return get_index().check()
