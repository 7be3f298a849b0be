"""The document index: candidates' rows, score units for safe pruning, and exact candidate scoring."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import sparse

from matchmaker.matching.candidates import NOBODY, Scored, aggregate, joined
from matchmaker.matching.postings import ImpactIndex, Postings, dot, spans

# Heaviest postings of each query list read to find a first set of strong candidates.
SEED_DEPTH = 128
# Units with the largest partial scores from the seed postings whose candidates are scored first.
SEED_UNITS = 64
# Share of the threshold left to the postings not read: lower reads more and scores fewer.
SLACK = 0.35
# Relative error of float32 rounding, per operation.
_ROUNDING = 1.2e-7

# A mask of the candidates (indices) that a query may return.
Eligible = Callable[[np.ndarray], np.ndarray]


class CorpusIndex:
    """Document rows owned by candidates (the live rows of a candidate are contiguous) and score units.

    A candidate whose documents all count in its score (``top_docs`` is ``None`` or at least their
    number) has one score unit, the mean of its document vectors, whose dot product with the query
    is its score. Any other candidate has one unit per document, and its score is the mean of its
    best units'. Units, with feature columns merged (:class:`ImpactIndex`), give scores within
    ``tolerance`` (relative) of the exact ones, which come from the document rows.

    Parameters
    ----------
    rows : csr_matrix
        The fitted documents' vectors (non-negative for pruning; otherwise every query is exhaustive).
    sizes : ndarray
        Number of documents of each candidate, in row order.
    top_docs : int or None
        Aggregation: mean of each candidate's ``top_docs`` best documents.
    """

    def __init__(
        self, rows: sparse.csr_matrix, sizes: np.ndarray, top_docs: int | None
    ) -> None:
        self.top_docs = top_docs
        self.rows = rows
        self.extra = sparse.csr_matrix((0, rows.shape[1]), dtype=rows.dtype)
        self.extra_columns = sparse.csc_matrix(self.extra)
        sizes = np.asarray(sizes, dtype=np.int64)
        self.owner = np.repeat(np.arange(len(sizes)), sizes)
        self.alive = np.ones(rows.shape[0], dtype=bool)
        stops = np.cumsum(sizes)
        self.spans = np.stack((stops - sizes, stops), axis=1)
        self.n_docs = sizes.copy()
        self.prunable = not rows.nnz or float(rows.data.min()) >= 0
        pooled = sizes <= (top_docs if top_docs is not None else np.inf)
        per_candidate = np.where(pooled, 1, sizes)
        self.unit_owner = np.repeat(np.arange(len(sizes)), per_candidate)
        self.unit_alive = np.ones(len(self.unit_owner), dtype=bool)
        unit_stops = np.cumsum(per_candidate)
        self.unit_spans = np.stack((unit_stops - per_candidate, unit_stops), axis=1)
        # A pooled candidate's score is its one unit's, the others' the mean of their best units'.
        self.unit_docs = np.where(pooled, 1, sizes)
        self.units = ImpactIndex.build(rows, _mix(sizes, pooled, per_candidate))
        largest = int(sizes[pooled].max()) if pooled.any() else 1
        # Float32 means of up to ``largest`` rows, merged columns' ratios, float32 scales.
        self.tolerance = 2 * (1e-6 + _ROUNDING * (largest + 4))

    @property
    def n_rows(self) -> int:
        return len(self.owner)

    def append(self, candidate: int, rows: sparse.csr_matrix) -> None:
        """Give ``candidate`` (an index, possibly new) these rows in place of its current ones."""
        self.retire(candidate)
        if candidate == len(self.spans):
            self.spans = np.vstack((self.spans, [[0, 0]]))
            self.unit_spans = np.vstack((self.unit_spans, [[0, 0]]))
            self.n_docs = np.append(self.n_docs, 0)
        start = self.n_rows
        self.owner = np.concatenate((self.owner, np.full(rows.shape[0], candidate)))
        self.alive = np.concatenate((self.alive, np.ones(rows.shape[0], dtype=bool)))
        self.spans[candidate] = (start, self.n_rows)
        self.n_docs[candidate] = rows.shape[0]
        self.extra = sparse.vstack((self.extra, rows), format="csr")
        self.extra_columns = sparse.csc_matrix(self.extra)

    def retire(self, candidate: int) -> None:
        """Drop the rows of ``candidate`` (an index) from every later query."""
        if candidate < len(self.spans):
            start, stop = self.spans[candidate]
            self.alive[start:stop] = False
            self.spans[candidate] = (0, 0)
            self.n_docs[candidate] = 0
            start, stop = self.unit_spans[candidate]
            self.unit_alive[start:stop] = False

    def score_all(
        self, cols: np.ndarray, weights: np.ndarray, eligible: Eligible
    ) -> Scored:
        """Exact scores of every eligible candidate sharing a term with the query."""
        lists, _ = self.units.merge_query(cols, weights)
        touched = np.zeros(len(self.unit_owner), dtype=bool)
        every = self.units.read(lists, np.ones(len(lists)), self.units.lengths(lists))
        touched[every.units] = True
        owners = self._owners(np.flatnonzero(touched), eligible)
        appended = self._appended(cols, eligible)
        return self._exact(distinct(np.concatenate((owners, appended))), cols, weights)

    def score_top(
        self,
        cols: np.ndarray,
        weights: np.ndarray,
        k: int,
        eligible: Eligible,
        threshold: Callable[[Scored], float],
    ) -> Scored:
        """Exact scores of a set of eligible candidates that holds every candidate of the top ``k``.

        ``eligible(candidates)`` is a mask of the candidates a query may return, and
        ``threshold(scored)`` a score that the ``k``-th result reaches if the scores given are exact
        (``0`` if unknown); with scores off by ``tolerance`` at most, it is lowered accordingly.
        The heaviest postings of each query list find strong candidates, whose unit scores give a
        first threshold. Then each list is read deep enough that the postings left unread add at
        most ``SLACK × threshold`` to any unit in all (:meth:`ImpactIndex.plan`). A unit's score
        is at most its read impacts plus the bounds of the lists it was not read in; a unit below
        the threshold cannot lift its candidate, whose score is at most its best unit's, into the
        top ``k``. Of the other units' candidates, those whose unit scores come close enough to
        the new threshold are scored exactly.
        """
        lists, merged = self.units.merge_query(cols, weights)
        if not self.prunable or not len(lists):
            return self.score_all(cols, weights, eligible)
        n_units = len(self.unit_owner)
        seeds = self.units.read(
            lists, merged, np.minimum(self.units.lengths(lists), SEED_DEPTH)
        )
        seeded = self._strongest(seeds, max(SEED_UNITS, 4 * k), eligible)
        scored = joined(
            self._estimate(seeded, lists, merged),
            self._exact(self._appended(cols, eligible), cols, weights),
        )
        # An estimate ``e`` means an exact score between ``e / high`` and ``e / low``.
        low, high = 1 - self.tolerance, 1 + self.tolerance
        floor = threshold(scored) / high
        if floor <= 0:
            return self.score_all(cols, weights, eligible)
        # The budget stays below the floor, so units never read cannot reach it.
        depths, bounds = self.units.plan(lists, merged, min(SLACK, 0.9) * low * floor)
        # A read posting's impact replaces its list's bound: keep units whose read impacts
        # beyond those bounds, plus all the bounds, may reach the floor.
        read = self.units.read(lists, merged, depths, bounds)
        hopeful = _above(read, n_units, floor * low - bounds.sum())
        more = _without(self._owners(hopeful, eligible), seeded)
        scored = joined(scored, self._estimate(more, lists, merged))
        close = scored.totals / low >= threshold(scored) / high
        return self._exact(distinct(scored.candidates[close]), cols, weights)

    def score_given(
        self, candidates: np.ndarray, cols: np.ndarray, weights: np.ndarray
    ) -> Scored:
        """Exact scores of ``candidates`` (ascending, distinct) that have live documents."""
        return self._exact(candidates[self.n_docs[candidates] > 0], cols, weights)

    def _strongest(
        self, postings: Postings, size: int, eligible: Eligible
    ) -> np.ndarray:
        """Eligible candidates (ascending) of the ``size`` live units with the largest impact sums."""
        totals = np.bincount(postings.units, postings.impacts, len(self.unit_owner))
        units = postings.units
        units = units[self.unit_alive[units] & eligible(self.unit_owner[units])]
        # Each unit appears once per list it is in: take enough postings for ``size`` units.
        if len(units) > 4 * size:
            units = units[np.argpartition(-totals[units], 4 * size - 1)[: 4 * size]]
        units = distinct(units)
        if len(units) > size:
            units = units[np.argpartition(-totals[units], size - 1)[:size]]
        return distinct(self.unit_owner[units])

    def _owners(self, units: np.ndarray, eligible: Eligible) -> np.ndarray:
        """Eligible candidates (ascending) owning the live ones of ``units``."""
        owners = distinct(self.unit_owner[units[self.unit_alive[units]]])
        return owners[eligible(owners)]

    def _appended(self, cols: np.ndarray, eligible: Eligible) -> np.ndarray:
        """Eligible candidates with a live appended row sharing a term with the query."""
        if not self.extra.shape[0]:
            return np.empty(0, dtype=np.int64)
        columns = self.extra_columns
        hits = [
            columns.indices[columns.indptr[c] : columns.indptr[c + 1]] for c in cols
        ]
        rows = distinct(np.concatenate(hits)) + self.rows.shape[0]
        owners = distinct(self.owner[rows[self.alive[rows]]])
        return owners[eligible(owners)]

    def _estimate(
        self, candidates: np.ndarray, lists: np.ndarray, weights: np.ndarray
    ) -> Scored:
        """Scores of ``candidates`` (ascending, with live units) from their units."""
        units = _ranges(self.unit_spans[candidates])
        scores = self.units.score(units, lists, weights)
        found, totals, starts = aggregate(
            units, scores, self.unit_owner, self.unit_docs, self.top_docs
        )
        return Scored(found, totals, units, scores, starts)

    def _exact(
        self, candidates: np.ndarray, cols: np.ndarray, weights: np.ndarray
    ) -> Scored:
        """Exact scores of ``candidates`` (ascending) from all their documents, by row access."""
        if not len(candidates):
            return NOBODY
        spans = self.spans[candidates]
        rows = _ranges(spans[np.argsort(spans[:, 0], kind="stable")])
        query = np.zeros(self.rows.shape[1])
        query[cols] = weights
        first = self.rows.shape[0]
        split = int(np.searchsorted(rows, first))
        scores = np.concatenate(
            (
                dot(self.rows, rows[:split], query),
                dot(self.extra, rows[split:] - first, query),
            )
        )
        found, totals, starts = aggregate(
            rows, scores, self.owner, self.n_docs, self.top_docs
        )
        return Scored(found, totals, rows, scores, starts)

    def terms(
        self, rows: list[int], cols: np.ndarray, weights: np.ndarray
    ) -> np.ndarray:
        """Per-term products of the query (``cols`` ascending) with document ``rows``, one line each."""
        out = np.zeros((len(rows), len(cols)))
        rows = np.asarray(rows, dtype=np.int64)
        first = self.rows.shape[0]
        for matrix, inside, local in (
            (self.rows, rows < first, rows),
            (self.extra, rows >= first, rows - first),
        ):
            lines = np.flatnonzero(inside)
            starts = matrix.indptr[local[lines]]
            lengths = matrix.indptr[local[lines] + 1] - starts
            at = spans(starts, lengths)
            indices = matrix.indices[at]
            found = np.minimum(np.searchsorted(cols, indices), len(cols) - 1)
            hit = np.flatnonzero(cols[found] == indices)
            line, column = np.repeat(lines, lengths)[hit], found[hit]
            out[line, column] = matrix.data[at[hit]] * weights[column]
        return out


def _ranges(bounds: np.ndarray) -> np.ndarray:
    """The integers of each ``[start, stop)`` row of ``bounds``, in order."""
    return spans(bounds[:, 0], bounds[:, 1] - bounds[:, 0])


def distinct(values: np.ndarray) -> np.ndarray:
    """The distinct ``values``, ascending (by sorting: ``np.unique`` is slower on integers)."""
    ordered = np.sort(values)
    if not len(ordered):
        return ordered
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]


def _without(values: np.ndarray, others: np.ndarray) -> np.ndarray:
    """``values`` not in ``others`` (ascending, distinct)."""
    at = np.minimum(np.searchsorted(others, values), max(len(others) - 1, 0))
    return values if not len(others) else values[others[at] != values]


def _above(postings: Postings, n_units: int, cut: float) -> np.ndarray:
    """Units (ascending) whose impacts sum to ``cut`` or more (``cut`` > 0)."""
    return np.flatnonzero(np.bincount(postings.units, postings.impacts, n_units) >= cut)


def _mix(
    sizes: np.ndarray, pooled: np.ndarray, per_candidate: np.ndarray
) -> sparse.csr_matrix:
    """Units from rows: the mean row of each pooled candidate, the rows themselves for the others."""
    n_rows = int(sizes.sum())
    unit_start = np.cumsum(per_candidate) - per_candidate
    offset = np.arange(n_rows) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    is_pooled = np.repeat(pooled, sizes)
    unit = np.repeat(unit_start, sizes) + np.where(is_pooled, 0, offset)
    weight = np.where(is_pooled, 1 / np.maximum(np.repeat(sizes, sizes), 1), 1.0)
    return sparse.csr_matrix(
        (weight.astype(np.float32), (unit, np.arange(n_rows))),
        shape=(int(per_candidate.sum()), n_rows),
    )
