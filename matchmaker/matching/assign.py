"""Exact maximum-affinity assignment of items (orders, proposals) to candidates under loads and conflicts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp


@dataclass(frozen=True)
class Assignment:
    """The chosen (item id, candidate id) pairs, in item order then best affinity first, and their total."""

    pairs: tuple[tuple[str, str], ...]
    total_affinity: float


def _per_entry(value: int | ArrayLike, size: int, name: str) -> np.ndarray:
    values = np.broadcast_to(np.asarray(value, dtype=float), (size,)).copy()
    if (values < 0).any():
        raise ValueError(f"{name} must not be negative")
    return values


def assign(
    item_ids: Sequence[str],
    candidate_ids: Sequence[str],
    affinity: ArrayLike,
    capacities: int | ArrayLike = 1,
    demands: int | ArrayLike = 1,
    conflicts: Iterable[tuple[str, str]] = (),
    allow_partial: bool = False,
    cover_first: bool = False,
) -> Assignment:
    """Assign candidates to items maximising total affinity, exactly (a 0/1 program solved by HiGHS).

    Each item gets ``demands[i]`` distinct candidates (reviewers per proposal), each candidate at most
    ``capacities[j]`` items, and no conflicting pair is used. The constraint matrix is that of a
    transportation problem, so the optimum is integral and exact.

    Parameters
    ----------
    item_ids, candidate_ids : sequence of str
        Row and column labels of ``affinity``.
    affinity : array-like, shape (n_items, n_candidates)
        Match scores, e.g. from :meth:`TfidfMatcher.query_many`.
    capacities : int or array-like
        Maximum load of each candidate.
    demands : int or array-like
        Number of candidates each item needs.
    conflicts : iterable of (item id, candidate id)
        Forbidden pairs.
    allow_partial : bool
        If true, items may get fewer candidates than demanded when loads or conflicts leave no choice;
        otherwise that raises ``ValueError``.
    cover_first : bool
        With ``allow_partial``: first fill as many places as possible, then maximise affinity among
        the assignments that do (two exact solves). Without it, a place is left empty whenever that
        raises the total, e.g. when a candidate scores more on an item that needs nobody else.

    Returns
    -------
    Assignment
    """
    scores = np.asarray(affinity, dtype=float)
    n_items, n_cands = len(item_ids), len(candidate_ids)
    if scores.shape != (n_items, n_cands):
        raise ValueError(
            f"affinity has shape {scores.shape}, expected {(n_items, n_cands)}"
        )
    if n_items == 0 or n_cands == 0:
        return Assignment((), 0.0)
    need = _per_entry(demands, n_items, "demands")
    load = _per_entry(capacities, n_cands, "capacities")
    upper = np.ones((n_items, n_cands))
    item_at = {item: i for i, item in enumerate(item_ids)}
    cand_at = {cand: j for j, cand in enumerate(candidate_ids)}
    for item, cand in conflicts:
        if item in item_at and cand in cand_at:
            upper[item_at[item], cand_at[cand]] = 0
    # Variable x[i, j] is at position i * n_cands + j.
    rows = sparse.kron(sparse.eye(n_items), np.ones((1, n_cands)), format="csr")
    cols = sparse.kron(np.ones((1, n_items)), sparse.eye(n_cands), format="csr")
    constraints = [
        LinearConstraint(rows, 0 if allow_partial else need, need),
        LinearConstraint(cols, 0, load),
    ]
    bounds = Bounds(0, upper.ravel())
    if allow_partial and cover_first:
        most = _solve(-np.ones(n_items * n_cands), bounds, constraints)
        filled = round(float(most.sum()))
        ones = np.ones((1, n_items * n_cands))
        constraints.append(LinearConstraint(ones, filled, filled))
    chosen = _solve(-scores.ravel(), bounds, constraints).reshape(n_items, n_cands)
    pairs = []
    for i in range(n_items):
        picked = sorted(
            np.flatnonzero(chosen[i]), key=lambda j: (-scores[i, j], candidate_ids[j])
        )
        pairs.extend((item_ids[i], candidate_ids[j]) for j in picked)
    return Assignment(tuple(pairs), float(scores[chosen].sum()))


def _solve(
    objective: np.ndarray, bounds: Bounds, constraints: list[LinearConstraint]
) -> np.ndarray:
    """The 0/1 choice minimising ``objective`` (HiGHS), as booleans."""
    result = milp(
        objective,
        integrality=np.ones(len(objective)),
        bounds=bounds,
        constraints=constraints,
    )
    if result.status != 0 or result.x is None:
        raise ValueError(
            f"no assignment satisfies the demands, loads and conflicts ({result.message})"
        )
    return np.round(result.x) > 0.5
