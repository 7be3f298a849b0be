"""The registry of open datasets: the public records the API lists, each read for an anonymous visitor
through the same service query as the API and the website, and serialised by ``services.serialise``."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel

from matchmaker.extensions import db
from matchmaker.models import (
    Enterprise,
    Institution,
    IPAsset,
    OrderEvent,
    Project,
    ProjectMember,
    Proposal,
    Publication,
    ResearcherProfile,
    ResearchOrder,
    ResultRecord,
    TechNeed,
    User,
    utcnow,
)
from matchmaker.services import dashboard, serialise
from matchmaker.services.enterprises import needs
from matchmaker.services.institutions import directory as institutions
from matchmaker.services.messaging import links
from matchmaker.services.opendata import tables
from matchmaker.services.orders import listing as order_listing
from matchmaker.services.orders.work import results
from matchmaker.services.projects import registry as projects
from matchmaker.services.researchers import profiles

# The version of every table's schema: in the schemas, the file names and the URLs. Adding a column is a
# minor step (1.1); renaming, removing or retyping one is a major step (2.0). See README "Open data".
SCHEMA_VERSION = "1.0"


class _Visitor:
    """Nobody in particular, as Flask-Login's anonymous user reads to the policy: public data only."""

    is_authenticated = False
    is_active = False
    is_anonymous = True

    def get_id(self) -> None:
        return None


# Downloads read as nobody in particular, whoever asks for them (a job queue, the CLI, a signed-in browser).
VISITOR = _Visitor()


def _all(page_of: Callable[[int, int], Any]) -> list:
    """Every item of a paginated service query, in one page (so no row is lost or repeated between pages)."""
    total = page_of(1, 1).total
    return list(page_of(1, total).items) if total else []


def _orders() -> list[BaseModel]:
    found = _all(
        lambda page, per: (
            order_listing.list_orders(
                VISITOR, order_listing.OrderFilters(), page, per
            ).page
        )
    )
    return [serialise.order(row.ResearchOrder, VISITOR) for row in found]


def _results() -> list[BaseModel]:
    found = _all(lambda page, per: results.list_public_results(page, "", per))
    return [serialise.result(row, VISITOR) for row in found]


def _projects() -> list[BaseModel]:
    found = _all(
        lambda page, per: projects.list_projects(projects.ProjectFilters(), page, per)
    )
    return [serialise.project(row, VISITOR) for row in found]


def _researchers() -> list[BaseModel]:
    found = _all(
        lambda page, per: profiles.list_researchers(VISITOR, page, per_page=per)
    )
    return [serialise.researcher(row, VISITOR) for row in found]


def _institutions() -> list[BaseModel]:
    found = _all(lambda page, per: institutions.page_institutions(page, None, "", per))
    return [serialise.institution(row) for row in found]


def _needs() -> list[BaseModel]:
    found = _all(
        lambda page, per: needs.list_needs(None, needs.NeedFilters(), page, per)
    )
    return [serialise.need(row, VISITOR) for row in found]


def _figures() -> list[BaseModel]:
    """The public dashboard's figures as its page and ``/api/v1/figures`` show them by default (this year,
    no filter), labelled in Vietnamese."""
    today = dashboard.local_today()
    scope = dashboard.Scope(dashboard.Period.year(today.year), today=today, public=True)
    args = scope.as_args()

    def records_url(key: str) -> str:
        return links.absolute_url("dashboard.public_records", figure=key, **args)

    with force_locale("vi"):
        return serialise.dated_figures(dashboard.build_dashboard(scope), records_url)


