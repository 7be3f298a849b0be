"""A Whoosh segment writer for batch rebuilds: postings gathered in flat arrays, sorted with numpy."""

# Whoosh's SegmentWriter puts every posting in a pool as a (field, term, docnum, weight, value)
# tuple, sorts the pool and writes it back one posting at a time; with a few hundred postings per
# record that costs more than everything else in a rebuild. This writer numbers the terms of each
# field, appends (term number, frequency) pairs to flat arrays, and at commit sorts them once
# with numpy and hands each posting list to the codec whole. It writes the same segment files as
# Whoosh's writer: stored fields, columns and per-document data still go through Whoosh's
# per-document writer.

from __future__ import annotations

import functools
from array import array
from collections.abc import Callable, Hashable, Iterable
from typing import Any

import numpy as np
import whoosh.index
from whoosh import formats
from whoosh.analysis import IDTokenizer
from whoosh.codec.base import Segment
from whoosh.fields import ID, FieldType, UnknownFieldError
from whoosh.writing import SegmentWriter

from .codec import Codec
from .schema import SyllableField

# Whoosh's Frequency format stores pack_uint(freq) with each posting.
FREQ_VALUES = np.dtype(">u4")
# Column values of repeated values (facets) kept between documents.
CACHE_VALUES = 4096


class _Vocabulary(dict[Hashable, int]):
    """Term → term number, numbering unseen terms as they come."""

    def __missing__(self, term: Hashable) -> int:
        number = self[term] = len(self)
        return number


class _FieldPostings:
    """The postings of one field: term numbers and frequencies, and which document they belong to."""

    def __init__(self) -> None:
        self.vocabulary = _Vocabulary()
        self.terms = array("I")
        self.freqs = array("I")
        self.docnums = array("I")
        self.counts = array("I")  # how many postings each of the docnums has

    def add(self, docnum: int, counts: dict[Any, int]) -> None:
        """Add one document's distinct terms and their frequencies."""
        if counts:
            self.terms.extend(map(self.vocabulary.__getitem__, counts))
            self.freqs.extend(counts.values())
            self.docnums.append(docnum)
            self.counts.append(len(counts))

    def posting_lists(self) -> Iterable[tuple[bytes, np.ndarray, np.ndarray]]:
        """Yield ``(term, docnums, frequencies)`` per term, terms in byte order."""
        terms = np.frombuffer(self.terms, dtype=np.uint32)
        # A stable sort keeps each term's docnums ascending, as they were added.
        order = np.argsort(terms, kind="stable")
        docnums = np.repeat(
            np.frombuffer(self.docnums, dtype=np.uint32),
            np.frombuffer(self.counts, dtype=np.uint32),
        )[order]
        freqs = np.frombuffer(self.freqs, dtype=np.uint32)[order]
        del order
        ends = np.cumsum(np.bincount(terms, minlength=len(self.vocabulary))).tolist()
        # UTF-8 keeps code point order, so sorting the str terms sorts their bytes too.
        for term in sorted(self.vocabulary):
            number = self.vocabulary[term]
            start = ends[number - 1] if number else 0
            encoded = term.encode("utf-8") if isinstance(term, str) else term
            yield encoded, docnums[start : ends[number]], freqs[start : ends[number]]


def _check_supported(name: str, field: FieldType) -> None:
    if field.vector or field.separate_spelling() or field.scorable:
        raise ValueError(
            f"field {name!r}: the bulk writer has no vectors, spelling or lengths"
        )
    if field.indexed and type(field.format) not in (
        formats.Existence,
        formats.Frequency,
    ):
        raise ValueError(f"field {name!r}: the bulk writer cannot write its format")
    if field.indexed and field.format.field_boost != 1.0:
        raise ValueError(f"field {name!r}: the bulk writer has no field boosts")


class _Slot:
    """How one field of the schema is written: postings, stored value, column."""

    def __init__(self, name: str, field: FieldType) -> None:
        _check_supported(name, field)
        self.field = field
        self.stored = bool(field.stored)
        self.column = field.column_type or None
        self.postings = _FieldPostings() if field.indexed else None
        self.counts: Callable[[Any], dict[Any, int]]
        self.column_value: Callable[[Any], Any] = field.to_column_value
        if isinstance(field, SyllableField):
            self.counts = field.term_counts
        elif type(field) is ID and type(field.analyzer) is IDTokenizer:
            self.counts = functools.partial(_whole_value, field)
            if not field.unique:  # facets: a few values, repeated
                self.column_value = functools.lru_cache(CACHE_VALUES)(
                    field.to_column_value
                )
        else:
            self.counts = functools.partial(_counts, field)


