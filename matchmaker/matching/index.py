"""The document index: row blocks, row ownership, and exact candidate scoring with safe pruning."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from matchmaker.matching.postings import Block, aggregate, score_rows

# Postings of rare terms read first (at least this many, or 1/64 of the rows).
SEED_POSTINGS = 2000
# Candidates scored row by row at most; with more, reading further postings is cheaper.
EXACT_LIMIT = 256
# Safety margin for float rounding when a bound is compared with an exact score.
_MARGIN = 1e-6


@dataclass(frozen=True)
class Scored:
    """Candidate scores with the document rows behind them, runs of rows per candidate."""

    candidates: np.ndarray
    totals: np.ndarray
    rows: np.ndarray
    scores: np.ndarray
    starts: np.ndarray

    def best_row(self, position: int) -> int:
        """The best-scoring document row of the candidate at ``position``."""
        start = self.starts[position]
        stop = (
            self.starts[position + 1]
            if position + 1 < len(self.starts)
            else len(self.rows)
        )
        return int(self.rows[start + np.argmax(self.scores[start:stop])])


def _tail_bounds(weights: np.ndarray, maxima: np.ndarray) -> np.ndarray:
    """``bounds[i]``: the most terms ``i:`` of a query can add to a unit-length document's score."""
    products = np.cumsum((weights * maxima)[::-1])[::-1]
    query_norm = np.sqrt(np.cumsum((weights**2)[::-1])[::-1])
    document_norm = np.minimum(np.sqrt(np.cumsum((maxima**2)[::-1])[::-1]), 1.0)
    return np.append(np.minimum(products, query_norm * document_norm), 0.0)


