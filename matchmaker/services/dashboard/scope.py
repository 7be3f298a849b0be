"""What a dashboard counts over: a period, filters, the day it is computed, and public or internal figures."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from matchmaker.extensions import db
from matchmaker.lifecycle import VIETNAM_TZ
from matchmaker.models import Institution, InstitutionKind, ResearchOrder, User
from matchmaker.services import policy, reference

PERIOD_KINDS = ("year", "quarter", "custom")
YEAR_MIN, YEAR_MAX = 2000, 2100


@dataclass(frozen=True)
class Period:
    """Dates from ``start`` to ``end`` (both included), in Cần Thơ's time; ``kind`` says how it was chosen."""

    start: date
    end: date
    kind: str = "year"

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31), "year")

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        first = date(year, 3 * quarter - 2, 1)
        after = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
        return cls(first, after - timedelta(days=1), "quarter")

    @property
    def quarter_number(self) -> int:
        return (self.start.month - 1) // 3 + 1

    def bounds(self) -> tuple[datetime, datetime]:
        """The period as UTC instants: its first moment and the first moment after it."""
        return _instant(self.start), _instant(self.end + timedelta(days=1))

    def months(self) -> list[date]:
        """The first day of each month the period touches, in order."""
        months, cursor = [], self.start.replace(day=1)
        while cursor <= self.end:
            months.append(cursor)
            cursor = (cursor + timedelta(days=32)).replace(day=1)
        return months


def _instant(day: date) -> datetime:
    return datetime.combine(day, time(), VIETNAM_TZ).astimezone(UTC)


@dataclass(frozen=True)
class Filters:
    """Which orders (and needs, people) count: a science field, a priority area, the ordering agency, the
    institution of the performing team (its principal investigator's institution), and that institution's
    province (for participation: the participant's institution's province)."""

    field_code: str | None = None
    priority_area: str | None = None
    agency_id: int | None = None
    institution_id: int | None = None
    province: str | None = None

    def as_args(self) -> dict[str, str]:
        """The filters as query arguments (only those set)."""
        pairs = {
            "field": self.field_code, "area": self.priority_area,
            "agency": self.agency_id, "institution": self.institution_id,
            "province": self.province,
        }  # fmt: skip
        return {key: str(value) for key, value in pairs.items() if value is not None}


@dataclass(frozen=True)
class Scope:
    """Everything a figure depends on; ``public`` keeps only what anyone may know."""

    period: Period
    filters: Filters = field(default_factory=Filters)
    today: date = field(default_factory=lambda: local_today())
    public: bool = False

    def as_args(self) -> dict[str, str]:
        """The period and filters as query arguments, to carry from the dashboard to its records."""
        period = {"period": self.period.kind, "year": str(self.period.start.year)}
        if self.period.kind == "quarter":
            period["quarter"] = str(self.period.quarter_number)
        elif self.period.kind == "custom":
            period["from"] = self.period.start.isoformat()
            period["to"] = self.period.end.isoformat()
            del period["year"]
        return period | self.filters.as_args()


@dataclass(frozen=True)
class ParsedScope:
    """A scope read from query arguments, with a message for each value that was set aside."""

    period: Period
    filters: Filters
    messages: tuple[str, ...] = ()


def parse_args(args: Mapping[str, str], today: date) -> ParsedScope:
    """Read the period and filters from query arguments; a bad value falls back to its default with a message."""
    messages: list[str] = []
    period = _parse_period(args, today, messages)
    filters = Filters(
        field_code=_choice(args.get("field"), reference.science_fields(), messages,
                           _l("The science field was not recognised; every field is shown.")),
        priority_area=_choice(args.get("area"), reference.priority_areas(), messages,
                              _l("The priority area was not recognised; every area is shown.")),
        agency_id=_row_id(args.get("agency"), _agency_ids, messages,
                          _l("The agency was not recognised; every agency is shown.")),
        institution_id=_row_id(args.get("institution"), _institution_ids, messages,
                               _l("The institution was not recognised; every institution is shown.")),
        province=_choice(args.get("province"), dict.fromkeys(reference.PROVINCES), messages,
                         _l("The province was not recognised; every province is shown.")),
    )  # fmt: skip
    return ParsedScope(period, filters, tuple(str(m) for m in messages))


