"""The one explicit Whoosh schema for projects, orders, needs and researchers, and doc conversion."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

from whoosh import columns, formats
from whoosh.fields import ID, NUMERIC, STORED, FieldType, Schema
from whoosh.system import pack_uint

from .analysis import VietnameseTokenizer, analyse, index_terms, pair_terms
from .documents import IndexDoc

# Text fields hold each syllable as written and accent-folded, so that queries with or without
# diacritics both match while exact accented matches score higher; "pairs" holds folded bigrams of
# title and body for phrase search.
YEAR_MISSING = 0


@functools.lru_cache(maxsize=200_000)
def _encode(term: str) -> bytes:
    return term.encode("utf-8")


@functools.lru_cache(maxsize=1024)
def _packed(freq: int) -> bytes:
    return pack_uint(freq)


class SyllableField(FieldType):
    """A text field of syllable terms with frequencies only, for fast indexing.

    No positions (phrases use the "pairs" bigrams) and no per-document lengths (scoring is BM25
    without length normalisation, see engine.py).
    """

    def __init__(self, mode: str) -> None:
        super().__init__(formats.Frequency(), VietnameseTokenizer(mode), scorable=False)
        self.mode = mode

    def term_counts(self, value: str | list[str]) -> Counter[str]:
        """Frequency of each term of ``value``: a text, or its terms as :func:`to_fields` gives them."""
        if isinstance(value, str):
            value = index_terms(value) if self.mode == "terms" else pair_terms(value)
        return Counter(value)

    def index(
        self, value: str | list[str], **kwargs: Any
    ) -> Iterator[tuple[bytes, int, float, bytes]]:
        """Yield ``(term, frequency, weight, encoded frequency)`` per distinct term, as Whoosh expects."""
        for term, freq in self.term_counts(value).items():
            yield _encode(term), freq, float(freq), _packed(freq)


class ColumnNumber(NUMERIC):
    """A number kept in a column (and stored) but not indexed: filters and sorting read columns.

    Whoosh would index a dozen range-query terms per value, which nothing here searches.
    """

    indexed = False


def build_schema() -> Schema:
    """Return the search index schema."""
    facet = dict(stored=True, sortable=columns.RefBytesColumn())
    return Schema(
        key=ID(unique=True, stored=True),
        doc_id=STORED(),
        kind=ID(**facet),
        field=ID(**facet),
        priority_area=ID(**facet),
        institution=ID(**facet),
        status=ID(**facet),
        year=ColumnNumber(
            int, bits=32, stored=True, sortable=True, default=YEAR_MISSING
        ),
        date=STORED(),
        # Seconds since the epoch, 0 when unknown, so that undated records sort last by date.
        date_sort=ColumnNumber(int, bits=64, sortable=True, default=0),
        url=STORED(),
        keywords=STORED(),
        # The stored title and body are shown and highlighted; the indexed text also holds keywords etc.
        title_text=STORED(),
        body_text=STORED(),
        title=SyllableField("terms"),
        body=SyllableField("terms"),
        pairs=SyllableField("pairs"),
    )


def _utc(value: datetime | date | None) -> datetime | None:
    """Naive UTC datetime, as Whoosh stores it; a plain date counts as midnight UTC."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def to_fields(doc: IndexDoc) -> dict[str, Any]:
    """Return the Whoosh field values for ``doc``; text fields are given as analysed terms."""
    # Each text is tokenised once; the indexed title also holds the keywords, the body the facets.
    title_terms, title_pairs = analyse([doc.title, *doc.keywords])
    body_terms, body_pairs = analyse(
        [doc.body, doc.institution, doc.field, doc.priority_area]
    )
    fields: dict[str, Any] = {
        "key": doc.key,
        "doc_id": str(doc.id),
        "kind": doc.kind,
        "field": doc.field,
        "priority_area": doc.priority_area,
        "institution": doc.institution,
        "status": doc.status,
        "year": doc.year if doc.year is not None else YEAR_MISSING,
        "url": doc.url,
        "keywords": tuple(doc.keywords),
        "title_text": doc.title,
        "body_text": doc.body,
        "title": title_terms,
        "body": body_terms,
        "pairs": title_pairs + body_pairs,
    }
    date = _utc(doc.date)
    # Always set, so undated records get 0 rather than the column's own (most negative) default.
    fields["date_sort"] = int(date.replace(tzinfo=UTC).timestamp()) if date else 0
    if date is not None:
        fields["date"] = date
    # Whoosh would index "" as a term of its own; a missing facet value is simply left out.
    return {name: value for name, value in fields.items() if value != ""}


def from_stored(stored: dict[str, Any]) -> dict[str, Any]:
    """Return the :class:`IndexDoc`-like values of a stored Whoosh document."""
    year = stored.get("year")
    date = stored.get("date")
    return {
        "kind": stored.get("kind", ""),
        "id": stored.get("doc_id", ""),
        "title": stored.get("title_text", ""),
        "body": stored.get("body_text", ""),
        "url": stored.get("url", ""),
        "institution": stored.get("institution", ""),
        "field": stored.get("field", ""),
        "priority_area": stored.get("priority_area", ""),
        "status": stored.get("status", ""),
        "year": None if year in (None, YEAR_MISSING) else int(year),
        "date": date.replace(tzinfo=UTC) if isinstance(date, datetime) else None,
    }
