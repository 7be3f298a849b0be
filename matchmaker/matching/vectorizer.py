"""TF-IDF vectors of multi-field documents: streamed counting, scikit-learn idf, sublinear tf, L2 norm."""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
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
    stem: float = 3.0
    bigram: float = 1.0
    concept: float = 1.0


class _Counts:
    """Sparse count rows built one text at a time (no list of all features is ever kept)."""

    def __init__(self) -> None:
        self.indptr = array("q", [0])
        self.indices = array("i")
        self.values = array("f")

    def add(self, features: list[str], vocabulary: dict[str, int], grow: bool) -> None:
        for feature, count in Counter(features).items():
            column = vocabulary.get(feature)
            if column is None:
                if not grow:
                    continue
                column = vocabulary[feature] = len(vocabulary)
            self.indices.append(column)
            self.values.append(count)
        self.indptr.append(len(self.indices))

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
    """

    def __init__(
        self,
        analyzer: Analyzer,
        field_weights: Mapping[str, float],
        feature_weights: FeatureWeights,
    ) -> None:
        self.analyzer = analyzer
        self.field_weights = field_weights
        self.feature_weights = feature_weights

    def fit_transform(
        self, documents: Sequence[Document], extra_texts: Iterable[str] = ()
    ) -> sparse.csr_matrix:
        """Learn vocabulary and idf from ``documents`` plus ``extra_texts``; return the documents' vectors."""
        self.vocabulary_: dict[str, int] = {}
        counts = self._count(documents, grow=True)
        extra = _Counts()
        for text in extra_texts:
            extra.add(self.analyzer(text), self.vocabulary_, grow=True)
        n_columns = len(self.vocabulary_)
        fields = {name: c.matrix(n_columns) for name, c in counts.items()}
        presence = sparse.vstack(
            [sum(fields.values()), extra.matrix(n_columns)], format="csr"
        )
        self.idf_ = TfidfTransformer().fit(presence).idf_
        self.names_ = list(self.vocabulary_)
        self.display_ = _display_names(
            self.names_, np.bincount(presence.indices, minlength=n_columns)
        )
        weights = np.array([self._column_weight(name) for name in self.names_])
        self.column_weights_ = (self.idf_ * weights).astype(DTYPE)
        return self._weigh(fields)

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
        parts = []
        for name, matrix in fields.items():
            if matrix.nnz:
                # Sublinear tf as in TfidfTransformer(sublinear_tf=True), then the field's weight.
                matrix.data = self.field_weights.get(name, 1.0) * (
                    1 + np.log(matrix.data)
                )
                parts.append(matrix)
        total = sum(parts[1:], parts[0]) if parts else next(iter(fields.values()))
        total = sparse.csr_matrix(total, dtype=DTYPE)
        total.data *= self.column_weights_[total.indices]
        lengths = np.diff(total.indptr)
        row_of = np.repeat(np.arange(total.shape[0]), lengths)
        squares = total.data.astype(np.float64) ** 2
        norms = np.sqrt(np.bincount(row_of, weights=squares, minlength=total.shape[0]))
        total.data /= norms[row_of].astype(DTYPE)
        return total


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
