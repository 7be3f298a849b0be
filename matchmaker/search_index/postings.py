"""Reading Whoosh posting lists into numpy arrays, with a cache of decoded lists and term statistics."""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import IndexReader, TermNotFound

from .codec import decode_ids, decode_weights

EMPTY_IDS = np.empty(0, dtype=np.int32)
EMPTY_TFS = np.empty(0, dtype=np.float32)
MAX_STATS = 500_000


def _read_block_arrays(matcher: object) -> tuple[np.ndarray, np.ndarray] | None:
    """Decode a Whoosh 3 posting list block by block with numpy (private layout, hence the fallback).

    Each block holds a pickled tuple (ids, weights, values) whose arrays codec.py decodes in bulk,
    instead of Whoosh's per-posting generator.
    """
    if not all(
        hasattr(matcher, name)
        for name in ("_read_data", "_next_block", "_data", "_byteids")
    ):
        return None
    if matcher._byteids:  # type: ignore[attr-defined]
        return None
    ids: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    while matcher.is_active():  # type: ignore[attr-defined]
        if matcher._data is None:  # type: ignore[attr-defined]
            matcher._read_data()  # type: ignore[attr-defined]
        block_ids = decode_ids(matcher._data[0])  # type: ignore[attr-defined]
        ids.append(block_ids)
        weights.append(decode_weights(matcher._data[1], len(block_ids)))  # type: ignore[attr-defined]
        matcher._next_block()  # type: ignore[attr-defined]
    if not ids:
        return EMPTY_IDS, EMPTY_TFS
    return np.concatenate(ids), np.concatenate(weights)


def read_postings(
    reader: IndexReader, field: str, text: str
) -> tuple[np.ndarray, np.ndarray]:
    """Return local docnums and term frequencies of a term in one segment (deleted docs included)."""
    matcher = reader.postings(field, text)
    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child
    found = _read_block_arrays(matcher)
    if found is not None:
        return found
    ids, weights = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float64)


class PostingCache:
    """Least-recently-used decoded posting lists per (segment, field, term), within a byte budget.

    Segments never change once written, so entries stay valid; frequent query words stay decoded.
    """

    def __init__(self, max_bytes: int = 64 * 2**20) -> None:
        self._entries: OrderedDict[
            tuple[str, str, str], tuple[np.ndarray, np.ndarray]
        ] = OrderedDict()
        self._bytes = 0
        self._max = max_bytes
        self._lock = threading.Lock()
        self._stats: dict[tuple[str, str, str], tuple[int, int]] = {}

    def stats(self, reader: IndexReader, field: str, text: str) -> tuple[int, int]:
        """Document frequency and total frequency of a term in one segment (deleted docs included)."""
        key = (reader.segment().segment_id(), field, text)
        found = self._stats.get(key)
        if found is None:
            try:
                info = reader.term_info(field, text)
            except TermNotFound:
                found = (0, 0)
            else:  # one dictionary lookup gives both numbers
                found = (info.doc_frequency(), int(info.weight()))
            with self._lock:
                if len(self._stats) >= MAX_STATS:
                    self._stats.clear()
                self._stats[key] = found
        return found

    def get(
        self, reader: IndexReader, field: str, text: str
    ) -> tuple[np.ndarray, np.ndarray]:
        """Local docnums (int32) and term frequencies (float32) of a term in one segment."""
        key = (reader.segment().segment_id(), field, text)
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found
        ids, tfs = read_postings(reader, field, text)
        found = (ids.astype(np.int32), tfs.astype(np.float32))
        size = found[0].nbytes + found[1].nbytes
        with self._lock:
            if key not in self._entries and size <= self._max:
                self._entries[key] = found
                self._bytes += size
                while self._bytes > self._max:
                    _, (old_ids, old_tfs) = self._entries.popitem(last=False)
                    self._bytes -= old_ids.nbytes + old_tfs.nbytes
        return found
