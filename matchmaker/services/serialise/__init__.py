"""One serialisation per public record type, shared by the API, the downloads and the dashboard.

Each record type has a pydantic model (which is also its OpenAPI component schema) and one function that
builds it from a row for a viewer; what the viewer may read is asked of ``services.policy``, so an anonymous
caller gets the public view and staff the internal one, from the same code.
"""

from matchmaker.services.serialise.common import InstitutionRef, Links, page_model
from matchmaker.services.serialise.figures import (
    DatedFigure,
    Figure,
    FigureList,
    dated_figures,
    figure_list,
    figures,
)
from matchmaker.services.serialise.matches import (
    ResearcherMatch,
    ResearcherMatches,
    researcher_match,
)
from matchmaker.services.serialise.needs import Need, need
from matchmaker.services.serialise.orders import Order, Result, order, result
from matchmaker.services.serialise.people import (
    Institution,
    Researcher,
    institution,
    researcher,
)
from matchmaker.services.serialise.projects import Project, project
from matchmaker.services.serialise.search import SearchHit, hit

__all__ = [
    "DatedFigure",
    "Figure",
    "FigureList",
    "ResearcherMatch",
    "ResearcherMatches",
    "dated_figures",
    "figure_list",
    "figures",
    "researcher_match",
    "section_figures",
    "Institution",
    "InstitutionRef",
    "Links",
    "Need",
    "Order",
    "Project",
    "Researcher",
    "Result",
    "SearchHit",
    "hit",
    "institution",
    "need",
    "order",
    "page_model",
    "project",
    "researcher",
    "result",
]
