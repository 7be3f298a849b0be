"""Exact assignment of items to candidates, checked against brute force."""

from __future__ import annotations

from itertools import combinations, product

import numpy as np
import pytest

from matchmaker.matching import assign


def brute_force(
    affinity: np.ndarray,
    capacities: np.ndarray,
    demand: int,
    conflicts: set[tuple[int, int]],
) -> float | None:
    """Best total over every way of giving each item ``demand`` distinct candidates."""
    n_items, n_cands = affinity.shape
    options = [
        [
            group
            for group in combinations(range(n_cands), demand)
            if not {(i, j) for j in group} & conflicts
        ]
        for i in range(n_items)
    ]
    best = None
    for choice in product(*options):
        load = np.bincount([j for group in choice for j in group], minlength=n_cands)
        if (load <= capacities).all():
            total = sum(affinity[i, j] for i, group in enumerate(choice) for j in group)
            best = total if best is None else max(best, total)
    return best


@pytest.mark.parametrize("seed", range(12))
def test_assign_is_optimal_on_small_random_cases(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_items, n_cands = int(rng.integers(2, 5)), int(rng.integers(2, 5))
    demand = int(rng.integers(1, 3)) if n_cands >= 2 else 1
    affinity = rng.random((n_items, n_cands)).round(3)
    capacities = rng.integers(1, 4, n_cands)
    conflicts = {
        (i, j) for i in range(n_items) for j in range(n_cands) if rng.random() < 0.2
    }
    items = [f"o{i}" for i in range(n_items)]
    cands = [f"r{j}" for j in range(n_cands)]
    named = [(items[i], cands[j]) for i, j in conflicts]
    expected = brute_force(affinity, capacities, demand, conflicts)
    if expected is None:
        with pytest.raises(ValueError):
            assign(items, cands, affinity, capacities, demand, named)
        return
    result = assign(items, cands, affinity, capacities, demand, named)
    assert result.total_affinity == pytest.approx(expected)
    assert not set(result.pairs) & set(named)
    loads = {c: sum(1 for _, x in result.pairs if x == c) for c in cands}
    assert all(loads[c] <= capacities[j] for j, c in enumerate(cands))
    assert all(sum(1 for item, _ in result.pairs if item == i) == demand for i in items)


def test_assign_respects_capacity_over_greedy_choice() -> None:
    result = assign(["o1", "o2"], ["a", "b"], [[0.9, 0.8], [0.9, 0.1]], capacities=1)
    assert result.pairs == (("o1", "b"), ("o2", "a"))
    assert result.total_affinity == pytest.approx(1.7)


def test_assign_lists_reviewers_best_first_per_item() -> None:
    result = assign(["p"], ["a", "b", "c"], [[0.2, 0.9, 0.5]], capacities=1, demands=2)
    assert result.pairs == (("p", "b"), ("p", "c"))


def test_assign_partial_when_allowed() -> None:
    result = assign(
        ["o1", "o2"], ["a"], [[0.5], [0.7]], capacities=1, allow_partial=True
    )
    assert result.pairs == (("o2", "a"),)
    with pytest.raises(ValueError):
        assign(["o1", "o2"], ["a"], [[0.5], [0.7]], capacities=1)


def test_assign_rejects_wrong_shape() -> None:
    with pytest.raises(ValueError, match="shape"):
        assign(["o1"], ["a", "b"], [[0.5]])


def test_cover_first_fills_a_place_the_best_total_would_leave_empty() -> None:
    # "a" scores most on item x; item y can only take "a". The best total leaves y empty.
    affinity = np.array([[0.9, 0.3], [0.5, 0.0]])
    conflicts = [("y", "b")]
    best = assign(
        ["x", "y"], ["a", "b"], affinity, conflicts=conflicts, allow_partial=True
    )
    assert best.pairs == (("x", "a"),)
    covered = assign(
        ["x", "y"], ["a", "b"], affinity, conflicts=conflicts,
        allow_partial=True, cover_first=True,
    )  # fmt: skip
    assert covered.pairs == (("x", "b"), ("y", "a"))
    assert covered.total_affinity == pytest.approx(0.8)


def _partial_brute_force(
    affinity: np.ndarray, capacity: int, demand: int, conflicts: set[tuple[int, int]]
) -> tuple[int, float]:
    """Most places filled, then the best total, over every partial assignment."""
    n_items, n_cands = affinity.shape
    options = [
        [
            group
            for size in range(demand + 1)
            for group in combinations(range(n_cands), size)
            if not {(i, j) for j in group} & conflicts
        ]
        for i in range(n_items)
    ]
    best = (-1, 0.0)
    for choice in product(*options):
        load = np.bincount([j for g in choice for j in g], minlength=n_cands)
        if (load <= capacity).all():
            filled = sum(len(g) for g in choice)
            total = sum(affinity[i, j] for i, g in enumerate(choice) for j in g)
            if (filled, total) > (best[0], best[1] + 1e-9):
                best = (filled, total)
    return best


@pytest.mark.parametrize("seed", range(10))
def test_cover_first_is_optimal_on_small_random_cases(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    n_items, n_cands = int(rng.integers(2, 4)), int(rng.integers(2, 5))
    affinity = rng.random((n_items, n_cands)).round(3)
    conflicts = {
        (i, j) for i in range(n_items) for j in range(n_cands) if rng.random() < 0.35
    }
    items = [f"i{i}" for i in range(n_items)]
    cands = [f"c{j}" for j in range(n_cands)]
    result = assign(
        items, cands, affinity, capacities=1, demands=2,
        conflicts=[(items[i], cands[j]) for i, j in conflicts],
        allow_partial=True, cover_first=True,
    )  # fmt: skip
    filled, total = _partial_brute_force(affinity, 1, 2, conflicts)
    assert len(result.pairs) == filled
    assert result.total_affinity == pytest.approx(total)
