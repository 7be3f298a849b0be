"""TF-IDF vectors of multi-field documents: chunked parallel counting, scikit-learn idf, sublinear tf, L2 norm."""

from __future__ import annotations

import itertools
import math
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from joblib import Parallel, delayed
from scipy import sparse

from matchmaker.matching.analysis import (
    CONCEPT,
    LOOSE,
    Analyzer,
    is_bigram,
    is_concept,
    is_loose,
)
from matchmaker.matching.postings import column_counts
from matchmaker.matching.text import loose
from matchmaker.matching.types import Document

FIELDS = ("title", "keywords", "body")
DTYPE = np.float32
# Documents counted per task (several tasks per process keep each result small).
CHUNK = 4000
# Rows normalised at once (bounds the temporary memory).
BLOCK_ROWS = 10_000


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


class _Rows:
    """CSR arrays grown chunk by chunk (``array`` buffers grow in place, without a second copy)."""

    def __init__(self) -> None:
        self.indptr = array("q", [0])
        self.indices = array("i")
        self.data = array("f")

    def extend(self, chunk: _Chunk, renumber: np.ndarray) -> None:
        """Append the rows of ``chunk``, whose columns ``renumber`` maps to this vocabulary."""
        offset = len(self.indices)
        self.indptr.frombytes((chunk.indptr[1:] + offset).tobytes())
        self.indices.frombytes(renumber[chunk.indices].astype(np.int32).tobytes())
        self.data.frombytes(chunk.data.tobytes())


@dataclass(frozen=True)
class _Chunk:
    """Weighted term frequencies of some documents over the chunk's own vocabulary."""

    vocabulary: list[str]
    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray


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
        self,
        documents: Sequence[Document],
        extra_texts: Iterable[str] = (),
        sizes: np.ndarray | None = None,
    ) -> sparse.csr_matrix:
        """Learn vocabulary and idf from ``documents`` plus ``extra_texts``; return the documents' vectors.

        ``sizes`` groups consecutive documents by owner (a candidate's profile and publications):
        the idf then counts owners, not documents, as scikit-learn's ``TfidfTransformer`` would on one
        binary row per owner and per extra text. A word is then rare when few researchers use it, however
        many papers one of them wrote with it. Without ``sizes`` each document counts alone.
        """
        self.vocabulary_: dict[str, int] = {}
        rows = _Rows()
        for chunk in self._chunks(documents):
            rows.extend(chunk, self._grow(chunk.vocabulary))
        # Extra texts count in the document frequencies only.
        extra = _count_chunk(self.analyzer, {}, [("", "", t) for t in extra_texts])
        found = self._grow(extra.vocabulary)[extra.indices]
        n_columns = len(self.vocabulary_)
        tf = _csr(rows.data, rows.indices, rows.indptr, n_columns)
        extra_df = column_counts(found, n_columns)
        df = column_counts(tf.indices, n_columns) + extra_df
        n_extra = len(extra.indptr) - 1
        if sizes is None:
            self.idf_ = _smooth_idf(df, tf.shape[0] + n_extra)
        else:
            owner_df = _owner_counts(tf, np.asarray(sizes, dtype=np.int64))
            self.idf_ = _smooth_idf(owner_df + extra_df, len(sizes) + n_extra)
        self.names_ = list(self.vocabulary_)
        self.display_ = _display_names(self.names_, df)
        weights = np.array([self._column_weight(name) for name in self.names_])
        self.column_weights_ = (self.idf_ * weights).astype(DTYPE)
        tf.sort_indices()
        return self._normalised(tf)

    def transform(self, documents: Sequence[Document]) -> sparse.csr_matrix:
        """Vectors of new, changed or query documents; words unknown at fit time are ignored."""
        texts = [(d.title, d.keywords, d.body) for d in documents]
        chunk = _count_chunk(self.analyzer, self.field_weights, texts)
        get = self.vocabulary_.get
        renumber = np.array([get(f, -1) for f in chunk.vocabulary], dtype=np.int64)
        columns = renumber[chunk.indices]
        known = columns >= 0
        kept = np.concatenate(([0], np.cumsum(known)))[chunk.indptr]
        tf = sparse.csr_matrix(
            (chunk.data[known], columns[known].astype(np.int32), kept),
            shape=(len(documents), len(self.names_)),
        )
        tf.sort_indices()
        return self._normalised(tf)

    def transform_query(self, query: Document) -> tuple[np.ndarray, np.ndarray]:
        """The query's vector as ascending columns and weights, computed without sparse matrices."""
        tf: dict[int, float] = {}
        vocabulary = self.vocabulary_
        for name in FIELDS:
            text = getattr(query, name)
            if not text:
                continue
            weight = self.field_weights.get(name, 1.0)
            for feature, count in Counter(self.analyzer(text)).items():
                column = vocabulary.get(feature)
                if column is not None:
                    tf[column] = tf.get(column, 0.0) + weight * (1 + math.log(count))
        cols = np.array(sorted(tf), dtype=np.int64)
        weights = np.array([tf[c] for c in cols.tolist()]) * self.column_weights_[cols]
        norm = np.sqrt(np.sum(weights**2))
        return cols, weights / norm if norm > 0 else weights

    def display(self, column: int) -> str:
        """The accented form shown to users for a feature column."""
        name = self.names_[column]
        return self.display_.get(name, name)

    def _chunks(self, documents: Sequence[Document]) -> Iterator[_Chunk]:
        """Count ``documents`` in chunks, in ``n_jobs`` processes when there are many."""
        tasks = (
            delayed(_count_chunk)(
                self.analyzer,
                self.field_weights,
                [(d.title, d.keywords, d.body) for d in documents[a : a + CHUNK]],
            )
            for a in range(0, len(documents), CHUNK)
        )
        if self.n_jobs > 1 and len(documents) > CHUNK:
            # Results arrive in order and are merged at once, so few chunks are ever held.
            yield from Parallel(n_jobs=self.n_jobs, return_as="generator")(tasks)
        else:
            for function, args, kwargs in tasks:
                yield function(*args, **kwargs)

    def _grow(self, features: list[str]) -> np.ndarray:
        """Columns of ``features`` in the vocabulary, adding the new ones."""
        vocabulary = self.vocabulary_
        return np.array(
            [vocabulary.setdefault(f, len(vocabulary)) for f in features],
            dtype=np.int32,
        )

    def _column_weight(self, feature: str) -> float:
        weights = self.feature_weights
        weight = 1.0
        if is_loose(feature):
            accented = not self.display_.get(feature, "").isascii()
            weight = weights.fold if accented else weights.stem
        if is_concept(feature):
            weight = weights.concept
        return weight * (weights.bigram if is_bigram(feature) else 1.0)

    def _normalised(self, tf: sparse.csr_matrix) -> sparse.csr_matrix:
        """``tf × idf × column weight``, each row scaled to unit L2 norm, in place (by blocks of rows)."""
        indptr = tf.indptr
        for first in range(0, tf.shape[0], BLOCK_ROWS):
            last = min(first + BLOCK_ROWS, tf.shape[0])
            a, b = indptr[first], indptr[last]
            data = tf.data[a:b]
            data *= self.column_weights_[tf.indices[a:b]]
            lengths = np.diff(indptr[first : last + 1])
            row_of = np.repeat(np.arange(last - first), lengths)
            squares = data.astype(np.float64) ** 2
            norms = np.sqrt(np.bincount(row_of, squares, minlength=last - first))
            data /= norms[row_of].astype(DTYPE)
        return tf


