"""Whoosh search index of public projects, research orders, enterprise needs and researchers."""

# A pure library: it imports nothing from Flask, SQLAlchemy or the app. The caller decides what
# is public and passes only that; never pass private text (see IndexDoc).

from .documents import (
    FACETS,
    KINDS,
    FacetCount,
    Health,
    Hit,
    IndexBusy,
    IndexDoc,
    IndexUnavailable,
    SafeHtml,
    SearchIndexError,
    SearchResult,
    Suggestion,
    WorkerFailed,
)
from .index import SearchIndex

__all__ = [
    "FACETS",
    "KINDS",
    "FacetCount",
    "Health",
    "Hit",
    "IndexBusy",
    "IndexDoc",
    "IndexUnavailable",
    "SafeHtml",
    "SearchIndex",
    "SearchIndexError",
    "SearchResult",
    "Suggestion",
    "WorkerFailed",
]
