"""Exact sparse scoring: walk only the query terms' postings, then aggregate documents per candidate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

# Below this many postings per corpus document, summing by sort beats a dense accumulator.
_SPARSE_RATIO = 8


@dataclass(frozen=True)
class Hits:
    """Postings touched by a query: corpus rows and products ``query weight × document weight``."""

    rows: np.ndarray
    products: np.ndarray


@dataclass(frozen=True)
class Block:
    """Document vectors of consecutive corpus rows, by row (CSR) and by feature (inverted lists)."""

    rows: sparse.csr_matrix
    columns: sparse.csc_matrix
    offset: int
    column_max: np.ndarray

    @classmethod
    def build(cls, rows: sparse.csr_matrix, offset: int) -> Block:
        """Index the document vectors ``rows``, whose first row is corpus row ``offset``."""
        columns = sparse.csc_matrix(rows)
        columns.sort_indices()
        column_max = np.zeros(rows.shape[1], dtype=rows.dtype)
        np.maximum.at(column_max, rows.indices, rows.data)
        return cls(rows, columns, offset, column_max)

    def lengths(self, cols: np.ndarray) -> np.ndarray:
        """Posting-list length of each of ``cols``."""
        return self.columns.indptr[cols + 1] - self.columns.indptr[cols]

    def gather(self, cols: np.ndarray, weights: np.ndarray) -> Hits:
        """The postings of ``cols`` with their products; cost grows with their length only."""
        indptr, indices, data = (
            self.columns.indptr,
            self.columns.indices,
            self.columns.data,
        )
        spans = [
            (indptr[c], indptr[c + 1], w) for c, w in zip(cols, weights, strict=True)
        ]
        spans = [(a, b, w) for a, b, w in spans if b > a]
        if not spans:
            return Hits(np.empty(0, dtype=np.int64), np.empty(0))
        # Contiguous slices copy fast; a fancy index over all postings would not.
        rows = np.concatenate([indices[a:b] for a, b, _ in spans])
        products = np.concatenate([data[a:b] * np.float64(w) for a, b, w in spans])
        return Hits(rows + self.offset if self.offset else rows, products)

    def score(self, rows: np.ndarray, query: np.ndarray) -> np.ndarray:
        """Exact dot products of the dense ``query`` with corpus ``rows`` of this block."""
        return self.rows[rows - self.offset] @ query

    def terms(self, row: int, cols: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Products of the query (``cols`` ascending, ``weights``) with one corpus row, per query term."""
        local = row - self.offset
        start, stop = self.rows.indptr[local], self.rows.indptr[local + 1]
        indices, data = self.rows.indices[start:stop], self.rows.data[start:stop]
        found = np.minimum(np.searchsorted(cols, indices), len(cols) - 1)
        hit = cols[found] == indices
        out = np.zeros(len(cols))
        out[found[hit]] = data[hit] * weights[found[hit]]
        return out


def score_rows(hits: Sequence[Hits], n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Cosine of the query with every document sharing a term, as (ascending rows, scores).

    Parameters
    ----------
    hits : sequence of Hits
        The query's postings in every block (:meth:`Block.gather`).
    n_rows : int
        Number of corpus rows.

    Returns
    -------
    rows, scores : ndarray
        Only rows touched by the query's postings; their exact dot products.
    """
    rows = np.concatenate([h.rows for h in hits])
    products = np.concatenate([h.products for h in hits]).astype(np.float64, copy=False)
    if len(rows) * _SPARSE_RATIO < n_rows:
        touched, inverse = np.unique(rows, return_inverse=True)
        return touched, np.bincount(inverse, weights=products, minlength=len(touched))
    # Many postings: a dense score accumulator is cheaper than sorting them.
    totals = np.bincount(rows, weights=products, minlength=n_rows)
    touched = np.flatnonzero(totals)
    return touched, totals[touched]


def aggregate(
    rows: np.ndarray,
    scores: np.ndarray,
    row_candidate: np.ndarray,
    n_docs: np.ndarray,
    top_docs: int | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean of each candidate's ``top_docs`` best document scores (documents not touched score 0).

    ``rows`` must be ascending and the live rows of one candidate contiguous, so candidates form runs.

    Returns
    -------
    candidates, scores, starts : ndarray
        Candidate indices, their scores, and where each candidate's run starts in ``rows``.
    """
    if not len(rows):
        empty = np.empty(0, dtype=np.int64)
        return empty, np.empty(0), empty
    owner = row_candidate[rows]
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    candidates = owner[starts]
    sums = np.add.reduceat(scores, starts)
    counts = np.diff(np.r_[starts, len(rows)])
    if top_docs is not None and (counts > top_docs).any():
        sums = _top_sums(scores, starts, counts, sums, top_docs)
    sizes = n_docs[candidates]
    divisor = sizes if top_docs is None else np.minimum(sizes, top_docs)
    return candidates, sums / np.maximum(divisor, 1), starts


def _top_sums(
    scores: np.ndarray,
    starts: np.ndarray,
    counts: np.ndarray,
    sums: np.ndarray,
    top: int,
) -> np.ndarray:
    """Replace the sums of runs longer than ``top`` by the sum of their ``top`` largest scores."""
    label = np.repeat(np.arange(len(starts)), counts)
    long_run = (counts > top)[label]
    label, values = label[long_run], scores[long_run]
    order = np.lexsort((-values, label))
    label, values = label[order], values[order]
    first = np.flatnonzero(np.r_[True, label[1:] != label[:-1]])
    rank = np.arange(len(label)) - np.repeat(first, np.diff(np.r_[first, len(label)]))
    keep = rank < top
    out = sums.copy()
    over = np.flatnonzero(counts > top)
    out[over] = np.bincount(label[keep], weights=values[keep], minlength=len(starts))[
        over
    ]
    return out
