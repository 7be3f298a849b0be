"""The search page: one box over public projects, orders, needs and researchers, with facets."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, jsonify, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from matchmaker.blueprints.auth.decorators import open_to_everyone
from matchmaker.blueprints.enterprises.forms import STATUS_LABELS as NEED_LABELS
from matchmaker.blueprints.orders.forms import STATE_LABELS
from matchmaker.blueprints.projects.forms import STATUS_LABELS as PROJECT_LABELS
from matchmaker.search_index import FACETS, Hit
from matchmaker.services import reference
from matchmaker.services.search import index as search

bp = Blueprint("search", __name__)
PER_PAGE = 10
MAX_VALUES = 10  # values shown per facet
KIND_LABELS = {
    "project": _l("Projects"),
    "order": _l("Research orders"),
    "need": _l("Technology needs"),
    "researcher": _l("Researchers"),
}
FACET_LABELS = {
    "kind": _l("Kind"),
    "field": _l("Research field"),
    "priority_area": _l("City priority area"),
    "institution": _l("Institution or enterprise"),
    "year": _l("Year"),
    "status": _l("Status"),
}
SORT_LABELS = {"relevance": _l("Relevance"), "date": _l("Newest first")}
_DETAIL = {
    "project": ("projects.detail", "project_id"),
    "order": ("orders.detail", "order_id"),
    "need": ("enterprises.needs.detail", "need_id"),
    "researcher": ("researchers.detail", "researcher_id"),
}


@dataclass(frozen=True)
class FacetLink:
    """One facet value: its label, how many results have it, and the link that adds or removes it."""

    label: str
    count: int
    url: str
    active: bool


def _status_label(value: str) -> str:
    labels = {s.value: label for s, label in {**PROJECT_LABELS, **NEED_LABELS}.items()}
    return str(labels.get(value) or STATE_LABELS.get(value) or value)


def facet_label(name: str, value: str) -> str:
    """A facet value as people read it, in the current language."""
    if name == "kind":
        return str(KIND_LABELS.get(value, value))
    if name == "field":
        field = reference.science_fields().get(value)
        return field.name() if field else value
    if name == "priority_area":
        return reference.priority_area_name(value)
    if name == "status":
        return _status_label(value)
    return value


def _chosen(args: MultiDict, name: str) -> list[str]:
    return [value for value in args.getlist(name) if value.strip()][:MAX_VALUES]


def _url(args: MultiDict, **changes) -> str:
    """The search URL with ``args`` changed; page goes back to 1 unless given."""
    params = MultiDict(args)
    params.pop("page", None)
    for key, value in changes.items():
        params.setlist(key, value if isinstance(value, list) else [value])
    return url_for("search.index", **params.to_dict(flat=False))


def _toggle(args: MultiDict, name: str, value: str) -> str:
    values = args.getlist(name)
    chosen = [v for v in values if v != value] if value in values else [*values, value]
    return _url(args, **{name: chosen})


def _facets(result, args: MultiDict) -> dict[str, list[FacetLink]]:
    facets = {}
    for name in FACETS:
        chosen = _chosen(args, name)
        counts = {f.value: f.count for f in result.facets.get(name, [])}
        values = list(counts)[:MAX_VALUES] + [v for v in chosen if v not in counts]
        links = [
            FacetLink(facet_label(name, v), counts.get(v, 0), _toggle(args, name, v), v in chosen)
            for v in values
        ]  # fmt: skip
        if links:
            facets[name] = links
    return facets


def hit_url(hit: Hit) -> str:
    """The public page of a result."""
    endpoint, key = _DETAIL[hit.kind]
    return url_for(endpoint, **{key: int(hit.id)})


@bp.route("/")
@open_to_everyone
def index():
    args = request.args
    query = args.get("q", "")
    filters = {name: _chosen(args, name) for name in FACETS if _chosen(args, name)}
    sort = args.get("sort", "relevance")
    # The bare page shows the search box; a submitted empty query lists the records.
    if "q" not in args and not filters:
        return render_template("search/index.html", query="", outcome=None, args=args)
    outcome = search.find(
        query, filters, sort, args.get("page", 1, type=int) or 1, PER_PAGE
    )
    result = outcome.result
    page = render_template(
        "search/index.html", query=query, outcome=outcome, result=result, args=args,
        facets=_facets(result, args) if result else {}, facet_labels=FACET_LABELS,
        kinds=KIND_LABELS, sorts={k: (label, _url(args, sort=k)) for k, label in SORT_LABELS.items()},
        sort=sort if sort in SORT_LABELS else "relevance", hit_url=hit_url, page_url=lambda n: _url(args, page=str(n)),
        suggestion_url=_url(args, q=result.suggestion) if result and result.suggestion else None,
        clear_url=url_for("search.index", q=query), facet_label=facet_label,
    )  # fmt: skip
    return (page, 503, {"Retry-After": "30"}) if outcome.rebuilding else page


@bp.route("/suggest")
@open_to_everyone
def suggest():
    """Type-ahead titles for the search box, as JSON; public records only, never cached."""
    response = jsonify(suggestions=search.suggest(request.args.get("q", "")))
    response.headers["Cache-Control"] = "no-store"
    return response
