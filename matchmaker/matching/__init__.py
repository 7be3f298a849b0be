"""Pure matching library: Vietnamese-aware TF-IDF matching of texts to candidates, and assignment.

Public API
----------
``TfidfMatcher(...).fit(candidates, extra_texts=())``
    Learn from :class:`Candidate` objects (id, :class:`Document` tuple, :class:`CandidateMeta`); an
    institution is ``Candidate.merge(id, its researchers, meta)``, best kept in a matcher of its own.
``matcher.query(text_or_document, k=10, where=None)`` / ``matcher.query_many(texts, k=10, where=None)``
    Ranked :class:`Match` lists (candidate id, score, top terms, best document id); ``where`` is a
    :class:`QueryFilter` (fields, institution kinds, availability, public listing, exclusions, diversity).
``matcher.upsert(candidate)`` / ``matcher.remove(candidate_id)``
    Reflect a profile change at once with the fitted vocabulary; refit later in the background.
``matcher.save(path)`` / ``TfidfMatcher.load(path)``
    Persist with joblib.
``matcher.explain(text_or_document, texts, words=())``
    Why a candidate matches: the words and phrases (``"xâm nhập mặn"``, ``"cá tra"``, ``"IoT"``) that the query
    and one of the candidate's ``texts`` both write, with the same accents, rarest first (:mod:`.explain`);
    ``occurs(term, text)`` tells whether a text writes a term.
``matcher.affinity(texts, candidate_ids)``
    Exact scores of named candidates (e.g. a council's members) for each text: the input of ``assign``.
``assign(item_ids, candidate_ids, affinity, capacities=1, demands=1, conflicts=(), allow_partial=False,
cover_first=False)``
    Exact maximum-affinity assignment (SciPy ``milp``) of items (orders, proposals) to candidates with a
    maximum load per candidate, a number of reviewers per item and conflict pairs (``cover_first``: fill the most
    places, then maximise affinity); an :class:`Assignment`.
``Lexicon.load(abbreviation_files=(), synonym_files=(), stop_word_files=())``
    The shipped data files (``data/abbreviations.tsv``, ``data/synonyms.tsv``, ``data/stopwords_*.txt``)
    plus administrators' extra files; ``lexicon.extended(...)`` adds entries in code.
``lexicon.expand(tokens)``
    Query expansion for the search index: abbreviations replaced by their expansion and the words of
    every synonym variant appended (``["AI"]`` gives ``["ai", "trí", "tuệ", "nhân", "tạo", ...]``).
``normalise(text)``, ``fold(text)``, ``tokenise(text)``
    Text helpers (NFC; diacritics removed with đ → d; Vietnamese-aware tokens).
"""

from matchmaker.matching.assign import Assignment, assign
from matchmaker.matching.engine import TfidfMatcher
from matchmaker.matching.explain import occurs
from matchmaker.matching.lexicon import Lexicon
from matchmaker.matching.text import fold, normalise, tokenise
from matchmaker.matching.types import (
    Candidate,
    CandidateMeta,
    Document,
    Match,
    NotFittedError,
    QueryFilter,
)

__all__ = [
    "Assignment",
    "Candidate",
    "CandidateMeta",
    "Document",
    "Lexicon",
    "Match",
    "NotFittedError",
    "QueryFilter",
    "TfidfMatcher",
    "assign",
    "fold",
    "normalise",
    "occurs",
    "tokenise",
]
