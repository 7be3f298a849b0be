"""How the API answers: JSON bodies, pages with absolute links, and the conditional-request headers."""

from __future__ import annotations

from flask import Response, request
from pydantic import BaseModel

from matchmaker.blueprints.api.params import ListQuery
from matchmaker.services import serialise
from matchmaker.services.messaging import links


def conditional(response: Response) -> Response:
    """CORS for reads; an ETag on every successful answer, and 304 when the caller has it already."""
    if request.method in {"GET", "HEAD"}:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.vary.add("Accept-Language")
        if response.status_code == 200:
            response.headers.setdefault("Cache-Control", "public, no-cache")
            if not response.direct_passthrough:
                response.add_etag()
            response.make_conditional(request)
    return response


def json_body(body: BaseModel) -> Response:
    """``body`` as UTF-8 JSON (Vietnamese stays readable)."""
    return Response(body.model_dump_json(), mimetype="application/json")


def page(
    model: type[BaseModel], found, items: list, endpoint: str, query: ListQuery
) -> Response:
    """A page of ``items`` (``found``: its pagination) with its total and absolute links built from the
    platform's public address, keeping the query's filters."""
    args = query.model_dump(exclude_defaults=True, exclude={"page"})
    last = max(1, found.pages)

    def link(number: int) -> str:
        return links.absolute_url(endpoint, **args, page=number)

    return json_body(model(
        items=items, total=found.total, page=found.page, per_page=found.per_page,
        links=serialise.Links(self=link(found.page), first=link(1), last=link(last),
                              next=link(found.page + 1) if found.page < last else None,
                              prev=link(found.page - 1) if found.page > 1 else None),
    ))  # fmt: skip


class SearchPagination:
    """The search result's numbers, as the pages of the other lists give them."""

    def __init__(self, found) -> None:
        self.total, self.page, self.per_page = found.total, found.page, found.per_page
        self.pages = -(-found.total // found.per_page) if found.per_page else 0
