"""Query evaluation with numpy over Whoosh posting lists: exact document sets, BM25 scores."""

# Whoosh's own matchers walk every matching document in Python, which is too slow for facet
# counts over tens of thousands of hits. Here each posting list is decoded into arrays and the
# boolean structure of the query is evaluated on dense per-document masks and score vectors.

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from whoosh.searching import Searcher

from .analysis import fold_word
from .facets import SegmentCache, leaves
from .postings import PostingCache
from .query import EXPANSION_BOOST, ParsedQuery, Unit

K1 = 1.2  # BM25 term-frequency saturation; no length normalisation (b = 0): records are short.
WEIGHTS = {"title": 2.0, "body": 1.0}
ACCENT_BONUS = 1.5  # an exact (accented) match adds this much of the field weight again
PAIR_WEIGHT = 1.0
MAX_PREFIX_TERMS = 64


@dataclass(frozen=True)
class Matches:
    """Sorted unique global docnums and their scores; for a ranked search, which units each holds.

    ``units[u, i]`` tells whether document ``ids[i]`` matches positive unit ``u`` of the query.
    """

    ids: np.ndarray
    scores: np.ndarray
    units: np.ndarray | None = None

    @property
    def complete(self) -> np.ndarray:
        """Whether each document matches every unit of the query."""
        if self.units is None:
            return np.ones(len(self.ids), dtype=bool)
        return self.units.all(axis=0)

    def subset(self, mask: np.ndarray) -> Matches:
        """The documents where ``mask`` is true."""
        units = None if self.units is None else self.units[:, mask]
        return Matches(self.ids[mask], self.scores[mask], units)


EMPTY = Matches(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64))


@dataclass(frozen=True)
class Dense:
    """A document set over all docnums of the searcher: membership mask and summed scores."""

    mask: np.ndarray
    scores: np.ndarray

    def matches(self) -> Matches:
        """The sparse form: matching docnums and their scores."""
        ids = np.flatnonzero(self.mask)
        return Matches(ids, self.scores[ids])


def union_terms(parts: Iterable[Matches], size: int) -> Dense:
    """Documents in any posting list; scores add up."""
    mask = np.zeros(size, dtype=bool)
    scores = np.zeros(size, dtype=np.float64)
    for part in parts:
        scores[part.ids] += part.scores  # docnums are unique within one posting list
        mask[part.ids] = True
    return Dense(mask, scores)


def union(parts: list[Dense]) -> Dense:
    """Documents in any part; scores add up."""
    return Dense(
        np.logical_or.reduce([p.mask for p in parts]),
        np.sum([p.scores for p in parts], axis=0),
    )


def intersect(parts: list[Dense]) -> Dense:
    """Documents in every part; scores add up."""
    return Dense(
        np.logical_and.reduce([p.mask for p in parts]),
        np.sum([p.scores for p in parts], axis=0),
    )