class CorpusIndex:
    """Rows of document vectors owned by candidates; the live rows of a candidate are contiguous.

    Parameters
    ----------
    rows : csr_matrix
        The fitted documents' vectors.
    sizes : ndarray
        Number of documents of each candidate, in row order.
    top_docs : int or None
        Aggregation: mean of each candidate's ``top_docs`` best documents.
    """

    def __init__(
        self, rows: sparse.csr_matrix, sizes: np.ndarray, top_docs: int | None
    ) -> None:
        self.top_docs = top_docs
        self.blocks = [Block.build(rows, 0)]
        self.appended = sparse.csr_matrix((0, rows.shape[1]), dtype=rows.dtype)
        self.owner = np.repeat(np.arange(len(sizes)), sizes)
        self.alive = np.ones(rows.shape[0], dtype=bool)
        stops = np.cumsum(sizes)
        self.spans = np.stack((stops - sizes, stops), axis=1)
        self.n_docs = np.asarray(sizes, dtype=np.int64).copy()

    @property
    def n_rows(self) -> int:
        return len(self.owner)

    def append(self, candidate: int, rows: sparse.csr_matrix) -> None:
        """Give ``candidate`` (an index, possibly new) these rows in place of its current ones."""
        self.retire(candidate)
        if candidate == len(self.spans):
            self.spans = np.vstack((self.spans, [[0, 0]]))
            self.n_docs = np.append(self.n_docs, 0)
        start = self.n_rows
        self.owner = np.concatenate((self.owner, np.full(rows.shape[0], candidate)))
        self.alive = np.concatenate((self.alive, np.ones(rows.shape[0], dtype=bool)))
        self.spans[candidate] = (start, self.n_rows)
        self.n_docs[candidate] = rows.shape[0]
        self.appended = sparse.vstack((self.appended, rows), format="csr")
        first = self.n_rows - self.appended.shape[0]
        self.blocks = [self.blocks[0], Block.build(self.appended, first)]

    def retire(self, candidate: int) -> None:
        """Drop the rows of ``candidate`` (an index) from every later query."""
        if candidate < len(self.spans):
            start, stop = self.spans[candidate]
            self.alive[start:stop] = False
            self.spans[candidate] = (0, 0)
            self.n_docs[candidate] = 0

    def score_all(self, cols: np.ndarray, weights: np.ndarray) -> Scored:
        """Every candidate sharing a term with the query, from all its postings."""
        rows, scores = score_rows(
            [b.gather(cols, weights) for b in self.blocks], self.n_rows
        )
        live = self.alive[rows]
        return self._aggregate(rows[live], scores[live])

    def score_top(
        self,
        cols: np.ndarray,
        weights: np.ndarray,
        k: int,
        eligible: Callable[[np.ndarray], np.ndarray],
    ) -> Scored | None:
        """Exact scores of every candidate that can reach the top ``k``; ``None`` if pruning fails.

        Terms are read by decreasing query weight (rare terms first). The unread terms add at
        most ``bound`` to any document: the smaller of the sum of their largest products and, by
        Cauchy-Schwarz, the norm of their query weights times the largest norm a unit-length
        document can have on them. Partial scores are lower bounds, so their k-th best,
        ``threshold``, is at most the true k-th best; reading stops once ``bound`` is below it.
        A candidate whose partial score plus ``bound`` is still below cannot enter the top ``k``
        (its score, a mean of document scores, is at most their best); the others are scored
        exactly, row by row.
        """
        order = np.argsort(-weights, kind="stable")
        maxima = np.max([b.column_max[cols] for b in self.blocks], axis=0)[order]
        lengths = np.cumsum(
            np.sum([b.lengths(cols) for b in self.blocks], axis=0)[order]
        )
        bounds = _tail_bounds(weights[order], maxima)
        accumulator = np.zeros(self.n_rows)
        read = 0
        split = max(
            1, int(np.searchsorted(lengths, max(SEED_POSTINGS, self.n_rows // 64)))
        )
        while True:
            for block in self.blocks:
                hits = block.gather(cols[order[read:split]], weights[order[read:split]])
                accumulator += np.bincount(
                    hits.rows, hits.products, minlength=self.n_rows
                )
            read = split
            rows = np.flatnonzero(accumulator)
            rows = rows[self.alive[rows]]
            partial = self._aggregate(rows, accumulator[rows])
            if read == len(cols):
                return partial
            totals = partial.totals[eligible(partial.candidates)]
            if len(totals) < k:
                return None
            threshold = np.partition(totals, len(totals) - k)[len(totals) - k] * (
                1 - _MARGIN
            )
            hopeful = partial.candidates[partial.totals + bounds[read] >= threshold]
            if bounds[read] < threshold and len(hopeful) <= max(EXACT_LIMIT, 4 * k):
                break
            # Read four times as many postings as so far: the threshold rises as we read.
            split = max(read + 1, int(np.searchsorted(lengths, 4 * lengths[read - 1])))
        query = np.zeros(self.blocks[0].rows.shape[1])
        query[cols] = weights
        return self._exact(hopeful[eligible(hopeful)], query)

    def _exact(self, candidates: np.ndarray, query: np.ndarray) -> Scored:
        """Exact scores of ``candidates`` from all their documents, by row access."""
        spans = self.spans[candidates]
        spans = spans[np.argsort(spans[:, 0])]
        lengths = spans[:, 1] - spans[:, 0]
        shift = spans[:, 0] - np.concatenate(([0], np.cumsum(lengths)[:-1]))
        rows = np.arange(lengths.sum()) + np.repeat(shift, lengths)
        scores = np.empty(len(rows))
        for block in self.blocks:
            inside = (rows >= block.offset) & (
                rows < block.offset + block.rows.shape[0]
            )
            if inside.any():
                scores[inside] = block.score(rows[inside], query)
        return self._aggregate(rows, scores)

    def _aggregate(self, rows: np.ndarray, scores: np.ndarray) -> Scored:
        candidates, totals, starts = aggregate(
            rows, scores, self.owner, self.n_docs, self.top_docs
        )
        return Scored(candidates, totals, rows, scores, starts)

    def terms(self, row: int, cols: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Per-term products of the query with one document row."""
        block = (
            self.blocks[0] if row < self.blocks[0].rows.shape[0] else self.blocks[-1]
        )
        return block.terms(row, cols, weights)
