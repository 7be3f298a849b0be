"""The list of research orders: open calls first, filters, sorting by a whitelisted column, one page's figures.

Open calls (published, application deadline still ahead) come first, the soonest closing first; then every
other order, the most recently changed first. A person may instead sort by one column of the whitelist
``SORTS``; officials also by money. Whatever the sort or filter, a page costs the same few queries: the
agencies come in the page's own query, the amount disbursed is a column of it, and the schedule of the page's
running orders is one batched call.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import contains_eager, selectinload

from matchmaker.lifecycle import OrderState
from matchmaker.models import Institution, ResearchOrder, User, utcnow
from matchmaker.services import (
    policy,
    stored_text,  # noqa: F401 - its mapper events keep the filter's text
    text_filter,
)
from matchmaker.services.orders import work as progress
from matchmaker.services.pagination import paginate_rows

ASC, DESC = "asc", "desc"
PER_PAGE = 20
# Sort key → its natural first direction; money only for officials (the public never sees amounts).
SORTS = {
    "title": ASC,
    "agency": ASC,
    "state": ASC,
    "deadline": ASC,
    "budget": DESC,
    "disbursed": DESC,
    "changed": DESC,
}
MONEY_SORTS = frozenset({"budget", "disbursed"})
# The filters a link keeps when it changes the sort or the page (query parameter names).
FILTER_PARAMS = ("q", "state", "agency", "open", "late")
_STATE_RANK = {state.value: rank for rank, state in enumerate(OrderState)}


@dataclass(frozen=True)
class OrderFilters:
    """What a person asked of the list: filters and a sort (anything unknown falls back to the default)."""

    state: str = ""
    text: str = ""
    agency_id: int | None = None
    field_code: str = ""  # a research field's code or its prefix (digits)
    open_only: bool = False
    late_only: bool = False
    sort: str = ""
    direction: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> OrderFilters:
        """The filters in a query string (``?state=&q=&agency=&open=1&late=1&sort=&dir=``)."""
        agency = args.get("agency", "")
        return cls(
            state=args.get("state", ""), text=args.get("q", ""),
            agency_id=int(agency) if agency.isdigit() and len(agency) < 10 else None,
            field_code=args.get("field", ""),
            open_only=args.get("open") == "1", late_only=args.get("late") == "1",
            sort=args.get("sort", ""), direction=args.get("dir", ""),
        )  # fmt: skip


@dataclass(frozen=True)
class OrderRow:
    """One order of the page with what its row shows; money and schedule only for officials."""

    order: ResearchOrder
    is_open_call: bool
    disbursed: int | None = None
    schedule: progress.ScheduleStatus | None = None


@dataclass
class OrderListing:
    """A page of the list and how it was asked for (the sort in force, the filters to keep in links)."""

    page: Pagination
    rows: list[OrderRow]
    sort: str
    direction: str
    now: datetime
    params: dict[str, Any] = field(default_factory=dict)

    def direction_after(self, key: str) -> str:
        """The direction a click on column ``key`` asks for: the other one if it is the sort in force."""
        if key == self.sort:
            return ASC if self.direction == DESC else DESC
        return SORTS[key]

    def aria_sort(self, key: str) -> str | None:
        """``aria-sort`` of column ``key``'s header: only the sorted column has one."""
        if key != self.sort:
            return None
        return "ascending" if self.direction == ASC else "descending"

    def sort_params(self, key: str) -> dict[str, Any]:
        """The query parameters of column ``key``'s header link: the filters, that sort, page 1."""
        return self.params | {"sort": key, "dir": self.direction_after(key)}

    def link_params(self) -> dict[str, Any]:
        """The query parameters that keep this list as it is (filters and sort) across pages."""
        sort = {"sort": self.sort, "dir": self.direction} if self.sort else {}
        return self.params | sort


def sort_in_force(user: User | None, sort: str, direction: str) -> tuple[str, str]:
    """The whitelisted sort ``user`` may use (``""`` is the default order) and its direction."""
    if sort not in SORTS or (sort in MONEY_SORTS and not policy.is_staff(user)):
        return "", ""
    return sort, direction if direction in (ASC, DESC) else SORTS[sort]


def _open_call(now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        ResearchOrder.state == OrderState.PUBLISHED.value,
        ResearchOrder.application_deadline > now,
    )


def _agency_name() -> sa.ColumnElement:
    return sa.func.coalesce(
        sa.func.nullif(Institution.short_name, ""), Institution.name_vi
    )


