"""``/api/v1`` answers computed on demand: researchers for a text (the matching engine) and the public
dashboard's figures. Registered on the API's blueprint; each reads through the website's own services."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Literal

from flask import Response, abort, current_app, request
from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from spectree import Response as Answers

from matchmaker import formatting
from matchmaker.blueprints.api import answers
from matchmaker.blueprints.api.errors import BadParameter, ErrorBody, error_response
from matchmaker.blueprints.api.params import Common, parse
from matchmaker.blueprints.api.spec import openapi, responses
from matchmaker.blueprints.api.views import VISITOR, bp
from matchmaker.blueprints.auth.decorators import open_to_everyone
from matchmaker.extensions import db, limiter
from matchmaker.models import ResearcherProfile
from matchmaker.services import dashboard, reference, serialise
from matchmaker.services.matching import matches as matching
from matchmaker.services.messaging import links

# The longest text matched: an order's or a project's whole description fits; a paper does not.
MAX_MATCH_TEXT = 10_000
MAX_MATCHES = 50
# The values a filter may take, listed in the document (a value outside them is a 400).
FIELD_CODES = ("", *reference.science_fields())
AREAS = ("", *reference.priority_areas())
PROVINCES = ("", *reference.PROVINCES)


class MatchFilters(BaseModel):
    """The website's filters on a match list, those a visitor has (public profiles only, always)."""

    model_config = ConfigDict(extra="forbid")

    field: Literal[FIELD_CODES] = Field(  # type: ignore[valid-type]
        "", description="Research field: a group (\"1\") or a sub-field (\"105\") of the national classification.",
    )  # fmt: skip
    institution_kind: Literal["university", "institute", "agency"] | None = None
    available_only: bool = Field(
        False, description="Only researchers open to city orders."
    )
    per_institution: Literal[1, 2, 3] | None = Field(
        None, description="At most this many researchers of one institution."
    )


class MatchRequest(BaseModel):
    """A text to find researchers for."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        min_length=1, max_length=MAX_MATCH_TEXT, pattern=r"\S",
        description=f"What the work is about, in Vietnamese or English (1 to {MAX_MATCH_TEXT:,} characters).",
    )  # fmt: skip
    k: int = Field(
        10, ge=1, le=MAX_MATCHES, description="How many researchers, at most."
    )
    filters: MatchFilters = Field(default_factory=MatchFilters)


class FigureQuery(Common):
    """The public dashboard's period and filters (its page's query parameters)."""

    period: Literal["year", "quarter", "custom"] = Field(
        "year", description="How the period is chosen."
    )
    year: int | None = Field(None, ge=dashboard.scope.YEAR_MIN, le=dashboard.scope.YEAR_MAX,
                             description="For year and quarter: the year (default: this year).")  # fmt: skip
    quarter: int | None = Field(None, ge=1, le=4, description="For quarter: 1 to 4.")
    from_: date | None = Field(
        None, alias="from", description="For custom: the first day."
    )
    to: date | None = Field(None, description="For custom: the last day.")
    field: Literal[FIELD_CODES] = Field("", description="Research field code.")  # type: ignore[valid-type]
    area: Literal[AREAS] = Field("", description="Priority area.")  # type: ignore[valid-type]
    agency: int | None = Field(
        None, ge=1, le=2**31 - 1, description="Ordering agency id."
    )
    institution: int | None = Field(
        None, ge=1, le=2**31 - 1, description="Institution of the performing team."
    )
    province: Literal[PROVINCES] = Field(  # type: ignore[valid-type]
        "", description="Province of the participants' institutions."
    )


class BadText(BadParameter):
    """The text to match is blank or too long (its own stable code)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@bp.errorhandler(BadText)
def bad_text(error: BadText):
    return error_response(400, error.code, error.message)


def api_route(rule: str, method: str, resp: Answers, tag: str, **models) -> Callable:
    """Register a view of the API at ``rule`` with its OpenAPI description (``models``: SpecTree's
    ``query=``, ``json=``); parameters are read by the view, which answers the API's 400 itself."""

    def register(view: Callable) -> Callable:
        documented = openapi.validate(
            resp=resp, tags=[tag], skip_validation=True, **models
        )(view)
        return bp.route(rule, methods=[method])(documented)

    return register