class BulkWriter(SegmentWriter):
    """Adds documents to one new segment of ``ix``, like ``ix.writer()``, but much faster.

    Only ``add_document`` with the schema's fields is supported (no boosts, ``_stored_`` values
    or merges: a commit leaves other segments as they are). Everything is held in memory until
    the commit, so write at most some 100,000 records per writer.
    """

    def __init__(
        self, ix: whoosh.index.Index, codec: Codec | None = None, lock: bool = True
    ) -> None:
        super().__init__(ix, codec=codec or Codec(), limitmb=1, _lk=lock)
        self._slots = {name: _Slot(name, field) for name, field in self.schema.items()}

    def add_document(self, **fields: Any) -> None:
        """Add one document; values as for Whoosh's ``add_document``."""
        self._check_state()
        slots, writer, docnum = self._slots, self.perdocwriter, self.docnum
        if not fields.keys() <= slots.keys():
            unknown = sorted(fields.keys() - slots.keys())
            raise UnknownFieldError(f"No field named {unknown[0]!r} in {self.schema}")
        writer.start_doc(docnum)
        try:
            for name in sorted(fields):  # Whoosh's order, for the same stored fields
                value = fields[name]
                if value is None:
                    continue
                slot = slots[name]
                if slot.postings is not None:
                    slot.postings.add(docnum, slot.counts(value))
                writer.add_field(name, slot.field, value if slot.stored else None, 0)
                if slot.column is not None:
                    writer.add_column_value(name, slot.column, slot.column_value(value))
        except Exception:
            writer.cancel_doc()
            raise
        writer.finish_doc()
        self._added = True
        self.docnum += 1

    def add_reader(self, reader: Any) -> None:
        """Not supported: merged postings would go to Whoosh's pool, which this writer skips."""
        raise NotImplementedError("the bulk writer does not merge segments")

    def _merge_segments(
        self, mergetype: Any, optimize: Any, merge: Any
    ) -> list[Segment]:
        return list(self.segments)

    def finish_segment(self) -> Segment:
        """Write the segment's files and return it, for :func:`commit_segments` (lock=False)."""
        self._check_state()
        segment = self._finalize_segment()
        # Not _finish(): it would empty the temporary folder that other writers share.
        self.is_closed = True
        return segment

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        writer = self.fieldwriter
        for name, slot in sorted(self._slots.items()):
            if slot.postings is None or not slot.postings.vocabulary:
                continue  # Whoosh's writer gives a field without terms no entry either
            postings, slot.postings = slot.postings, None
            writer.start_field(name, slot.field)
            values = _values_encoder(slot.field.format)
            for term, docnums, freqs in postings.posting_lists():
                writer.start_term(term)
                # W3FieldWriter keeps its postings writer private; it is our codec's.
                writer._postwriter.add_arrays(docnums, freqs, values(freqs))
                writer.finish_term()
            writer.finish_field()
        writer.close()


def _counts(field: FieldType, value: Any) -> dict[bytes, int]:
    """Frequency of each term Whoosh's ``field.index`` gives for ``value``."""
    counts: dict[bytes, int] = {}
    for term, freq, weight, _ in field.index(value):
        if weight != freq:
            raise ValueError("the bulk writer needs weights equal to frequencies")
        counts[term] = counts.get(term, 0) + freq
    return counts


def _whole_value(field: FieldType, value: Any) -> dict[bytes, int]:
    """What :func:`_counts` gives for an ID field, whose one term is the value itself."""
    if isinstance(value, str):
        return {value.encode("utf-8"): 1}
    return _counts(field, value)


def _values_encoder(format_: formats.Format) -> Callable[[np.ndarray], bytes | None]:
    if isinstance(format_, formats.Frequency):
        return lambda freqs: freqs.astype(FREQ_VALUES).tobytes()
    return lambda freqs: None


def commit_segments(owner: SegmentWriter, segments: list[Segment]) -> None:
    """Add segments written by lock-free bulk writers to the index of ``owner``, and commit.

    ``owner`` holds the index's write lock and adds no documents of its own.
    """
    owner._close_segment()
    owner._commit_toc([*owner.segments, *segments])
    owner._finish()
