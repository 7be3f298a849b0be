"""Query parameters of the API: one pydantic model per list, which both checks a request and documents it."""

from __future__ import annotations

from typing import Literal, TypeVar

from flask import request
from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from matchmaker.blueprints.api.errors import BadParameter
from matchmaker.inputs import MAX_PAGE
from matchmaker.lifecycle import OrderState

MAX_PER_PAGE = 100
# Every state may be asked for; the states before publication only ever match with a token.
ORDER_STATES = tuple(s.value for s in OrderState)


class Common(BaseModel):
    """Parameters every operation takes."""

    model_config = ConfigDict(extra="ignore")

    lang: Literal["vi", "en"] | None = Field(
        None,
        description="Language of error messages (else the Accept-Language header, else vi).",
    )


class ListQuery(Common):
    """Pagination and words to look for."""

    page: int = Field(1, ge=1, le=MAX_PAGE, description="Page number, from 1.")
    per_page: int = Field(
        20, ge=1, le=MAX_PER_PAGE, description="Records per page, at most 100."
    )
    q: str = Field(
        "", max_length=200, description="Words to look for (accents optional)."
    )


class OrderQuery(ListQuery):
    state: Literal[ORDER_STATES] | None = Field(
        None,
        description="Lifecycle state (states before publication: with an access token only).",
    )  # type: ignore[valid-type]
    field: str = Field(
        "",
        max_length=8,
        pattern=r"^[0-9]*$",
        description="Research field code or its prefix.",
    )
    sort: Literal["default", "title", "agency", "state", "deadline", "changed"] = Field(
        "default",
        description="As the website's list: default puts open calls first (soonest closing), then the "
        "most recently changed; the others sort by that column.",
    )
    dir: Literal["asc", "desc"] | None = Field(
        None, description="Direction of the sort (each column has its own default)."
    )


class NeedQuery(ListQuery):
    status: Literal["open", "in_discussion", "fulfilled", "withdrawn"] | None = None
    field: str = Field("", max_length=8, pattern=r"^[0-9]*$")
    sort: Literal["newest", "title"] = "newest"


class ProjectQuery(ListQuery):
    status: (
        Literal["in_progress", "completed", "in_application", "terminated"] | None
    ) = None
    sort: Literal["recent", "title"] = Field(
        "recent", description="recent: latest years first."
    )


class ResearcherQuery(ListQuery):
    field: str = Field("", max_length=8, pattern=r"^[0-9]*$")
    institution: int | None = Field(
        None, ge=1, le=2**31 - 1, description="Institution id."
    )


class InstitutionQuery(ListQuery):
    kind: Literal["university", "institute", "agency"] | None = None


class SearchQuery(ListQuery):
    kind: Literal["project", "order", "need", "researcher"] | None = None
    sort: Literal["relevance", "date"] = "relevance"
    per_page: int = Field(
        10, ge=1, le=MAX_PER_PAGE, description="Results per page, at most 100."
    )


T = TypeVar("T", bound=BaseModel)


def parse(model: type[T]) -> T:
    """The request's query parameters as ``model``; raises ``BadParameter`` naming the first wrong one."""
    args = {key: request.args.getlist(key)[-1] for key in request.args}
    try:
        return model.model_validate(args)
    except ValidationError as error:
        name = ".".join(str(part) for part in error.errors()[0]["loc"]) or "?"
        raise BadParameter(
            _("The parameter “%(name)s” has a value the API cannot use.", name=name)
        ) from None
