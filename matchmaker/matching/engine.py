"""TfidfMatcher: fit on candidates' documents, query texts for the best candidates, update, persist."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Self

import joblib
import numpy as np
from joblib import effective_n_jobs

from matchmaker.matching.analysis import Analyzer
from matchmaker.matching.candidates import CandidateTable, Scored
from matchmaker.matching.explain import (
    QueryTerms,
    Words,
    generic_floor,
    rarity,
    text_words,
)
from matchmaker.matching.index import CorpusIndex
from matchmaker.matching.lexicon import Lexicon
from matchmaker.matching.ranking import explain, rank, word_sets
from matchmaker.matching.types import (
    Candidate,
    Document,
    Match,
    NotFittedError,
    QueryFilter,
)
from matchmaker.matching.vectorizer import FeatureWeights, FieldVectorizer

DEFAULT_FIELD_WEIGHTS = {"title": 1.25, "keywords": 1.5, "body": 1.0}
# Candidate texts whose words :meth:`TfidfMatcher.explainer` remembers (a few MB: words are interned).
TEXT_CACHE = 4096


class TfidfMatcher:
    """Rank candidates (researchers or institutions) for a text by TF-IDF cosine with their documents.

    Parameters
    ----------
    lexicon : Lexicon, optional
        Stop words, abbreviations and synonyms; the shipped files when ``None``.
    field_weights : mapping of str to float, optional
        Weights of the ``title``, ``keywords`` and ``body`` fields of a document, overriding
        ``DEFAULT_FIELD_WEIGHTS``.
    top_docs : int or None
        A candidate's score is the mean of its ``top_docs`` best document similarities
        (``1``: the best one; ``None``: all its documents).
    fold_weight : float
        Weight of accent-folded features of Vietnamese words: an exact accented match weighs
        ``1 + fold_weight²`` against ``fold_weight²`` for a match typed without diacritics.
    stem_weight : float
        Weight of stemmed features of unaccented (English) words, relative to their exact form.
    bigram_weight, concept_weight : float
        Weights of two-word features and of synonym-group features.
    n_terms : int
        How many contributing terms each match lists.
    n_jobs : int or None
        Processes analysing the documents during :meth:`fit` (``None``: one; ``-1``: one per CPU).
    """

    def __init__(
        self,
        lexicon: Lexicon | None = None,
        field_weights: Mapping[str, float] | None = None,
        top_docs: int | None = 20,
        fold_weight: float = 1.0,
        stem_weight: float = 6.0,
        bigram_weight: float = 1.0,
        concept_weight: float = 3.0,
        n_terms: int = 5,
        n_jobs: int | None = None,
    ) -> None:
        self.lexicon = lexicon
        self.field_weights = field_weights
        self.top_docs = top_docs
        self.fold_weight = fold_weight
        self.stem_weight = stem_weight
        self.bigram_weight = bigram_weight
        self.concept_weight = concept_weight
        self.n_terms = n_terms
        self.n_jobs = n_jobs

    def fit(
        self, candidates: Sequence[Candidate], extra_texts: Iterable[str] = ()
    ) -> Self:
        """Learn the vocabulary, idf and document vectors.

        A word's document frequency counts the candidates using it (in any of their documents) and
        the extra texts, so a word one prolific author repeats in every paper stays rare.

        Parameters
        ----------
        candidates : sequence of Candidate
            Every candidate with its documents; candidate ids must be unique, and document ids
            unique within a candidate (a co-authored paper may appear under several candidates).
        extra_texts : iterable of str
            Other texts the platform knows (orders, needs); they only shape the idf.

        Returns
        -------
        TfidfMatcher
            ``self``, fitted.
        """
        _check_unique([c.candidate_id for c in candidates], "candidate")
        for candidate in candidates:
            _check_unique([doc.doc_id for doc in candidate.documents], "document")
        documents = [doc for candidate in candidates for doc in candidate.documents]
        weights = {**DEFAULT_FIELD_WEIGHTS, **(self.field_weights or {})}
        analyzer = Analyzer(
            self.lexicon if self.lexicon is not None else Lexicon.load()
        )
        features = FeatureWeights(
            self.fold_weight, self.stem_weight, self.bigram_weight, self.concept_weight
        )
        n_jobs = effective_n_jobs(self.n_jobs)
        self.vectorizer_ = FieldVectorizer(analyzer, weights, features, n_jobs)
        sizes = np.array([len(c.documents) for c in candidates], dtype=np.int64)
        # Document frequencies count candidates, not documents (see FieldVectorizer.fit_transform).
        rows = self.vectorizer_.fit_transform(documents, extra_texts, sizes)
        self.index_ = CorpusIndex(rows, sizes, self.top_docs)
        self.doc_ids_ = [doc.doc_id for doc in documents]
        self.candidates_ = CandidateTable.build(
            [(c.candidate_id, c.meta) for c in candidates]
        )
        return self

    def query(
        self, text: str | Document, k: int | None = 10, where: QueryFilter | None = None
    ) -> list[Match]:
        """Best candidates for one text.

        Parameters
        ----------
        text : str or Document
            The order, need or search text (Vietnamese, English or both; diacritics optional).
            A :class:`Document` weighs its title, keywords and body like the candidates' documents.
        k : int or None
            How many candidates to return; ``None`` for every candidate with a positive score.
        where : QueryFilter, optional
            Filters and diversity cap.

        Returns
        -------
        list of Match
            Best first; ties by candidate id. Empty if no word of ``text`` is known.
        """
        return self.query_many([text], k, where)[0]

    def query_many(
        self,
        texts: Sequence[str | Document],
        k: int | None = 10,
        where: QueryFilter | None = None,
    ) -> list[list[Match]]:
        """Best candidates for each of several texts, as :meth:`query` would return them.

        Parameters
        ----------
        texts : sequence of str or Document
            Query texts.
        k : int or None
            How many candidates per text.
        where : QueryFilter, optional
            Filters applied to every text.

        Returns
        -------
        list of list of Match
            One ranked list per text, in order.
        """
        self._check_fitted()
        queries = [
            t if isinstance(t, Document) else Document("", body=t) for t in texts
        ]
        return [self._search(query, k, where) for query in queries]

    def affinity(
        self, texts: Sequence[str | Document], candidate_ids: Sequence[str]
    ) -> np.ndarray:
        """Exact scores of the given candidates for each text: the input of :func:`assign`.

        Parameters
        ----------
        texts : sequence of str or Document
            The items (orders, proposals).
        candidate_ids : sequence of str
            The candidates (e.g. council members); an unknown or removed one scores 0 everywhere.

        Returns
        -------
        ndarray, shape (len(texts), len(candidate_ids))
            The score :meth:`query` would give each candidate for each text (0 if no shared word).
        """
        self._check_fitted()
        out = np.zeros((len(texts), len(candidate_ids)))
        table = self.candidates_
        known = [
            (column, table.index[c])
            for column, c in enumerate(candidate_ids)
            if c in table.index and table.active[table.index[c]]
        ]
        if not known:
            return out
        columns = np.array([column for column, _ in known])
        positions = np.array([at for _, at in known])
        order = np.argsort(positions, kind="stable")
        wanted = np.unique(positions)
        for line, text in enumerate(texts):
            query = text if isinstance(text, Document) else Document("", body=text)
            cols, weights = self.vectorizer_.transform_query(query)
            if not len(cols):
                continue
            scored = self.index_.score_given(wanted, cols, weights)
            found = np.searchsorted(scored.candidates, positions[order])
            found = np.minimum(found, max(len(scored.candidates) - 1, 0))
            hit = scored.candidates[found] == positions[order] if len(found) else found
            out[line, columns[order][hit]] = scored.totals[found[hit]]
        return out

    def explain(
        self,
        text: str | Document,
        texts: Iterable[str],
        words: Iterable[str] = (),
        n: int | None = None,
    ) -> tuple[str, ...]:
        """Why a candidate matches a text: the words and phrases both write alike, rarest first, leaving out
        those too common to explain anything.

        Parameters
        ----------
        text : str or Document
            The query, as given to :meth:`query`.
        texts : iterable of str
            The candidate's own texts.
        words : iterable of str
            The candidate's keywords: one of a single Vietnamese syllable may be shown.
        n : int, optional
            At most this many terms (default ``n_terms``).

        Returns
        -------
        tuple of str
            Terms written, with the same accents, in ``text`` and in one of ``texts``; see
            :mod:`matchmaker.matching.explain`.
        """
        return self.explainer(text).shared(texts, words, n or self.n_terms)

    def explainer(self, text: str | Document) -> QueryTerms:
        """:meth:`explain` for many candidates of one text: ``explainer(text).shared(texts, words, n)``.

        The text is analysed once; the candidates' texts are read through a cache this matcher keeps
        (the same researchers' publications come up in one match list after another).
        """
        self._check_fitted()
        vectorizer = self.vectorizer_
        lexicon = vectorizer.analyzer.lexicon
        if isinstance(text, Document):
            text = "\n".join(p for p in (text.title, text.keywords, text.body) if p)
        weight = rarity(vectorizer.vocabulary_, vectorizer.idf_, lexicon)
        floor = generic_floor(vectorizer.idf_)
        return QueryTerms(text, lexicon, weight, floor, self._text_words())

    def _text_words(self) -> Callable[[str], tuple[Words, ...]]:
        """:func:`text_words` with this matcher's lexicon, remembering the last ``TEXT_CACHE`` texts."""
        cached = self.__dict__.get("_text_words_cache")
        if cached is None:
            lexicon = self.vectorizer_.analyzer.lexicon
            cached = lru_cache(maxsize=TEXT_CACHE)(
                lambda text: text_words(text, lexicon)
            )
            self.__dict__["_text_words_cache"] = cached
        return cached

    def __getstate__(self) -> dict:
        """What :meth:`save` writes: everything but the cache of read texts."""
        state = dict(self.__dict__)
        state.pop("_text_words_cache", None)
        return state

    def upsert(self, candidate: Candidate) -> None:
        """Add a candidate or replace its documents and metadata with the fitted vocabulary.

        Words unseen at fit time are ignored until the next :meth:`fit`.

        Parameters
        ----------
        candidate : Candidate
            The new or changed candidate.
        """
        self._check_fitted()
        ids = [doc.doc_id for doc in candidate.documents]
        _check_unique(ids, "document")
        at = self.candidates_.put(candidate.candidate_id, candidate.meta)
        self.index_.append(at, self.vectorizer_.transform(candidate.documents))
        self.doc_ids_.extend(ids)

    def remove(self, candidate_id: str) -> None:
        """Stop returning a candidate.

        Parameters
        ----------
        candidate_id : str
            A fitted or upserted candidate.

        Raises
        ------
        KeyError
            If the candidate is unknown.
        """
        self._check_fitted()
        if candidate_id not in self.candidates_.index:
            raise KeyError(candidate_id)
        self._retire(candidate_id)

    def save(self, path: str | Path) -> None:
        """Write the fitted matcher to ``path`` with joblib."""
        self._check_fitted()
        joblib.dump(self, path)

    @classmethod
    def load(cls, path: str | Path) -> TfidfMatcher:
        """Read a matcher written by :meth:`save`."""
        matcher = joblib.load(path)
        if not isinstance(matcher, cls):
            raise TypeError(f"{path} does not hold a {cls.__name__}")
        return matcher

    def _check_fitted(self) -> None:
        if not hasattr(self, "vectorizer_"):
            raise NotFittedError(
                f"{type(self).__name__} is not fitted yet; call fit() first"
            )

    def _retire(self, candidate_id: str) -> None:
        at = self.candidates_.index.get(candidate_id)
        if at is not None:
            self.index_.retire(at)
            self.candidates_.deactivate(at)

    def _search(
        self, query: Document, k: int | None, where: QueryFilter | None
    ) -> list[Match]:
        cols, weights = self.vectorizer_.transform_query(query)
        if k == 0 or not len(cols):
            return []
        table = self.candidates_
        cap = where.max_per_institution if where is not None else None

        def eligible(candidates: np.ndarray) -> np.ndarray:
            return table.eligible(candidates, where)

        def ranked(scored: Scored, size: int | None) -> np.ndarray:
            """Positions in ``scored`` of the ``size`` best eligible candidates, best first."""
            keep = np.flatnonzero(eligible(scored.candidates))
            owners = scored.candidates[keep]
            ids = _Lookup(table.ids, owners)
            institutions = table.institution[owners]
            return keep[rank(scored.totals[keep], ids, institutions, size, cap)]

        def threshold(scored: Scored) -> float:
            # The k-th result scores at least as much as the k-th of any eligible set (cap included).
            chosen = ranked(scored, k)
            return float(scored.totals[chosen[-1]]) if len(chosen) == k else 0.0

        if k is None:
            scored = self.index_.score_all(cols, weights, eligible)
        else:
            scored = self.index_.score_top(cols, weights, k, eligible, threshold)
        return self._matches(scored, ranked(scored, k), cols, weights)

    def _matches(
        self, scored: Scored, chosen: np.ndarray, cols: np.ndarray, weights: np.ndarray
    ) -> list[Match]:
        """Matches for the ``chosen`` positions of ``scored``, explained by their best document."""
        best = [scored.best_row(pos) for pos in chosen]
        contributions = self.index_.terms(best, cols, weights)
        # Only the terms that contribute to some match are named.
        names = [""] * len(cols)
        for at in np.flatnonzero((contributions > 0).any(axis=0)).tolist():
            names[at] = self.vectorizer_.display(int(cols[at]))
        words = word_sets(names)
        ids = self.candidates_.ids
        return [
            Match(
                ids[scored.candidates[pos]],
                float(scored.totals[pos]),
                explain(parts, names, words, self.n_terms),
                self.doc_ids_[row],
            )
            for pos, row, parts in zip(chosen, best, contributions, strict=True)
        ]


class _Lookup(Sequence[str]):
    """``values[keys[i]]`` for each ``i``, looked up when read (ranking reads only its prefix)."""

    def __init__(self, values: Sequence[str], keys: np.ndarray) -> None:
        self.values = values
        self.keys = keys

    def __len__(self) -> int:
        return len(self.keys)

    def __getitem__(self, position: int) -> str:  # type: ignore[override]
        return self.values[self.keys[position]]


def _check_unique(ids: Sequence[str], what: str) -> None:
    duplicates = [i for i, n in Counter(ids).items() if n > 1]
    if duplicates:
        raise ValueError(f"duplicate {what} ids: {sorted(duplicates)[:3]}")
