"""TF-IDF vectors of multi-field documents: streamed counting, scikit-learn idf, sublinear tf, L2 norm."""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from joblib import Parallel, delayed
from scipy import sparse
from sklearn.feature_extraction.text import TfidfTransformer

from matchmaker.matching.analysis import (
    CONCEPT,
    LOOSE,
    Analyzer,
    is_bigram,
    is_concept,
    is_loose,
)
from matchmaker.matching.text import loose
from matchmaker.matching.types import Document

FIELDS = ("title", "keywords", "body")
DTYPE = np.float32


@dataclass(frozen=True)
class FeatureWeights:
    """Column weights by kind of feature, relative to an exact one-word feature (weight 1).

    Parameters
    ----------
    fold : float
        Accent-folded form of a Vietnamese (accented) word: an exact accented match scores
        ``1 + fold²`` where a text typed without diacritics scores ``fold²``.
    stem : float
        Stemmed form of an unaccented (English) word, so "networks" meets "network".
    bigram : float
        Two-word features.
    concept : float
        Synonym-group features.
    """

    fold: float = 1.0
    stem: float = 6.0
    bigram: float = 1.0
    concept: float = 3.0


class _Counts:
    """Sparse count rows built one text at a time (no list of all features is ever kept)."""

    def __init__(self) -> None:
        self.indptr = array("q", [0])
        self.indices = array("i")
        self.values = array("f")

    def add(self, features: list[str], vocabulary: dict[str, int], grow: bool) -> None:
        counted = Counter(features)
        if grow:
            # setdefault evaluates len() before inserting, so a new feature gets the next column.
            self.indices.extend(
                [vocabulary.setdefault(f, len(vocabulary)) for f in counted]
            )
            self.values.extend(counted.values())
        else:
            known = [(vocabulary[f], n) for f, n in counted.items() if f in vocabulary]
            self.indices.extend([column for column, _ in known])
            self.values.extend([n for _, n in known])
        self.indptr.append(len(self.indices))

    def extend(self, other: _Counts, renumber: np.ndarray) -> None:
        """Append the rows of ``other``, whose columns ``renumber`` maps to this vocabulary."""
        offset = len(self.indices)
        self.indptr.frombytes(
            (np.frombuffer(other.indptr, np.int64)[1:] + offset).tobytes()
        )
        if len(other.indices):
            self.indices.frombytes(
                renumber[np.frombuffer(other.indices, np.int32)].tobytes()
            )
        self.values.extend(other.values)

    def matrix(self, n_columns: int) -> sparse.csr_matrix:
        arrays = (
            np.frombuffer(self.values, DTYPE),
            np.frombuffer(self.indices, np.int32),
        )
        shape = (len(self.indptr) - 1, n_columns)
        return sparse.csr_matrix(
            (*arrays, np.frombuffer(self.indptr, np.int64)), shape=shape
        )


