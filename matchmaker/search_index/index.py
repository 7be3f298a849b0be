"""SearchIndex: create, open, write, rebuild, check and search one versioned Whoosh index."""

from __future__ import annotations

import os
import pickle
import shutil
import struct
import threading
import zlib
from collections.abc import Callable, Collection, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import whoosh.index
from whoosh.reading import IndexReader
from whoosh.searching import Searcher

from matchmaker.matching import Lexicon

from .documents import (
    Health,
    IndexBusy,
    IndexDoc,
    IndexUnavailable,
    SearchResult,
    Suggestion,
    make_key,
)
from .facets import SegmentCache
from .lexicon import QueryLexicon
from .loading import Progress, load
from .postings import PostingCache, read_postings
from .query import parse
from .schema import build_schema
from .searching import Sort, run_browse, run_search, run_suggest
from .storage import Storage
from .writing import apply_ops

T = TypeVar("T")

# What reading a missing, truncated or garbled index raises in Whoosh. Opening catches every
# exception, not just these: the table of contents and segments are pickles, and unpickling a class
# that was renamed or changed (in this package or in Whoosh) raises AttributeError, ImportError,
# TypeError... An index that cannot be opened is damaged whatever the reason, and is rebuilt.
CORRUPTION_ERRORS = (
    whoosh.index.IndexError,
    OSError,
    EOFError,
    ValueError,
    KeyError,
    IndexError,
    struct.error,
    pickle.UnpicklingError,
    zlib.error,
)


