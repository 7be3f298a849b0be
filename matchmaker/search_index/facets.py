"""Facet counts and filters over a whole result set, from per-segment column values cached in numpy."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from whoosh import columns
from whoosh.reading import IndexReader
from whoosh.searching import Searcher

from .documents import FACETS, FacetCount
from .schema import YEAR_MISSING

T = TypeVar("T")


@dataclass(frozen=True)
class _Column:
    codes: np.ndarray  # per document: index into labels, or -1 for "no value"
    labels: tuple[str, ...]


class SegmentCache:
    """Per-segment arrays (facet codes, sort values, live documents); segments are immutable."""

    def __init__(self, max_entries: int = 2048) -> None:
        self._entries: dict[tuple[str, ...], object] = {}
        self._lock = threading.Lock()
        self._max = max_entries
        self._latest: dict[tuple[str, str], tuple[tuple[str, ...], object]] = {}

    def _get(self, key: tuple[str, ...], load: Callable[[], T]) -> T:
        with self._lock:
            found = self._entries.get(key)
        if found is None:
            found = load()
            with self._lock:
                if len(self._entries) >= self._max:
                    self._entries.clear()
                self._entries[key] = found
        return found  # type: ignore[return-value]

    def latest(
        self, slot: tuple[str, str], key: tuple[str, ...], load: Callable[[], T]
    ) -> T:
        """Value of ``slot`` for ``key``, keeping only the latest key per slot (whole-index arrays)."""
        with self._lock:
            found = self._latest.get(slot)
        if found is not None and found[0] == key:
            return found[1]  # type: ignore[return-value]
        value = load()
        with self._lock:
            self._latest[slot] = (key, value)
        return value

    def column(self, reader: IndexReader, name: str) -> _Column:
        """Codes and labels of facet ``name`` in one segment."""
        return self._get(
            ("facet", _segment_id(reader), name), lambda: _load_column(reader, name)
        )

    def values(self, reader: IndexReader, name: str) -> np.ndarray:
        """Numeric column ``name`` of one segment, as an array indexed by local docnum."""
        return self._get(
            ("values", _segment_id(reader), name), lambda: _load_values(reader, name)
        )

    def live(self, reader: IndexReader) -> np.ndarray:
        """Boolean array of the documents of one segment that are not deleted."""
        deleted = sorted(reader.deleted_docs_set) if reader.has_deletions() else []
        key = ("live", _segment_id(reader), str(len(deleted)))
        return self._get(key, lambda: _live_mask(reader.doc_count_all(), deleted))


def _segment_id(reader: IndexReader) -> str:
    return reader.segment().segment_id()


def _live_mask(count: int, deleted: list[int]) -> np.ndarray:
    mask = np.ones(count, dtype=bool)
    mask[np.asarray(deleted, dtype=np.int64)] = False
    return mask


def _load_values(reader: IndexReader, name: str) -> np.ndarray:
    count = reader.doc_count_all()
    if not reader.has_column(name):
        return np.zeros(count, dtype=np.int64)
    column = reader.column_reader(name, translate=True)
    return np.fromiter((int(v or 0) for v in column), dtype=np.int64, count=count)


def _fast_refs(colreader: object) -> np.ndarray | None:
    """Read the reference array of a RefBytesColumn in one go (private layout, hence the fallback)."""
    try:
        data = colreader._dbfile.get(
            colreader._basepos, colreader._doccount * colreader._itemsize
        )  # type: ignore[attr-defined]
        return np.frombuffer(data, dtype=np.dtype(">" + colreader._typecode)).astype(
            np.int32
        )  # type: ignore[attr-defined]
    except (AttributeError, TypeError, ValueError):
        return None


def _load_column(reader: IndexReader, name: str) -> _Column:
    count = reader.doc_count_all()
    if not reader.has_column(name):
        return _Column(np.full(count, -1, dtype=np.int32), ())
    colreader = reader.column_reader(name, translate=False)
    refs = (
        _fast_refs(colreader)
        if isinstance(colreader, columns.RefBytesColumn.Reader)
        else None
    )
    if refs is not None and len(refs) == count:
        raw_labels = [u.decode("utf-8") for u in colreader._uniques]  # type: ignore[attr-defined]
    else:
        translate = reader.column_reader(name, translate=True)
        values = [_label(translate[i]) for i in range(count)]
        raw_labels = sorted(set(values))
        index = {label: i for i, label in enumerate(raw_labels)}
        refs = np.fromiter((index[v] for v in values), dtype=np.int32, count=count)
    labels = tuple(_label(v) for v in raw_labels)
    missing = np.array([label == "" for label in labels] + [True], dtype=bool)
    codes = np.where(missing[refs], -1, refs).astype(np.int32)
    return _Column(codes, labels)


def _label(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    if value is None or value == YEAR_MISSING or value == str(YEAR_MISSING):
        return ""
    return str(value)


def _merge_columns(parts: list[_Column]) -> _Column:
    """Join per-segment columns (in docnum order) into one with a shared label list."""
    labels = tuple(sorted({label for part in parts for label in part.labels}))
    index = {label: i for i, label in enumerate(labels)}
    codes = []
    for part in parts:
        mapping = np.asarray(
            [index[label] for label in part.labels] + [-1], dtype=np.int32
        )
        codes.append(mapping[part.codes])  # code -1 picks the trailing -1
    return _Column(np.concatenate(codes) if codes else np.empty(0, np.int32), labels)


def global_column(searcher: Searcher, name: str, cache: SegmentCache) -> _Column:
    """Facet ``name`` over all segments of a searcher, indexed by global docnum."""
    parts = leaves(searcher)
    key = tuple(_segment_id(reader) for reader, _ in parts)
    return cache.latest(
        ("facet", name),
        key,
        lambda: _merge_columns([cache.column(r, name) for r, _ in parts]),
    )


def global_values(searcher: Searcher, name: str, cache: SegmentCache) -> np.ndarray:
    """Numeric column ``name`` over all segments of a searcher, indexed by global docnum."""
    parts = leaves(searcher)
    key = tuple(_segment_id(reader) for reader, _ in parts)
    return cache.latest(
        ("values", name),
        key,
        lambda: np.concatenate(
            [np.zeros(0, np.int64), *(cache.values(r, name) for r, _ in parts)]
        ),
    )


def count_facets(
    searcher: Searcher,
    docnums: np.ndarray,
    cache: SegmentCache,
    names: Sequence[str] = FACETS,
) -> dict[str, list[FacetCount]]:
    """Count facet values over the global ``docnums`` of a result set, most frequent first."""
    facets: dict[str, list[FacetCount]] = {}
    for name in names:
        column = global_column(searcher, name, cache)
        codes = column.codes[docnums]
        counts = np.bincount(codes[codes >= 0], minlength=len(column.labels))
        found = [
            (column.labels[code], int(counts[code])) for code in np.flatnonzero(counts)
        ]
        facets[name] = [
            FacetCount(v, c)
            for v, c in sorted(found, key=lambda item: (-item[1], item[0]))
        ]
    return facets


def filter_mask(
    searcher: Searcher,
    docnums: np.ndarray,
    filters: Mapping[str, Sequence[str]],
    cache: SegmentCache,
) -> np.ndarray:
    """Boolean mask of the global ``docnums`` whose facet values are among those allowed."""
    mask = np.ones(len(docnums), dtype=bool)
    for name, allowed in filters.items():
        column = global_column(searcher, name, cache)
        codes = [i for i, label in enumerate(column.labels) if label in set(allowed)]
        mask &= np.isin(column.codes[docnums], np.asarray(codes, dtype=np.int32))
    return mask


def leaves(searcher: Searcher) -> list[tuple[IndexReader, int]]:
    """Segment readers of a searcher and their first global docnum; none for an empty index."""
    # An index without segments has one leaf, Whoosh's EmptyReader, which has no segment.
    return [
        (reader, offset)
        for reader, offset in searcher.reader().leaf_readers()
        if reader.segment() is not None
    ]
