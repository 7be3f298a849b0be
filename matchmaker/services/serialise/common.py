"""Pieces every serialised record shares: references to other records, pages and their links."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, create_model
from pydantic.fields import FieldInfo

from matchmaker.models import Institution as InstitutionRow


def _aware(value: datetime) -> datetime:
    # SQLite hands back the stored UTC times without their zone; an RFC 3339 date-time needs one.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# A moment in time, always with its zone (UTC as stored).
Timestamp = Annotated[datetime, AfterValidator(_aware)]


class Record(BaseModel):
    """Base of every serialised record: no field beyond those declared, ever."""

    model_config = ConfigDict(extra="forbid")


INTERNAL = {"x-audience": "internal"}


def internal_field(description: str) -> Any:
    """A field only the internal audience gets (``null`` for the public); marked so in the OpenAPI document
    and left out of the public downloads' tables."""
    return Field(description=f"Internal: {description}", json_schema_extra=INTERNAL)


def is_internal(info: FieldInfo) -> bool:
    """Whether a model field is one of :func:`internal_field`'s."""
    return info.json_schema_extra == INTERNAL


class InstitutionRef(Record):
    """A university, institute or city agency named by another record."""

    id: int
    slug: str
    name: str = Field(description="The Vietnamese name.")


def institution_ref(row: InstitutionRow | None) -> InstitutionRef | None:
    """The reference to ``row`` (None stays None)."""
    if row is None:
        return None
    return InstitutionRef(id=row.id, slug=row.slug, name=row.name_vi)


class Links(Record):
    """Absolute links of a page of a list (built from the platform's public address)."""

    self: str
    first: str
    last: str
    next: str | None = None
    prev: str | None = None


def page_model(name: str, item: type[BaseModel]) -> type[BaseModel]:
    """The model of one page of ``item`` records: ``items``, ``total``, ``page``, ``per_page`` and ``links``."""
    return create_model(
        name,
        __base__=Record,
        __doc__=f"One page of {item.__name__} records.",
        items=(list[item], ...),
        total=(int, Field(ge=0, description="Records in the whole list.")),
        page=(int, Field(ge=1)),
        per_page=(int, Field(ge=1, le=100)),
        links=(Links, ...),
    )
