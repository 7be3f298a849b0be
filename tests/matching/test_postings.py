"""Impact-ordered postings: merged multiple columns, list order, reading plans."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from matchmaker.matching.postings import ImpactIndex


def identity(n: int) -> sparse.csr_matrix:
    return sparse.identity(n, dtype=np.float32, format="csr")


def build(dense: np.ndarray) -> ImpactIndex:
    rows = sparse.csr_matrix(dense.astype(np.float32))
    return ImpactIndex.build(rows, identity(rows.shape[0]))


def test_build_merges_columns_that_are_multiples_of_another() -> None:
    base = np.array([0.5, 0.0, 0.2, 0.1])
    other = np.array([0.1, 0.0, 0.3, 0.3])  # same rows as ``base``, other ratios
    elsewhere = np.array([0.0, 0.4, 0.0, 0.0])
    index = build(np.column_stack((base, 2 * base, other, elsewhere, 0 * base)))
    assert index.group[0] == index.group[1]
    assert len({index.group[0], index.group[2], index.group[3]}) == 3
    assert index.group[4] == -1
    assert index.scale[1] == pytest.approx(2, rel=1e-6)
    assert index.scale[1] >= 2
    lists, weights = index.merge_query(np.array([0, 1, 4]), np.array([0.3, 0.1, 0.7]))
    np.testing.assert_array_equal(lists, [index.group[0]])
    np.testing.assert_allclose(weights, [0.3 + 2 * 0.1], rtol=1e-6)


def test_build_sorts_each_list_by_ascending_weight() -> None:
    rng = np.random.default_rng(0)
    dense = rng.random((40, 6)) * (rng.random((40, 6)) < 0.5)
    index = build(dense)
    for column in range(6):
        at = index.group[column]
        start, stop = index.indptr[at], index.indptr[at + 1]
        values, units = index.values[start:stop], index.units[start:stop]
        assert np.all(np.diff(values) >= 0)
        np.testing.assert_array_equal(np.sort(units), np.flatnonzero(dense[:, column]))
        np.testing.assert_allclose(values, dense[units, column], rtol=1e-6)


def test_build_pools_rows_into_units() -> None:
    dense = np.array([[0.6, 0.0], [0.2, 0.4], [0.0, 0.8]])
    mix = sparse.csr_matrix(np.array([[0.5, 0.5, 0.0], [0.0, 0.0, 1.0]]))
    index = ImpactIndex.build(sparse.csr_matrix(dense), mix.astype(np.float32))
    lists, weights = index.merge_query(np.array([0, 1]), np.array([1.0, 1.0]))
    np.testing.assert_allclose(
        index.score(np.array([0, 1]), lists, weights), [0.6, 0.8], rtol=1e-6
    )


@pytest.mark.parametrize("budget", [0.0, 0.05, 0.3, 10.0])
def test_plan_leaves_at_most_the_budget_unread(budget: float) -> None:
    rng = np.random.default_rng(1)
    dense = rng.random((500, 12)) * (rng.random((500, 12)) < 0.3)
    index = build(dense)
    lists = np.unique(index.group[index.group >= 0]).astype(np.int64)
    weights = rng.random(len(lists))
    depths, bounds = index.plan(lists, weights, budget)
    lengths = index.lengths(lists)
    assert bounds.sum() <= budget + 1e-12 or np.array_equal(depths, lengths)
    for at, (depth, bound) in enumerate(zip(depths, bounds, strict=True)):
        start, stop = index.indptr[lists[at]], index.indptr[lists[at] + 1]
        unread = index.values[start : stop - depth] * weights[at]
        assert np.all(unread <= bound)
    if budget >= (weights * index.values[index.indptr[lists + 1] - 1]).sum():
        assert not depths.any()


def test_read_returns_the_heaviest_postings_minus_offsets() -> None:
    dense = np.array([[0.1, 0.0], [0.4, 0.5], [0.3, 0.2], [0.2, 0.0]])
    index = build(dense)
    lists, weights = index.merge_query(np.array([0, 1]), np.array([2.0, 1.0]))
    postings = index.read(lists, weights, np.array([2, 1]), np.array([0.1, 0.0]))
    impacts = np.round(postings.impacts, 6).tolist()
    got = sorted(zip(postings.units.tolist(), impacts, strict=True))
    assert got == [(1, 0.5), (1, 0.7), (2, 0.5)]
