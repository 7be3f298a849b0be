"""``/api/v1``: lists and records of the platform's public data, search, the OpenAPI document and its docs.

Every view reads as ``VISITOR``: the anonymous visitor (public data only, whoever is signed in), or the
holder of the request's access token (``api.auth``: the internal dataset their role sees). It answers
JSON built by ``services.serialise`` and reads through the same service queries as the website's lists.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort

from matchmaker.blueprints.api import answers, auth, docs
from matchmaker.blueprints.api.errors import BadParameter, error_response
from matchmaker.blueprints.api.params import (
    Common,
    InstitutionQuery,
    ListQuery,
    NeedQuery,
    OrderQuery,
    ProjectQuery,
    ResearcherQuery,
    SearchQuery,
    parse,
)
from matchmaker.blueprints.api.spec import document, openapi, responses
from matchmaker.blueprints.auth.decorators import open_to_everyone
from matchmaker.extensions import csrf, db, limiter
from matchmaker.models import (
    Institution,
    InstitutionKind,
    NeedStatus,
    Project,
    ProjectStatus,
    ResearchOrder,
    TechNeed,
)
from matchmaker.services import serialise
from matchmaker.services.enterprises import needs
from matchmaker.services.institutions import directory as institutions
from matchmaker.services.messaging import links
from matchmaker.services.orders import listing as order_listing
from matchmaker.services.orders.work import results
from matchmaker.services.projects import registry as projects
from matchmaker.services.researchers import profiles
from matchmaker.services.search import index as search

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.register_blueprint(docs.bp)
csrf.exempt(bp)  # read-only: nothing to forge
limiter.limit(auth.rate_limit, key_func=auth.rate_key)(bp)
bp.before_app_request(lambda: auth.refuse_unless_readable(bp.url_prefix))
bp.after_request(auth.private_when_authenticated)

# Whom the request reads as: the anonymous visitor, or the holder of its access token.
VISITOR = auth.READER

OrderPage = serialise.page_model("OrderPage", serialise.Order)
ResultPage = serialise.page_model("ResultPage", serialise.Result)
ProjectPage = serialise.page_model("ProjectPage", serialise.Project)
ResearcherPage = serialise.page_model("ResearcherPage", serialise.Researcher)
InstitutionPage = serialise.page_model("InstitutionPage", serialise.Institution)
NeedPage = serialise.page_model("NeedPage", serialise.Need)
SearchPage = serialise.page_model("SearchPage", serialise.SearchHit)
_RECORD_ENDPOINTS = {
    "order": ("api.order", "order_id"),
    "project": ("api.project", "project_id"),
    "need": ("api.need", "need_id"),
    "researcher": ("api.researcher", "researcher_id"),
}


@bp.errorhandler(BadParameter)
def bad_parameter(error: BadParameter):
    return error_response(400, "bad_parameter", error.message)


bp.after_request(answers.conditional)


def _record(make, row) -> Response:
    """``make(row)`` for the anonymous visitor; 404 for a missing row or one the visitor may not see."""
    if row is None:
        abort(404)
    try:
        return answers.json_body(make(row, VISITOR))
    except LookupError:
        abort(404)


@bp.get("/orders")
@openapi.validate(
    query=OrderQuery, resp=responses(OrderPage), tags=["orders"], skip_validation=True
)
@open_to_everyone
def order_list():
    """Published research orders (their public parts); with a token, every order and its internal fields."""
    query = parse(OrderQuery)
    filters = order_listing.OrderFilters(
        state=query.state or "", text=query.q, field_code=query.field,
        sort="" if query.sort == "default" else query.sort, direction=query.dir or "",
    )  # fmt: skip
    found = order_listing.list_orders(VISITOR, filters, query.page, query.per_page)
    items = [
        serialise.order(row.order, VISITOR, row.disbursed, row.schedule)
        for row in found.rows
    ]
    return answers.page(OrderPage, found.page, items, "api.order_list", query)


@bp.get("/orders/<id:order_id>")
@openapi.validate(
    query=Common, resp=responses(serialise.Order), tags=["orders"], skip_validation=True
)
@open_to_everyone
def order(order_id: int):
    """One published research order (its public parts); with a token, any order and its internal fields."""
    parse(Common)
    return _record(serialise.order, db.session.get(ResearchOrder, order_id))


@bp.get("/results")
@openapi.validate(
    query=ListQuery, resp=responses(ResultPage), tags=["results"], skip_validation=True
)
@open_to_everyone
def result_list():
    """Registered results of accepted tasks, newest first."""
    query = parse(ListQuery)
    page = results.list_public_results(query.page, query.q, query.per_page, VISITOR)
    items = [serialise.result(row, VISITOR) for row in page.items]
    return answers.page(ResultPage, page, items, "api.result_list", query)


@bp.get("/results/<id:result_id>")
@openapi.validate(
    query=Common,
    resp=responses(serialise.Result),
    tags=["results"],
    skip_validation=True,
)
@open_to_everyone
def result(result_id: int):
    """One registered result."""
    parse(Common)
    return _record(serialise.result, results.get_public_result(result_id, VISITOR))


@bp.get("/projects")
@openapi.validate(
    query=ProjectQuery,
    resp=responses(ProjectPage),
    tags=["projects"],
    skip_validation=True,
)
@open_to_everyone
def project_list():
    """Research projects, latest years first."""
    query = parse(ProjectQuery)
    filters = projects.ProjectFilters(
        status=ProjectStatus(query.status) if query.status else None, query=query.q
    )
    page = projects.list_projects(filters, query.page, query.per_page, sort=query.sort)
    items = [serialise.project(row, VISITOR) for row in page.items]
    return answers.page(ProjectPage, page, items, "api.project_list", query)


@bp.get("/projects/<id:project_id>")
@openapi.validate(
    query=Common,
    resp=responses(serialise.Project),
    tags=["projects"],
    skip_validation=True,
)
@open_to_everyone
def project(project_id: int):
    """One research project."""
    parse(Common)
    return _record(serialise.project, db.session.get(Project, project_id))


@bp.get("/researchers")
@openapi.validate(
    query=ResearcherQuery,
    resp=responses(ResearcherPage),
    tags=["researchers"],
    skip_validation=True,
)
@open_to_everyone
def researcher_list():
    """Researchers' public profiles, by name."""
    query = parse(ResearcherQuery)
    page = profiles.list_researchers(VISITOR, query.page, query=query.q, field_code=query.field,
                                     institution_id=query.institution, per_page=query.per_page)  # fmt: skip
    items = [serialise.researcher(row, VISITOR) for row in page.items]
    return answers.page(ResearcherPage, page, items, "api.researcher_list", query)