def _csr(
    data: array, indices: array, indptr: array, n_columns: int
) -> sparse.csr_matrix:
    """A CSR matrix viewing ``array`` buffers of float32 data, int32 indices and int64 indptr."""
    return sparse.csr_matrix(
        (
            np.frombuffer(data, DTYPE),
            np.frombuffer(indices, np.int32),
            np.frombuffer(indptr, np.int64),
        ),
        shape=(len(indptr) - 1, n_columns),
    )


def _count_chunk(
    analyzer: Analyzer,
    field_weights: Mapping[str, float],
    texts: list[tuple[str, str, str]],
) -> _Chunk:
    """Weighted sublinear tf of documents (title, keywords, body) over their own vocabulary.

    A field's counts become ``field weight × (1 + log count)`` and the fields are summed, as with
    ``sublinear_tf=True``. Texts repeated within the chunk (keywords, co-authored papers) are
    analysed once.
    """
    vocabulary: defaultdict[str, int] = defaultdict(itertools.count().__next__)
    column = vocabulary.__getitem__
    seen: dict[str, tuple[list[int], list[int]]] = {}
    counted_fields = []
    for at in range(len(FIELDS)):
        indptr, indices, counts = array("q", [0]), array("i"), array("f")
        for doc in texts:
            text = doc[at]
            if text not in seen:
                counted = Counter(analyzer(text) if text else ())
                seen[text] = list(map(column, counted)), list(counted.values())
            indices.extend(seen[text][0])
            counts.extend(seen[text][1])
            indptr.append(len(indices))
        counted_fields.append((counts, indices, indptr))
    total = None
    for name, (counts, indices, indptr) in zip(FIELDS, counted_fields, strict=True):
        matrix = _csr(counts, indices, indptr, len(vocabulary))
        matrix.data = field_weights.get(name, 1.0) * (1 + np.log(matrix.data))
        total = matrix if total is None else total + matrix
    total = sparse.csr_matrix(total)
    return _Chunk(
        list(vocabulary),
        total.indptr.astype(np.int64),
        total.indices.astype(np.int32),
        total.data.astype(DTYPE),
    )


def _owner_counts(tf: sparse.csr_matrix, sizes: np.ndarray) -> np.ndarray:
    """How many owners (runs of ``sizes`` consecutive rows) have each column in some row."""
    if sizes.sum() != tf.shape[0]:
        raise ValueError(f"sizes add up to {sizes.sum()}, not {tf.shape[0]} documents")
    presence = sparse.csr_matrix(
        (np.ones(tf.nnz, dtype=np.int32), tf.indices, tf.indptr), shape=tf.shape
    )
    owner = np.repeat(np.arange(len(sizes)), sizes)
    grouping = sparse.csr_matrix(
        (np.ones(len(owner), dtype=np.int32), (owner, np.arange(len(owner)))),
        shape=(len(sizes), tf.shape[0]),
    )
    return column_counts((grouping @ presence).indices, tf.shape[1])


def _smooth_idf(df: np.ndarray, n_texts: int) -> np.ndarray:
    """scikit-learn's ``TfidfTransformer`` idf (``smooth_idf=True``) for float32 counts, computed alike."""
    smoothed = df.astype(DTYPE) + 1.0
    idf = np.full_like(smoothed, fill_value=n_texts + 1, dtype=DTYPE)
    idf /= smoothed
    np.log(idf, out=idf)
    idf += 1.0
    return idf


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