class Evaluator:
    """Evaluates parsed queries against one searcher's segments."""

    def __init__(
        self,
        searcher: Searcher,
        cache: SegmentCache,
        postings: PostingCache,
        weights: Mapping[str, float] = WEIGHTS,
    ) -> None:
        self.weights = weights
        self.postings = postings
        self.reader = searcher.reader()
        self.leaves = leaves(searcher)
        self.doc_count = self.reader.doc_count_all()
        self.cache = cache

    def term(self, field: str, text: str, boost: float) -> Matches:
        """BM25 scores of the documents containing ``text`` in ``field``."""
        stats = [self.postings.stats(reader, field, text) for reader, _ in self.leaves]
        df = sum(found for found, _ in stats)
        if not df:
            return EMPTY
        idf = math.log(1.0 + (max(self.doc_count, df) - df + 0.5) / (df + 0.5))
        ids_parts, tf_parts = [], []
        for (reader, offset), (found, _) in zip(self.leaves, stats, strict=True):
            if not found:
                continue
            ids, tfs = self.postings.get(reader, field, text)
            if reader.has_deletions():
                live = self.cache.live(reader)[ids]
                ids, tfs = ids[live], tfs[live]
            ids_parts.append(ids.astype(np.int64) + offset)
            tf_parts.append(tfs.astype(np.float64))
        tfs = np.concatenate(tf_parts)
        scores = boost * idf * tfs * (K1 + 1) / (tfs + K1)
        return Matches(np.concatenate(ids_parts), scores)

    def word(self, word: str, boost: float = 1.0) -> Dense:
        """Documents with the syllable, accented or not; exact accented matches score higher."""
        folded = fold_word(word)
        parts: list[Matches] = []
        for field, weight in self.weights.items():
            plain = self.term(field, folded, weight * boost)
            parts.append(plain)
            if folded == word:
                continue
            if self._same_postings(field, word, folded):
                parts.append(Matches(plain.ids, plain.scores * ACCENT_BONUS))
            else:
                parts.append(self.term(field, word, weight * ACCENT_BONUS * boost))
        return union_terms(parts, self.doc_count)

    def _same_postings(self, field: str, word: str, folded: str) -> bool:
        """Tell whether every occurrence of ``folded`` in ``field`` is written as ``word``.

        Each accented occurrence is also indexed folded, so equal document counts and equal total
        frequencies mean equal postings: the accented list need not be read.
        """
        totals = [
            tuple(
                map(
                    sum,
                    zip(
                        *(self.postings.stats(r, field, t) for r, _ in self.leaves),
                        strict=True,
                    ),
                )
            )
            for t in (word, folded)
        ]
        return totals[0] == totals[1]

    def words(self, words: tuple[str, ...], boost: float = 1.0) -> Dense:
        """Documents with all syllables; several syllables must also be adjacent (folded bigrams)."""
        parts = [self.word(word, boost) for word in words]
        folded = [fold_word(word) for word in words]
        for a, b in zip(folded, folded[1:], strict=False):
            pair = self.term("pairs", f"{a}_{b}", PAIR_WEIGHT * boost)
            parts.append(union_terms([pair], self.doc_count))
        return intersect(parts)

    def prefix(self, word: str) -> Dense:
        """Documents with a syllable starting with ``word`` (accents ignored)."""
        folded = fold_word(word)
        reader = self.reader
        terms = {
            t.decode("utf-8")
            for f in self.weights
            for t in reader.expand_prefix(f, folded)
        }
        ranked = sorted(terms, key=lambda t: (-reader.doc_frequency("body", t), t))
        parts = [
            self.term(f, t, w)
            for t in ranked[:MAX_PREFIX_TERMS]
            for f, w in self.weights.items()
        ]
        return union_terms(parts, self.doc_count)

    def unit(self, unit: Unit) -> Dense:
        """Documents matching one unit or any of its alternative forms."""
        if unit.prefix:
            return self.prefix(unit.words[-1])
        alternatives = [self.words(alt, EXPANSION_BOOST) for alt in unit.alternatives]
        return union([self.words(unit.words), *alternatives])

    def evaluate(self, parsed: ParsedQuery) -> Matches:
        """Documents matching every positive unit and no negated one."""
        found = intersect([self.unit(unit) for unit in parsed.positive])
        return self._exclude(found, parsed).matches()

    def rank(self, parsed: ParsedQuery) -> Matches:
        """Documents matching any positive unit and no negated one, with the units each matches.

        A document scores the sum of the units it matches, plus a bonus for each pair of adjacent
        query words it holds as written (the words as a phrase), times the share of the units it
        matches (Lucene's coordination factor); callers put documents matching every unit first.
        """
        parts = [self.unit(unit) for unit in parsed.positive]
        masks = np.array([part.mask for part in parts])
        scores = np.sum([part.scores * part.mask for part in parts], axis=0)
        found = self._exclude(Dense(masks.any(axis=0), scores), parsed)
        for pair in parsed.pairs:
            bonus = self.term("pairs", pair, PAIR_WEIGHT)
            found.scores[bonus.ids] += bonus.scores
        found.scores[:] *= masks.mean(axis=0)
        ids = np.flatnonzero(found.mask)
        return Matches(ids, found.scores[ids], masks[:, ids])

    def _exclude(self, found: Dense, parsed: ParsedQuery) -> Dense:
        negated = [self.unit(unit) for unit in parsed.units if unit.negated]
        if not negated:
            return found
        return Dense(found.mask & ~union(negated).mask, found.scores)