@bp.get("/researchers/<id:researcher_id>")
@openapi.validate(
    query=Common,
    resp=responses(serialise.Researcher),
    tags=["researchers"],
    skip_validation=True,
)
@open_to_everyone
def researcher(researcher_id: int):
    """One researcher's public profile."""
    parse(Common)
    return _record(serialise.researcher, profiles.get_profile(researcher_id))


@bp.get("/institutions")
@openapi.validate(
    query=InstitutionQuery,
    resp=responses(InstitutionPage),
    tags=["institutions"],
    skip_validation=True,
)
@open_to_everyone
def institution_list():
    """Universities, institutes and city agencies, by Vietnamese name."""
    query = parse(InstitutionQuery)
    kind = InstitutionKind(query.kind) if query.kind else None
    page = institutions.page_institutions(query.page, kind, query.q, query.per_page)
    items = [serialise.institution(row) for row in page.items]
    return answers.page(InstitutionPage, page, items, "api.institution_list", query)


@bp.get("/institutions/<id:institution_id>")
@openapi.validate(
    query=Common,
    resp=responses(serialise.Institution),
    tags=["institutions"],
    skip_validation=True,
)
@open_to_everyone
def institution(institution_id: int):
    """One institution."""
    parse(Common)
    row = db.session.get(Institution, institution_id) or abort(404)
    return answers.json_body(serialise.institution(row))


@bp.get("/needs")
@openapi.validate(
    query=NeedQuery, resp=responses(NeedPage), tags=["needs"], skip_validation=True
)
@open_to_everyone
def need_list():
    """Enterprises' technology needs that are not private, newest first."""
    query = parse(NeedQuery)
    filters = needs.NeedFilters(field_code=query.field, query=query.q,
                                status=NeedStatus(query.status) if query.status else None)  # fmt: skip
    page = needs.list_needs(
        VISITOR, filters, query.page, query.per_page, sort=query.sort
    )
    items = [serialise.need(row, VISITOR) for row in page.items]
    return answers.page(NeedPage, page, items, "api.need_list", query)


@bp.get("/needs/<id:need_id>")
@openapi.validate(
    query=Common, resp=responses(serialise.Need), tags=["needs"], skip_validation=True
)
@open_to_everyone
def need(need_id: int):
    """One technology need (its summary only, when the enterprise keeps the details to members)."""
    parse(Common)
    return _record(serialise.need, db.session.get(TechNeed, need_id))


@bp.get("/search")
@openapi.validate(
    query=SearchQuery,
    resp=responses(SearchPage, rebuilding=True),
    tags=["search"],
    skip_validation=True,
)
@open_to_everyone
def search_records():
    """The website's search over public records: words, accents optional; no words lists them all."""
    query = parse(SearchQuery)
    filters = {"kind": [query.kind]} if query.kind else {}
    outcome = search.find(query.q, filters, query.sort, query.page, query.per_page)
    if outcome.result is None:
        return error_response(503)
    found = outcome.result

    def href(kind: str, record_id: str) -> str:
        endpoint, key = _RECORD_ENDPOINTS[kind]
        return links.absolute_url(endpoint, **{key: int(record_id)})

    items = [serialise.hit(h, href(h.kind, h.id)) for h in found.hits]
    return answers.page(
        SearchPage, answers.SearchPagination(found), items, "api.search_records", query
    )


@bp.get("/openapi.json")
@open_to_everyone
def openapi_document():
    """The OpenAPI 3.1 document of this API, generated from the code."""
    return document(openapi.spec, links.public_base_url())


# The computed answers (matching, figures) are views of the same blueprint, in their own module.
from matchmaker.blueprints.api import computed  # noqa: E402, F401
