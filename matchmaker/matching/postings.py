"""Impact-ordered postings of score units, with feature columns that are multiples of one another merged."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

# Two columns merge when one is this close (relative) to a constant times the other on every row.
MERGE_TOLERANCE = 1e-6
# Matrix entries handled at once while building (bounds the temporary memory).
_BLOCK = 1 << 22
# Below this many postings, gathering them beats a loop of slices.
SMALL = 20_000
# Below this many entries, gathering rows beats a scipy sub-matrix.
SMALL_ROWS = 6_000


@dataclass(frozen=True)
class Postings:
    """Unit ids and impacts (query weight × unit weight) of some postings."""

    units: np.ndarray
    impacts: np.ndarray


@dataclass(frozen=True)
class ImpactIndex:
    """Inverted lists of score units, each sorted by ascending weight (the heaviest postings last).

    Feature columns that are a constant multiple of another column on every document (a Vietnamese
    word and its accent-folded form, a fixed phrase and its words) share one list: ``group`` maps a
    feature column to its list (``-1``: no postings) and ``scale`` gives the constant, rounded up.
    """

    group: np.ndarray
    scale: np.ndarray
    indptr: np.ndarray
    units: np.ndarray
    values: np.ndarray
    rows: sparse.csr_matrix

    @classmethod
    def build(cls, rows: sparse.csr_matrix, mix: sparse.csr_matrix) -> ImpactIndex:
        """Index the units ``mix @ rows`` (``rows``: non-negative document vectors; indices get sorted)."""
        rows.sort_indices()
        base, scale, lengths = _multiples(rows)
        own = base == np.arange(len(base))
        lists = np.flatnonzero(own & (lengths > 0))
        group = np.full(len(base), -1, dtype=np.int32)
        group[lists] = np.arange(len(lists), dtype=np.int32)
        group = group[base]
        units = mix @ rows[:, lists]
        units.data = units.data.astype(np.float32, copy=False)
        units.sort_indices()
        columns = units.tocsc()
        indptr = columns.indptr.astype(np.int64)
        _sort_by_value(columns.indices, columns.data, indptr)
        return cls(
            group,
            # Rounded up, so merged weights never understate a column.
            np.where(
                own, 1, np.nextafter(scale.astype(np.float32), np.float32(np.inf))
            ),
            indptr,
            # Platform integers, which ``np.bincount`` takes without a conversion.
            columns.indices.astype(np.intp),
            columns.data,
            units,
        )

    def merge_query(
        self, cols: np.ndarray, weights: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The query as ascending lists and their weights (merged columns' weights summed)."""
        groups = self.group[cols]
        known = groups >= 0
        if not known.any():
            return np.empty(0, dtype=np.int64), np.empty(0)
        order = np.argsort(groups[known], kind="stable")
        ordered = groups[known][order]
        first = np.concatenate(([True], ordered[1:] != ordered[:-1]))
        inverse = np.empty(len(order), dtype=np.int64)
        inverse[order] = np.cumsum(first) - 1
        merged = np.bincount(
            inverse,
            weights[known] * self.scale[cols[known]],
            minlength=int(first.sum()),
        )
        return ordered[first].astype(np.int64), merged

    def lengths(self, lists: np.ndarray) -> np.ndarray:
        """Number of postings in each of ``lists``."""
        return self.indptr[lists + 1] - self.indptr[lists]

    def plan(
        self, lists: np.ndarray, weights: np.ndarray, budget: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """How deep to read each list so that the postings left unread add at most ``budget`` to any unit.

        Reading the ``d`` heaviest postings of a list leaves ``weight × (d+1)-th heaviest`` as the
        most any unread posting adds. Depths are tried in geometric steps (0, 1, 2, 4, …) and
        taken greedily by bound removed per posting read until the bounds left sum to ``budget``
        or less.

        Returns
        -------
        depths, bounds : ndarray
            Postings to read from each list and the bound of its unread postings.
        """
        lengths = self.lengths(lists)
        longest = int(lengths.max()) if len(lengths) else 0
        steps = np.concatenate(([0], 2 ** np.arange(longest.bit_length() + 1)))
        depth = np.minimum(steps[None, :], lengths[:, None])
        stops = self.indptr[lists + 1][:, None]
        inside = depth < lengths[:, None]
        at = np.where(inside, stops - 1 - depth, stops - 1)
        bound = np.where(inside, self.values[at] * weights[:, None], 0.0)
        gain = bound[:, :-1] - bound[:, 1:]
        cost = depth[:, 1:] - depth[:, :-1]
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.where(cost > 0, gain / np.maximum(cost, 1), -1.0)
        # Later steps of a list must not look better than earlier ones, so steps keep their order.
        rate = np.minimum.accumulate(rate, axis=1)
        order = np.argsort(-rate, axis=None, kind="stable")
        total = bound[:, 0].sum()
        if total <= budget:
            return np.zeros(len(lists), dtype=np.int64), bound[:, 0]
        taken = np.cumsum(gain.ravel()[order])
        count = int(np.searchsorted(-(total - taken), -budget, "left")) + 1
        chosen = np.zeros_like(gain, dtype=bool).ravel()
        chosen[order[:count]] = True
        last = chosen.reshape(gain.shape).sum(axis=1)
        rows = np.arange(len(lists))
        return depth[rows, last], bound[rows, last]

    def read(
        self,
        lists: np.ndarray,
        weights: np.ndarray,
        depths: np.ndarray,
        offsets: np.ndarray | None = None,
    ) -> Postings:
        """The ``depths`` heaviest postings of each list, with their impacts (minus ``offsets``)."""
        stops = self.indptr[lists + 1]
        total = int(depths.sum())
        offsets = np.zeros(len(lists)) if offsets is None else offsets
        if total < SMALL:
            # Few postings: one gather costs less than a slice per list.
            at = spans(stops - depths, depths)
            impacts = self.values[at] * np.repeat(weights, depths)
            return Postings(self.units[at], impacts - np.repeat(offsets, depths))
        units = np.empty(total, dtype=self.units.dtype)
        impacts = np.empty(total)
        at = 0
        for stop, depth, weight, offset in zip(
            stops.tolist(),
            depths.tolist(),
            weights.tolist(),
            offsets.tolist(),
            strict=True,
        ):
            if depth:
                # Contiguous slices copy fast; a fancy index over all postings would not.
                units[at : at + depth] = self.units[stop - depth : stop]
                part = impacts[at : at + depth]
                np.multiply(self.values[stop - depth : stop], weight, out=part)
                if offset:
                    part -= offset
                at += depth
        return Postings(units, impacts)

    def score(
        self, units: np.ndarray, lists: np.ndarray, weights: np.ndarray
    ) -> np.ndarray:
        """Dot products of the query (``lists`` and their ``weights``) with ``units``."""
        query = np.zeros(self.rows.shape[1])
        query[lists] = weights
        return dot(self.rows, units, query)


def spans(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The integers of each ``[start, start + length)``, in order."""
    shift = starts - (np.cumsum(lengths) - lengths)
    return np.arange(lengths.sum()) + np.repeat(shift, lengths)


def dot(matrix: sparse.csr_matrix, rows: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Dot products of the dense ``query`` with ``rows`` of ``matrix``."""
    if not len(rows):
        return np.empty(0)
    starts, stops = matrix.indptr[rows], matrix.indptr[rows + 1]
    lengths = stops - starts
    if lengths.sum() >= SMALL_ROWS:
        return matrix[rows] @ query
    # Few entries: plain gathers cost less than building a sub-matrix.
    at = spans(starts, lengths)
    products = matrix.data[at] * query[matrix.indices[at]]
    return np.bincount(np.repeat(np.arange(len(rows)), lengths), products, len(rows))


def column_counts(indices: np.ndarray, n_columns: int) -> np.ndarray:
    """How often each column occurs in ``indices``, a block at a time (no full-size copy)."""
    counts = np.zeros(n_columns, dtype=np.int64)
    for start in range(0, len(indices), _BLOCK):
        counts += np.bincount(indices[start : start + _BLOCK], minlength=n_columns)
    return counts


def _blocks(indptr: np.ndarray) -> list[tuple[int, int]]:
    """Consecutive ranges of rows (or columns) of about ``_BLOCK`` entries each."""
    cuts = np.searchsorted(indptr, np.arange(0, indptr[-1], _BLOCK), "right") - 1
    bounds = np.unique(np.concatenate((cuts, [len(indptr) - 1])))
    return list(zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True))


def _multiples(
    rows: sparse.csr_matrix,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each column, a column it is a constant multiple of (itself if none), that constant and
    the column's number of entries.

    Columns with the same number of rows and the same hash of their row set are candidates; each
    is then compared entry by entry with the first of them (its leader), so a hash collision or a
    ratio that is not constant leaves the column on its own.
    """
    columns = rows.tocsc()  # each column's rows ascending
    n_rows, n_columns = rows.shape
    indptr = columns.indptr.astype(np.int64)
    lengths = np.diff(indptr)
    keys = np.random.default_rng(0).integers(
        0, np.iinfo(np.int64).max, n_rows, dtype=np.uint64
    )
    hashes = np.zeros(n_columns, dtype=np.uint64)
    for first, last in _blocks(indptr):
        filled = np.flatnonzero(lengths[first:last]) + first
        if len(filled):
            a, b = indptr[first], indptr[last]
            # uint64 sums wrap around, which is what a hash wants.
            hashes[filled] = np.add.reduceat(
                keys[columns.indices[a:b]], indptr[filled] - a
            )
    order = np.lexsort((np.arange(n_columns), hashes, lengths))
    same = (lengths[order][1:] == lengths[order][:-1]) & (
        hashes[order][1:] == hashes[order][:-1]
    )
    first = np.flatnonzero(np.concatenate(([True], ~same)))
    leader = np.empty(n_columns, dtype=np.int64)
    leader[order] = order[np.repeat(first, np.diff(np.append(first, n_columns)))]
    base = np.arange(n_columns)
    scale = np.ones(n_columns)
    followers = np.flatnonzero((leader != base) & (lengths > 0))
    ends = np.cumsum(lengths[followers])
    cuts = np.searchsorted(
        ends, np.arange(_BLOCK, ends[-1] if len(ends) else 0, _BLOCK)
    )
    for chunk in np.split(followers, cuts):
        ok, ratio = _compare(columns, indptr, chunk, leader[chunk])
        base[chunk[ok]] = leader[chunk[ok]]
        scale[chunk[ok]] = ratio[ok]
    return base, scale, lengths


def _compare(
    columns: sparse.csc_matrix,
    indptr: np.ndarray,
    followers: np.ndarray,
    leaders: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Whether each follower column is its leader times a constant, and the largest ratio."""
    if not len(followers):
        return np.zeros(0, dtype=bool), np.zeros(0)
    sizes = indptr[followers + 1] - indptr[followers]
    mine = spans(indptr[followers], sizes)
    theirs = spans(indptr[leaders], sizes)
    starts = np.cumsum(sizes) - sizes
    moved = columns.indices[mine] != columns.indices[theirs]
    same_rows = np.add.reduceat(moved.astype(np.int64), starts) == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = columns.data[mine].astype(np.float64) / columns.data[theirs]
    low = np.minimum.reduceat(ratio, starts)
    high = np.maximum.reduceat(ratio, starts)
    ok = same_rows & np.isfinite(high) & (low > 0)
    return ok & (high - low <= MERGE_TOLERANCE * low), high


def _sort_by_value(indices: np.ndarray, values: np.ndarray, indptr: np.ndarray) -> None:
    """Sort each column's entries by ascending value, in place, a block of columns at a time."""
    for first, last in _blocks(indptr):
        a, b = indptr[first], indptr[last]
        column = np.repeat(
            np.arange(last - first, dtype=np.uint64), np.diff(indptr[first : last + 1])
        )
        # Non-negative float32 values order like their bit patterns.
        bits = values[a:b].view(np.uint32).astype(np.uint64)
        order = np.argsort((column << np.uint64(32)) | bits)
        indices[a:b] = indices[a:b][order]
        values[a:b] = values[a:b][order]