def _sort_column(sort: str, disbursed: sa.ColumnElement) -> sa.ColumnElement:
    """What a sort key orders by: folded text (accents and case ignored), the lifecycle's order, a value."""
    return {
        "title": lambda: ResearchOrder.search_text,  # the folded title, stored
        "agency": lambda: text_filter.folded(_agency_name()),
        "state": lambda: sa.case(
            _STATE_RANK, value=ResearchOrder.state, else_=len(_STATE_RANK)
        ),
        "deadline": lambda: ResearchOrder.application_deadline,
        "budget": lambda: ResearchOrder.state_budget,
        "disbursed": lambda: disbursed,
        "changed": lambda: ResearchOrder.updated_at,
    }[sort]()


def _order_by(sort: str, direction: str, now: datetime, disbursed) -> list:
    if not sort:
        is_open = _open_call(now)
        return [
            sa.case((is_open, 0), else_=1),
            sa.case((is_open, ResearchOrder.application_deadline)),
            ResearchOrder.updated_at.desc(),
            ResearchOrder.id.desc(),
        ]
    column = _sort_column(sort, disbursed)
    # Missing deadlines and budgets stay last both ways (SQLite and PostgreSQL place NULLs differently).
    nulls_last = [column.is_(None)] if sort in {"deadline", "budget"} else []
    if direction == DESC:
        return [*nulls_last, column.desc(), ResearchOrder.id.desc()]
    return [*nulls_last, column.asc(), ResearchOrder.id.asc()]


def _late_order_ids(today) -> list[int]:
    """Every running order that is late today (the schedule's rules over the running orders, one query)."""
    return list(progress.split_running([], today)[1])


def _filtered(user: User | None, filters: OrderFilters, now: datetime):
    staff = policy.is_staff(user)
    stmt = sa.select(ResearchOrder).join(ResearchOrder.agency)
    if not staff:
        stmt = stmt.where(ResearchOrder.state.in_(policy.PUBLIC_STATES))
    if filters.state in _STATE_RANK:
        stmt = stmt.where(ResearchOrder.state == filters.state)
    if query := text_filter.query_text(filters.text):
        stmt = stmt.where(text_filter.stored_contains(query, ResearchOrder.search_text))
    if filters.agency_id is not None:
        stmt = stmt.where(ResearchOrder.agency_id == filters.agency_id)
    if filters.field_code.isdigit():
        stmt = stmt.where(
            ResearchOrder.field_code.startswith(filters.field_code[:8], autoescape=True)
        )
    if filters.open_only:
        stmt = stmt.where(_open_call(now))
    if filters.late_only and staff:
        stmt = stmt.where(
            ResearchOrder.id.in_(_late_order_ids(progress.vietnam_today(now)))
        )
    return stmt


def _params(user: User | None, filters: OrderFilters) -> dict[str, Any]:
    values = {
        "q": filters.text, "state": filters.state if filters.state in _STATE_RANK else "",
        "agency": filters.agency_id, "open": "1" if filters.open_only else "",
        "field": filters.field_code if filters.field_code.isdigit() else "",
        "late": "1" if filters.late_only and policy.is_staff(user) else "",
    }  # fmt: skip
    return {name: value for name, value in values.items() if value}


def list_orders(
    user: User | None,
    filters: OrderFilters = OrderFilters(),
    page: object = 1,
    per_page: int = PER_PAGE,
    now: datetime | None = None,
) -> OrderListing:
    """The orders ``user`` may see, filtered and sorted as asked; open calls first by default.

    Officials also get each row's amount disbursed and schedule (on schedule, late and why).
    """
    now = (now or utcnow()).astimezone(UTC)  # SQLite compares the stored UTC text
    staff = policy.is_staff(user)
    sort, direction = sort_in_force(user, filters.sort, filters.direction)
    disbursed = progress.disbursed_total().label("disbursed")
    stmt = _filtered(user, filters, now).options(
        contains_eager(ResearchOrder.agency),
        selectinload(ResearchOrder.pi),
        selectinload(ResearchOrder.need),
    )
    columns = [_open_call(now).label("is_open_call")]
    if staff:
        columns.append(disbursed)
    stmt = stmt.add_columns(*columns).order_by(
        *_order_by(sort, direction, now, disbursed)
    )
    pages = paginate_rows(stmt, page, per_page)
    schedule = (
        progress.schedule_statuses([r.ResearchOrder for r in pages.items], progress.vietnam_today(now))
        if staff else {}
    )  # fmt: skip
    rows = [
        OrderRow(
            order=row.ResearchOrder,
            is_open_call=bool(row.is_open_call),
            disbursed=row.disbursed if staff else None,
            schedule=schedule.get(row.ResearchOrder.id),
        )  # fmt: skip
        for row in pages.items
    ]
    return OrderListing(pages, rows, sort, direction, now, _params(user, filters))