def _digest(records: list[BaseModel]) -> str:
    """A short digest of the records as they would be written."""
    dumped = json.dumps(
        [r.model_dump(mode="json") for r in records], ensure_ascii=False
    )
    return hashlib.sha256(dumped.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Dataset:
    """One open dataset: a record type of the API, the rows an anonymous visitor may read of it."""

    key: str
    model: type[BaseModel]
    read: Callable[[], list[BaseModel]]
    # Tables whose rows make up the records (their count and latest change are the data's fingerprint).
    sources: tuple[type, ...]
    title: object
    description: object
    keywords: tuple[str, ...]
    api_path: str
    # EU frequency vocabulary (http://publications.europa.eu/resource/authority/frequency/...).
    frequency: str = "CONT"
    # The column that names a record; records with an ``id`` are listed by it, others in the order read.
    primary_key: str = "id"
    # Records computed rather than stored (figures also change with the day): their digest joins the
    # fingerprint, since the source tables' counts and latest changes cannot tell every change.
    computed: bool = False

    @property
    def columns(self) -> list[tables.Column]:
        return tables.columns(self.model)

    def records(self) -> list[BaseModel]:
        """The public records, by id (computed ones in the order read)."""
        found = self.read()
        return (
            found
            if self.primary_key != "id"
            else sorted(found, key=lambda record: record.id)
        )


DATASETS: dict[str, Dataset] = {
    d.key: d
    for d in (
        Dataset("orders", serialise.Order, _orders, (ResearchOrder, Institution, TechNeed, User),
                _l("Research orders of the city"),
                _l("Science and technology tasks the city ordered: field, agency, schedule, public budget and "
                   "the organisation that carries them out (the parts an official keeps internal are empty)."),
                ("đặt hàng", "nhiệm vụ khoa học công nghệ", "research orders"), "/api/v1/orders"),
        Dataset("results", serialise.Result, _results, (ResultRecord, ResearchOrder),
                _l("Results of research tasks"),
                _l("Products registered for accepted tasks: intellectual property filed or granted, and where they "
                   "are applied."),
                ("kết quả nghiên cứu", "sở hữu trí tuệ", "research results"), "/api/v1/results"),
        Dataset("projects", serialise.Project, _projects,
                (Project, ProjectMember, Institution, ResearchOrder, User),
                _l("Research projects"),
                _l("Research projects done or under way in Cần Thơ: team, institution, years, budget and products."),
                ("dự án", "đề tài", "research projects"), "/api/v1/projects"),
        Dataset("researchers", serialise.Researcher, _researchers,
                (ResearcherProfile, User, Institution, Publication, IPAsset),
                _l("Researchers"),
                _l("Public profiles of scientists: institution, fields, keywords, publications and intellectual "
                   "property (no contact address)."),
                ("nhà khoa học", "chuyên gia", "researchers"), "/api/v1/researchers"),
        Dataset("institutions", serialise.Institution, _institutions, (Institution,),
                _l("Institutions"),
                _l("Universities, research institutes and city agencies of the platform."),
                ("viện", "trường", "cơ quan", "institutions"), "/api/v1/institutions"),
        Dataset("needs", serialise.Need, _needs, (TechNeed, Enterprise),
                _l("Technology needs of enterprises"),
                _l("What enterprises ask of science: the needs they made public (only the summary when they "
                   "keep the details to members)."),
                ("nhu cầu công nghệ", "doanh nghiệp", "technology needs"), "/api/v1/needs"),
        Dataset("figures", serialise.DatedFigure, _figures,
                (ResearchOrder, OrderEvent, Proposal, TechNeed, ResultRecord),
                _l("Public results figures"),
                _l("The public dashboard's figures for this year: orders published, decided and accepted, their "
                   "results and intellectual property, each with its definition, unit and period (the figures "
                   "officials keep internal are not included)."),
                ("số liệu", "kết quả khoa học công nghệ", "public figures"), "/api/v1/figures",
                primary_key="key", computed=True),
    )
}  # fmt: skip


@dataclass(frozen=True)
class Fingerprint:
    """A cheap mark of the data behind a dataset (each source table's row count and latest change), and
    that latest change."""

    mark: str
    modified: datetime | None


# What the datasets publish of an account (a researcher's or a PI's name, their institution, whether they are
# listed at all). A change of anything else (a sign-in, a password, a session) leaves the files alone.
PUBLISHED_USER_FIELDS = ("full_name", "institution_id", "active")


@sa.event.listens_for(User, "before_update")
def _user_saved(_mapper: Any, _connection: sa.Connection, target: User) -> None:
    state = sa.inspect(target)
    if any(state.attrs[name].history.has_changes() for name in PUBLISHED_USER_FIELDS):
        target.public_changed_at = utcnow()


def _changed(model: type) -> Any:
    """The column that says when a row of ``model`` last changed in what the datasets publish."""
    if model is User:
        return User.public_changed_at
    return getattr(model, "updated_at", None)


def fingerprint(dataset: Dataset) -> Fingerprint:
    """The fingerprint of ``dataset``'s data now."""
    parts, latest = [], []
    for model in dataset.sources:
        columns = [sa.func.count()]
        if (changed := _changed(model)) is not None:
            columns.append(sa.func.max(changed))
        found = db.session.execute(sa.select(*columns).select_from(model)).one()
        latest += [v for v in found[1:] if v is not None]
        parts.append(f"{model.__tablename__}:" + ":".join(str(v) for v in found))
    modified = max((aware(v) for v in latest), default=None)
    if dataset.computed:
        parts.append(f"records:{_digest(dataset.records())}")
    return Fingerprint("|".join(parts), modified)


def aware(value: datetime) -> datetime:
    """``value`` with its zone (SQLite hands back stored UTC times without one)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
