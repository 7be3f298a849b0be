"""Value types of the search index: documents in, hits, facets and results out, and its errors."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date as date_type
from datetime import datetime
from typing import Literal

KINDS = ("project", "order", "need", "researcher")
Kind = Literal["project", "order", "need", "researcher"]
FACETS = ("kind", "field", "priority_area", "institution", "year", "status")


class SearchIndexError(Exception):
    """Base class of the errors raised by the search index."""


class IndexUnavailable(SearchIndexError):
    """The index is missing or corrupt: show "search is temporarily unavailable" and rebuild it."""


class IndexBusy(SearchIndexError):
    """Another process held the write lock for longer than the timeout."""


class WorkerFailed(SearchIndexError):
    """A process indexing part of a rebuild failed; the message holds its traceback."""


class SafeHtml(str):
    """A string that is already HTML-escaped; Jinja and MarkupSafe honour ``__html__`` and skip escaping."""

    __slots__ = ()

    def __html__(self) -> str:
        return str(self)


@dataclass(frozen=True)
class IndexDoc:
    """One public record to index.

    The caller decides what is public: pass only text that any visitor may read. Never put private
    text (drafts, contact details, internal notes, unpublished orders or needs) in any field, because
    the index stores titles and bodies and shows them in snippets.
    """

    kind: Kind
    id: str
    title: str
    body: str = ""
    keywords: tuple[str, ...] = ()
    institution: str = ""
    field: str = ""
    priority_area: str = ""
    status: str = ""
    year: int | None = None
    date: datetime | date_type | None = None  # naive values are taken as UTC
    url: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {self.kind!r}")
        if not str(self.id):
            raise ValueError("id must not be empty")

    @property
    def key(self) -> str:
        """Unique key of the document across kinds."""
        return make_key(self.kind, self.id)


def make_key(kind: str, doc_id: str | int) -> str:
    """Return the unique key of the document ``(kind, doc_id)``."""
    return f"{kind}:{doc_id}"


@dataclass(frozen=True)
class Hit:
    """One search result; ``title_html`` and ``snippet`` are escaped HTML with matches in ``<mark>``.

    ``missing`` names the query words (or phrases) the record does not hold, in query order.
    """

    kind: str
    id: str
    title: str
    title_html: SafeHtml
    snippet: SafeHtml
    score: float
    url: str = ""
    institution: str = ""
    field: str = ""
    priority_area: str = ""
    status: str = ""
    year: int | None = None
    date: datetime | None = None
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class FacetCount:
    """How many results of the whole result set have ``value`` for a facet."""

    value: str
    count: int


@dataclass(frozen=True)
class Suggestion:
    """A type-ahead suggestion: a record whose title matches what the user has typed so far."""

    kind: str
    id: str
    title: str
    url: str = ""


@dataclass(frozen=True)
class SearchResult:
    """One page of results with facet counts over the whole (filtered) result set.

    Records holding every query word come first, then those holding fewer. ``complete`` is how many
    results hold every word and ``absent`` names the query words no result holds. ``browsing`` is true
    when the query had no searchable word: the results are then every record (of the chosen facets),
    newest first, as a catalogue lists them; ``empty_query`` is true when words were typed but none is
    searchable (stop words only). ``suggestion`` is a "did you mean" query text or ``None``;
    ``truncated`` tells that an overlong query was cut.
    """

    query: str
    hits: list[Hit]
    total: int
    page: int
    per_page: int
    facets: dict[str, list[FacetCount]] = field(default_factory=dict)
    suggestion: str | None = None
    empty_query: bool = False
    browsing: bool = False
    truncated: bool = False
    complete: int = 0
    absent: tuple[str, ...] = ()

    @property
    def partial(self) -> bool:
        """Tell whether there are results but none holds every query word."""
        return self.total > 0 and self.complete == 0

    @property
    def pages(self) -> int:
        """Number of pages of ``per_page`` hits."""
        return max(1, math.ceil(self.total / self.per_page)) if self.per_page else 1

    @property
    def has_next(self) -> bool:
        """Tell whether a next page exists."""
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        """Tell whether a previous page exists."""
        return self.page > 1


@dataclass(frozen=True)
class Health:
    """Result of :meth:`SearchIndex.check`: whether the index works and, if not, why."""

    ok: bool
    reason: str = ""
    doc_count: int = 0
    version: str = ""