class SearchIndex:
    """A Whoosh index of public records under ``path``, safe for several processes and threads.

    Pass only public text: the index stores and shows what it is given. Query stop words are those of
    the matching lexicon; with ``lexicon``, its abbreviations and synonyms are searched as well, in
    both directions.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        lexicon: Lexicon | None = None,
        lock_timeout: float = 60.0,
    ) -> None:
        self.path = Path(path)
        self.lexicon = lexicon
        self._query_lexicon = QueryLexicon(lexicon) if lexicon is not None else None
        self.lock_timeout = lock_timeout
        self._storage = Storage(self.path, lock_timeout)
        self._cache = SegmentCache()
        self._postings = PostingCache()
        self._lock = threading.Lock()
        self._read_lock = threading.Lock()
        self._state: tuple[str, Searcher] | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "lexicon": self.lexicon,
            "lock_timeout": self.lock_timeout,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["path"], state["lexicon"], state["lock_timeout"])  # type: ignore[misc]

    # Lifecycle

    def create(self) -> SearchIndex:
        """Create a new empty index (replacing any previous one) and return ``self``."""
        with self._storage.locked():
            version = self._storage.new_version()
            whoosh.index.create_in(version, build_schema())
            self._storage.publish(version)
        return self

    def open(self) -> SearchIndex:
        """Open the live index and return ``self``; raises :class:`IndexUnavailable` if it is unusable."""
        self._searcher()
        return self

    def exists(self) -> bool:
        """Tell whether an index has been created under ``path``."""
        return self._storage.current_version() is not None

    def close(self) -> None:
        """Release the open searcher."""
        with self._lock:
            if self._state is not None:
                self._state[1].close()
            self._state = None

    def _open_version(self, version: str | None) -> whoosh.index.Index:
        if version is None:
            raise IndexUnavailable(f"no search index under {self.path}; rebuild it")
        try:
            return whoosh.index.open_dir(str(self.path / version))
        except Exception as error:  # noqa: BLE001 — see CORRUPTION_ERRORS
            raise IndexUnavailable(
                f"search index {self.path / version} is unreadable: {error}"
            ) from error

    def _searcher(self) -> Searcher:
        version = self._storage.current_version()
        with self._lock:
            state = self._state
            try:
                # A searcher of the latest generation is kept; otherwise a new one is opened. Whoosh's
                # ``refresh()`` would share segment readers with the old searcher, which closing it then
                # closes under the new one (ReaderClosed), and a reused reader can miss new deletions.
                if (
                    state is not None
                    and state[0] == version
                    and state[1].doc_count_all()
                    and state[1].up_to_date()
                ):
                    searcher = state[1]
                else:
                    searcher = self._open_version(version).searcher()
            except IndexUnavailable:
                self._state = None
                raise
            except Exception as error:  # noqa: BLE001 — see CORRUPTION_ERRORS
                self._state = None
                raise IndexUnavailable(
                    f"search index under {self.path} is unreadable: {error}"
                ) from error
            if state is not None and state[1] is not searcher:
                state[1].close()
            self._state = (version, searcher)  # type: ignore[assignment]
            return searcher

    # Writing

    def upsert(self, doc: IndexDoc) -> None:
        """Add ``doc`` or replace the document with the same kind and id."""
        self._write([("upsert", doc)])

    def upsert_many(self, docs: Iterable[IndexDoc]) -> int:
        """Add or replace several documents in one commit; return how many."""
        ops = [("upsert", doc) for doc in docs]
        if ops:
            self._write(ops)
        return len(ops)

    def delete(self, kind: str, id: str | int) -> None:
        """Remove the document ``(kind, id)`` if it is indexed."""
        self._write([("delete", make_key(kind, id))])

    def _write(self, ops: list[tuple[str, Any]]) -> None:
        with self._storage.locked():
            live = self._open_version(self._storage.current_version())
            try:
                apply_ops(live, ops, self.lock_timeout)
            except Exception as error:
                if not isinstance(error, IndexBusy) and not self.check().ok:
                    raise IndexUnavailable(
                        f"search index under {self.path} is unwritable: {error}"
                    ) from error
                raise
            self._storage.record(ops)

    def rebuild(
        self, docs: Iterable[IndexDoc], progress: Progress | None = None, procs: int = 1
    ) -> int:
        """Index ``docs`` into a fresh version and swap it in atomically; return the number indexed.

        Searches keep using the old version until the swap. Writes made meanwhile are replayed into
        the new version. ``progress(n)`` is called every :data:`PROGRESS_EVERY` documents read and
        at the end. Documents repeating an earlier (kind, id) are skipped. With ``procs`` > 1 and
        enough documents, ``procs`` spawned processes index them (a script calling this needs the
        ``if __name__ == "__main__":`` guard); failures there raise :class:`WorkerFailed`.
        """
        with self._storage.locked():
            version = self._storage.new_version()
            self._storage.start_journal(version.name)
        try:
            count = load(
                whoosh.index.create_in(version, build_schema()), docs, progress, procs
            )
            with self._storage.locked():
                apply_ops(
                    whoosh.index.open_dir(str(version)),
                    self._storage.read_journal(version.name),
                    60.0,
                )
                self._storage.end_journal(version.name)
                self._storage.publish(version)
        except BaseException:
            self._storage.end_journal(version.name)
            shutil.rmtree(version, ignore_errors=True)
            raise
        if progress is not None:
            progress(count)
        return count

    # Reading

    def search(
        self,
        q: str,
        kinds: Collection[str] | None = None,
        filters: Mapping[str, Iterable[str | int] | str | int] | None = None,
        sort: Sort = "relevance",
        page: int = 1,
        limit: int = 20,
    ) -> SearchResult:
        """Search public records; never raises on odd input, raises :class:`IndexUnavailable` if broken.

        ``filters`` maps facet names (kind, field, priority_area, institution, year, status) to one
        value or several accepted values; ``kinds`` is a shortcut for the kind filter.
        """
        parsed = parse(q, self._query_lexicon)
        merged = dict(filters or {})
        if kinds:
            merged["kind"] = list(kinds)
        if parsed.is_empty:  # nothing to search for: list the records, newest first
            return self._read(
                lambda searcher: run_browse(
                    searcher, parsed, merged, self._cache, page, limit
                )
            )
        return self._read(
            lambda searcher: run_search(
                searcher, parsed, merged, self._cache, self._postings, sort, page, limit
            )
        )

    def suggest(self, prefix: str, limit: int = 8) -> list[Suggestion]:
        """Return records whose titles match what the user has typed, the last word as a prefix."""
        return self._read(
            lambda searcher: run_suggest(
                searcher, prefix, limit, self._cache, self._postings
            )
        )

    def _read(self, action: Callable[[Searcher], T]) -> T:
        """Run ``action`` on the live searcher, one at a time (Whoosh file handles are shared)."""
        with self._read_lock:
            searcher = self._searcher()
            try:
                return action(searcher)
            except Exception as error:
                self.close()
                if isinstance(error, CORRUPTION_ERRORS) or not self.check().ok:
                    raise IndexUnavailable(
                        f"search index under {self.path} is unreadable: {error}"
                    ) from error
                raise  # the index reads fine: a fault of this query, not damage

    def check(self) -> Health:
        """Tell whether the index can be opened and read; if not, a rebuild is needed."""
        version = self._storage.current_version()
        if version is None:
            return Health(False, "no index: run a rebuild")
        try:
            with self._open_version(version).searcher() as searcher:
                reader = searcher.reader()
                count = searcher.doc_count()
                _probe(reader)
        except Exception as error:  # noqa: BLE001 — any failure to read means: rebuild
            return Health(False, f"unreadable index: {error}", version=version)
        return Health(True, "", count, version)

    def is_healthy(self) -> bool:
        """Tell whether the index works (``False`` means: rebuild it)."""
        return self.check().ok


def _probe(reader: IndexReader) -> None:
    """Read a little of every segment (columns, a posting list, stored fields) to surface damage."""
    for leaf, _ in reader.leaf_readers():
        for field in ("title", "body"):
            for _, word in leaf.most_frequent_terms(field, 1):
                read_postings(
                    leaf,
                    field,
                    word.decode("utf-8") if isinstance(word, bytes) else word,
                )
        if leaf.doc_count_all():
            leaf.stored_fields(0)
            leaf.stored_fields(leaf.doc_count_all() - 1)