class FieldVectorizer:
    """Weighted sum of per-field sublinear term frequencies, times idf, L2-normalised.

    Parameters
    ----------
    analyzer : Analyzer
        Text to features.
    field_weights : mapping of str to float
        Weight of each field of :class:`Document` (missing fields weigh 1).
    feature_weights : FeatureWeights
        Column weights by kind of feature.
    n_jobs : int
        Processes that analyse the documents at fit time.
    """

    def __init__(
        self,
        analyzer: Analyzer,
        field_weights: Mapping[str, float],
        feature_weights: FeatureWeights,
        n_jobs: int = 1,
    ) -> None:
        self.analyzer = analyzer
        self.field_weights = field_weights
        self.feature_weights = feature_weights
        self.n_jobs = n_jobs

    def fit_transform(
        self, documents: Sequence[Document], extra_texts: Iterable[str] = ()
    ) -> sparse.csr_matrix:
        """Learn vocabulary and idf from ``documents`` plus ``extra_texts``; return the documents' vectors."""
        self.vocabulary_: dict[str, int] = {}
        if self.n_jobs > 1 and len(documents) > 1000:
            fields = self._count_parallel(documents)
        else:
            fields = self._count(documents, grow=True)
        extra = _Counts()
        for text in extra_texts:
            extra.add(self.analyzer(text), self.vocabulary_, grow=True)
        n_columns = len(self.vocabulary_)
        tf = self._tf({name: c.matrix(n_columns) for name, c in fields.items()})
        del fields
        known = (
            tf
            if len(extra.indptr) == 1
            else sparse.vstack([tf, extra.matrix(n_columns)])
        )
        # scikit-learn's smooth idf over every text, documents and extra texts alike.
        self.idf_ = TfidfTransformer().fit(known).idf_
        df = np.bincount(sparse.csr_matrix(known).indices, minlength=n_columns)
        self.names_ = list(self.vocabulary_)
        self.display_ = _display_names(self.names_, df)
        weights = np.array([self._column_weight(name) for name in self.names_])
        self.column_weights_ = (self.idf_ * weights).astype(DTYPE)
        return self._normalised(tf)

    def transform(self, documents: Sequence[Document]) -> sparse.csr_matrix:
        """Vectors of new, changed or query documents; words unknown at fit time are ignored."""
        n_columns = len(self.names_)
        counts = self._count(documents, grow=False)
        return self._weigh({name: c.matrix(n_columns) for name, c in counts.items()})

    def transform_query(self, query: Document) -> tuple[np.ndarray, np.ndarray]:
        """The query's vector as ascending columns and weights, computed without sparse matrices."""
        tf: dict[int, float] = {}
        for name in FIELDS:
            text = getattr(query, name)
            for feature, count in Counter(self.analyzer(text) if text else []).items():
                column = self.vocabulary_.get(feature)
                if column is not None:
                    weight = self.field_weights.get(name, 1.0) * (1 + np.log(count))
                    tf[column] = tf.get(column, 0.0) + weight
        cols = np.array(sorted(tf), dtype=np.int64)
        weights = np.array([tf[c] for c in cols]) * self.column_weights_[cols]
        norm = np.sqrt(np.sum(weights**2))
        return cols, weights / norm if norm > 0 else weights

    def display(self, column: int) -> str:
        """The accented form shown to users for a feature column."""
        name = self.names_[column]
        return self.display_.get(name, name)

    def _count_parallel(self, documents: Sequence[Document]) -> dict[str, _Counts]:
        """Count in ``n_jobs`` processes, then renumber each chunk's columns into one vocabulary."""
        bounds = np.linspace(0, len(documents), self.n_jobs + 1).astype(int)
        chunks = [
            [(d.title, d.keywords, d.body) for d in documents[a:b]]
            for a, b in pairwise(bounds)
        ]
        results = Parallel(n_jobs=self.n_jobs)(
            delayed(_count_chunk)(self.analyzer, chunk) for chunk in chunks
        )
        merged = {name: _Counts() for name in FIELDS}
        for vocabulary, counts in results:
            renumber = np.array(
                [
                    self.vocabulary_.setdefault(f, len(self.vocabulary_))
                    for f in vocabulary
                ],
                dtype=np.int32,
            )
            for name in FIELDS:
                merged[name].extend(counts[name], renumber)
        return merged

    def _count(self, documents: Sequence[Document], grow: bool) -> dict[str, _Counts]:
        counts = {name: _Counts() for name in FIELDS}
        for doc in documents:
            for name in FIELDS:
                text = getattr(doc, name)
                features = self.analyzer(text) if text else []
                counts[name].add(features, self.vocabulary_, grow)
        return counts

    def _column_weight(self, feature: str) -> float:
        weights = self.feature_weights
        weight = 1.0
        if is_loose(feature):
            accented = not self.display_.get(feature, "").isascii()
            weight = weights.fold if accented else weights.stem
        if is_concept(feature):
            weight = weights.concept
        return weight * (weights.bigram if is_bigram(feature) else 1.0)

    def _weigh(self, fields: Mapping[str, sparse.csr_matrix]) -> sparse.csr_matrix:
        return self._normalised(self._tf(fields))

    def _tf(self, fields: Mapping[str, sparse.csr_matrix]) -> sparse.csr_matrix:
        """Sum over fields of the field weight times sublinear tf (as ``sublinear_tf=True``)."""
        total = None
        for name, matrix in fields.items():
            if matrix.nnz:
                matrix.data = self.field_weights.get(name, 1.0) * (
                    1 + np.log(matrix.data)
                )
                total = matrix if total is None else total + matrix
        return (
            next(iter(fields.values())) if total is None else sparse.csr_matrix(total)
        )

    def _normalised(self, tf: sparse.csr_matrix) -> sparse.csr_matrix:
        """``tf × idf × column weight``, each row scaled to unit L2 norm, in place."""
        tf.data *= self.column_weights_[tf.indices]
        lengths = np.diff(tf.indptr)
        row_of = np.repeat(np.arange(tf.shape[0]), lengths)
        squares = tf.data.astype(np.float64) ** 2
        norms = np.sqrt(np.bincount(row_of, weights=squares, minlength=tf.shape[0]))
        tf.data /= norms[row_of].astype(DTYPE)
        return tf


def _count_chunk(
    analyzer: Analyzer, texts: list[tuple[str, str, str]]
) -> tuple[list[str], dict[str, _Counts]]:
    """Count one chunk of documents (title, keywords, body) with its own vocabulary."""
    vocabulary: dict[str, int] = {}
    counts = {name: _Counts() for name in FIELDS}
    for fields in texts:
        for name, text in zip(FIELDS, fields, strict=True):
            counts[name].add(analyzer(text) if text else [], vocabulary, grow=True)
    return list(vocabulary), counts


def _display_names(features: Sequence[str], df: np.ndarray) -> dict[str, str]:
    """Map each loose feature to its most frequent accented form and each concept to its group name."""
    best: dict[str, tuple[float, str]] = {}
    names: dict[str, str] = {}
    for feature, freq in zip(features, df, strict=True):
        if is_concept(feature):
            names[feature] = feature[len(CONCEPT) :]
        elif not is_loose(feature):
            key = LOOSE + " ".join(loose(word) for word in feature.split(" "))
            if freq > best.get(key, (0, ""))[0]:
                best[key] = (freq, feature)
    names.update({key: word for key, (_, word) in best.items()})
    return names