def _match_request() -> MatchRequest:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadParameter(_("The request body must be a JSON object."))
    text = body.get("text")
    if isinstance(text, str) and not text.strip():
        raise BadText("empty_text", _("Give a text to match: it is empty."))
    if isinstance(text, str) and len(text) > MAX_MATCH_TEXT:
        raise BadText(
            "text_too_long",
            _(
                "The text is too long: at most %(n)s characters.",
                n=formatting.number(MAX_MATCH_TEXT),
            ),
        )
    try:
        found = MatchRequest.model_validate(body)
    except ValidationError as error:
        name = ".".join(str(part) for part in error.errors()[0]["loc"]) or "?"
        raise BadParameter(
            _("The parameter “%(name)s” has a value the API cannot use.", name=name)
        ) from None
    return found


def _match_limit() -> str:
    return current_app.config["API_MATCH_RATE_LIMIT"]


@api_route("/matches/researchers", "POST", Answers(HTTP_200=serialise.ResearcherMatches,
           **{f"HTTP_{code}": ErrorBody for code in (400, 429, 500)}),
           "matching", query=Common, json=MatchRequest)  # fmt: skip
@limiter.limit(_match_limit)
@open_to_everyone
def match_researchers():
    """Researchers for a text, best first, each with why: the website's matching, as a visitor sees it
    (public profiles only). Rate-limited more strictly than the reads (``API_MATCH_RATE_LIMIT``)."""
    parse(Common)
    wanted = _match_request()
    options = matching.MatchOptions(
        field_code=wanted.filters.field, institution_kind=wanted.filters.institution_kind or "",
        available_only=wanted.filters.available_only, public_only=True,
        max_per_institution=wanted.filters.per_institution,
    )  # fmt: skip
    found = matching.matches_for_text(wanted.text, VISITOR, options, k=wanted.k)
    items = []
    for view in found.researchers:
        row = db.session.get(
            ResearcherProfile, view.key
        )  # loaded by the matching already
        try:
            items.append(serialise.researcher_match(view, row, VISITOR))
        except LookupError:
            continue
    body = serialise.ResearcherMatches(items=items, total=len(items))
    response = answers.json_body(body)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@api_route(
    "/figures", "GET", responses(serialise.FigureList), "figures", query=FigureQuery
)
@open_to_everyone
def figure_list():
    """The public dashboard's figures for a period and filters: the same numbers as its page, each with its
    label, unit, definition and the page listing its records."""
    parse(FigureQuery)
    today = dashboard.local_today()
    parsed = dashboard.parse_args(request.args, today)
    unknown = _set_aside(parsed)
    if unknown in {"agency", "institution"}:
        abort(404)  # no such agency or institution
    if unknown:
        raise BadParameter(
            _("The parameter “%(name)s” has a value the API cannot use.", name=unknown)
        )
    scope = dashboard.Scope(parsed.period, parsed.filters, today, public=True)
    args = scope.as_args()

    def records_url(key: str) -> str:
        return links.absolute_url("dashboard.public_records", figure=key, **args)

    board = dashboard.build_dashboard(scope)
    body = serialise.figure_list(
        board, records_url, links.absolute_url("dashboard.public", **args)
    )
    return answers.json_body(body)


def _set_aside(parsed: dashboard.ParsedScope) -> str | None:
    """The first parameter the dashboard would set aside (it shows its default instead; the API says so)."""
    kept = parsed.filters
    given = {"field": kept.field_code, "area": kept.priority_area, "agency": kept.agency_id,
             "institution": kept.institution_id, "province": kept.province}  # fmt: skip
    for name, value in given.items():
        if request.args.get(name, "").strip() and value is None:
            return name
    return "period" if parsed.messages else None


@bp.after_request
def cross_origin_posts(response: Response) -> Response:
    """Browsers of other sites may POST JSON to the matching (their preflight is answered here)."""
    if request.endpoint == "api.match_researchers" and request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Allow-Methods"] = "POST"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        response.headers["Access-Control-Max-Age"] = "86400"
    return response
