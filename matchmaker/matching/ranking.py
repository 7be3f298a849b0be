"""Order candidate scores deterministically, apply the diversity cap and explain matches by their terms."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np


def top_prefix(scores: np.ndarray, ids: Sequence[str], size: int) -> list[int]:
    """Positions of the ``size`` best scores (plus any tied with the last), by score then id."""
    if size < len(scores):
        best = np.argpartition(-scores, size - 1)[:size]
        positions = np.flatnonzero(scores >= scores[best].min())
    else:
        positions = np.arange(len(scores))
    return sorted(positions.tolist(), key=lambda pos: (-scores[pos], ids[pos]))


def rank(
    scores: np.ndarray,
    ids: Sequence[str],
    institutions: np.ndarray,
    k: int | None,
    cap: int | None,
) -> list[int]:
    """Positions of the ``k`` best candidates with at most ``cap`` per institution (code -1: none).

    Parameters
    ----------
    scores : ndarray
        Score of each eligible candidate.
    ids : sequence of str
        Their ids, the tie-break.
    institutions : ndarray
        Their institution codes.
    k : int or None
        How many to return; ``None`` for all.
    cap : int or None
        Diversity limit per institution.

    Returns
    -------
    list of int
        Positions into ``scores``, best first.
    """
    limit = len(scores) if k is None else min(k, len(scores))
    size = limit if cap is None else 4 * limit
    while True:
        chosen: list[int] = []
        per_institution: Counter[int] = Counter()
        prefix = top_prefix(scores, ids, size)
        for pos in prefix:
            institution = int(institutions[pos])
            if cap is not None and institution >= 0:
                if per_institution[institution] >= cap:
                    continue
                per_institution[institution] += 1
            chosen.append(pos)
            if len(chosen) == limit:
                return chosen
        if len(prefix) >= len(scores):
            return chosen
        size *= 4


def word_sets(names: Sequence[str]) -> list[frozenset[str]]:
    """The lower-case words of each name, for :func:`explain`."""
    return [frozenset(name.lower().split()) for name in names]


def explain(
    contributions: np.ndarray,
    names: Sequence[str],
    words: Sequence[frozenset[str]],
    n_terms: int,
) -> tuple[str, ...]:
    """The names of the largest contributions, merged by name.

    A name whose words all appear in another contributing name (``"thủy"`` beside ``"thủy sản"``) is
    left out, so a phrase is shown once.
    """
    totals: dict[str, float] = {}
    groups: dict[str, frozenset[str]] = {}
    for at in np.flatnonzero(contributions > 0):
        name = names[at]
        totals[name] = totals.get(name, 0.0) + float(contributions[at])
        groups[name] = words[at]
    phrases = [group for group in groups.values() if len(group) > 1]
    in_phrase = frozenset().union(*phrases)
    longer = [group for group in phrases if len(group) > 2]
    shown: list[str] = []
    for name in sorted(totals, key=lambda name: (-totals[name], name)):
        group = groups[name]
        if len(group) == 1 and group <= in_phrase:
            continue
        if len(group) > 1 and any(group < phrase for phrase in longer):
            continue
        shown.append(name)
        if len(shown) == n_terms:
            break
    return tuple(shown)