def _parse_period(args: Mapping[str, str], today: date, messages: list) -> Period:
    kind = (args.get("period") or "year").strip()
    default = Period.year(today.year)
    if kind not in PERIOD_KINDS:
        messages.append(_l("The period was not recognised; this year is shown."))
        return default
    if kind == "custom":
        start, end = _day(args.get("from")), _day(args.get("to"))
        if start is None or end is None or start > end:
            messages.append(
                _l("Give a start and an end date (start first); this year is shown.")
            )
            return default
        return Period(start, end, "custom")
    year = _int(args.get("year"), today.year)
    if year is None or not YEAR_MIN <= year <= YEAR_MAX:
        messages.append(_l("The year was not recognised; this year is shown."))
        return default
    if kind == "year":
        return Period.year(year)
    quarter = _int(args.get("quarter"), (today.month - 1) // 3 + 1)
    if quarter is None or not 1 <= quarter <= 4:
        messages.append(_l("The quarter must be 1 to 4; the whole year is shown."))
        return Period.year(year)
    return Period.quarter(year, quarter)


def _int(value: str | None, default: int) -> int | None:
    if value is None or not value.strip():
        return default
    text = value.strip()
    return int(text) if text.isdigit() and len(text) < 10 else None


def _day(value: str | None) -> date | None:
    try:
        day = date.fromisoformat((value or "").strip())
    except ValueError:
        return None
    return day if YEAR_MIN <= day.year <= YEAR_MAX else None


def _choice(value: str | None, known: Mapping[str, object], messages: list, message) -> str | None:  # fmt: skip
    value = (value or "").strip()
    if not value:
        return None
    if value in known:
        return value
    messages.append(message)
    return None


def _row_id(
    value: str | None, known: Callable[[], set[int]], messages: list, message
) -> int | None:
    """The id ``value`` if it is one of ``known()`` (asked only when a value is given)."""
    value = (value or "").strip()
    if not value:
        return None
    if value.isdigit() and len(value) < 10 and int(value) in known():
        return int(value)
    messages.append(message)
    return None


def _agency_ids() -> set[int]:
    stmt = sa.select(Institution.id).where(Institution.kind == InstitutionKind.AGENCY)
    return set(db.session.scalars(stmt))


def _institution_ids() -> set[int]:
    stmt = sa.select(Institution.id).where(Institution.kind != InstitutionKind.AGENCY)
    return set(db.session.scalars(stmt))


def filter_choices() -> dict[str, list[tuple[str, str]]]:
    """(value, label) options of each filter, for the dashboard's form."""

    stmt = sa.select(Institution.id, Institution.name_vi, Institution.kind).order_by(
        Institution.name_vi
    )
    every = db.session.execute(stmt).all()  # one query for both lists

    def institutions(agency: bool) -> list[tuple[str, str]]:
        return [
            (str(i), name)
            for i, name, kind in every
            if (kind == InstitutionKind.AGENCY) == agency
        ]

    return {
        "field": [(code, label) for code, label, _group in reference.subfield_choices()],
        "area": [(key, area.name()) for key, area in reference.priority_areas().items()],
        "agency": institutions(True),
        "institution": institutions(False),
        "province": [(name, name) for name in reference.PROVINCES],
    }  # fmt: skip


def order_conditions(scope: Scope) -> list[sa.ColumnElement[bool]]:
    """The SQL conditions on ``ResearchOrder`` selecting the orders ``scope`` counts."""
    found = scope.filters
    conditions: list[sa.ColumnElement[bool]] = []
    if found.field_code:
        conditions.append(ResearchOrder.field_code == found.field_code)
    if found.priority_area:
        conditions.append(ResearchOrder.priority_area == found.priority_area)
    if found.agency_id:
        conditions.append(ResearchOrder.agency_id == found.agency_id)
    if found.institution_id:
        team = sa.select(User.id).where(User.institution_id == found.institution_id)
        conditions.append(ResearchOrder.pi_id.in_(team))
    if found.province:
        people = sa.select(User.id).where(
            User.institution_id.in_(province_institutions(found.province))
        )
        conditions.append(ResearchOrder.pi_id.in_(people))
    if scope.public:
        conditions.append(ResearchOrder.state.in_(policy.PUBLIC_STATES))
    return conditions


def province_institutions(province: str) -> sa.Select:
    """The ids of the institutions in ``province``."""
    return sa.select(Institution.id).where(Institution.province == province)


def scoped_orders(scope: Scope) -> sa.Select:
    """The ids of the orders ``scope`` counts."""
    return sa.select(ResearchOrder.id).where(*order_conditions(scope))


def in_scope(
    order_id: sa.ColumnElement[int], scope: Scope
) -> list[sa.ColumnElement[bool]]:
    """The conditions that the order ``order_id`` (a required foreign key to an order) is one ``scope``
    counts: none when every order counts, so an unfiltered dashboard does not test each row against the
    list of every order."""
    return [order_id.in_(scoped_orders(scope))] if order_conditions(scope) else []


def since(today: date, days: int) -> datetime:
    """The first moment (UTC) of the day ``days`` days before ``today``."""
    return _instant(today - timedelta(days=days))


def local_today() -> date:
    """Today's date in Cần Thơ."""
    return datetime.now(VIETNAM_TZ).date()
