"""Search results: one line per public record found, in the shape the API gives them."""

from __future__ import annotations

from markupsafe import Markup
from pydantic import Field

from matchmaker.search_index import Hit
from matchmaker.services.serialise.common import Record


class SearchHit(Record):
    """One public record found by the search (the index holds public text only)."""

    kind: str = Field(description="project, order, need or researcher.")
    id: int
    title: str
    snippet: str = Field(description="Plain text around the words found.")
    institution: str
    field: str
    priority_area: str
    status: str
    year: int | None
    href: str = Field(description="The record in this API.")


def hit(found: Hit, href: str) -> SearchHit:
    """``found`` as plain text; ``href`` is where the API gives the whole record."""
    return SearchHit(
        kind=found.kind, id=int(found.id), title=found.title,
        snippet=Markup(str(found.snippet)).striptags(), institution=found.institution or "",
        field=found.field or "", priority_area=found.priority_area or "", status=found.status or "",
        year=found.year, href=href,
    )  # fmt: skip
