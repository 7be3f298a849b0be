"""The records behind each figure: one query per figure gives both its count and its list, so they agree."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import (
    Disbursement,
    Enterprise,
    Institution,
    Milestone,
    NeedInterest,
    PlanTask,
    Proposal,
    ResearcherProfile,
    ResearchOrder,
    ResultRecord,
    TechNeed,
    Tranche,
    User,
)
from matchmaker.services.dashboard.scope import Scope
from matchmaker.services.pagination import paginate

# What kind of record a figure counts, and its model.
KINDS: dict[str, type] = {
    "order": ResearchOrder, "need": TechNeed, "user": User, "institution": Institution,
    "enterprise": Enterprise, "result": ResultRecord, "tranche": Tranche, "milestone": Milestone,
    "disbursement": Disbursement, "interest": NeedInterest, "proposal": Proposal,
    "profile": ResearcherProfile, "plan_task": PlanTask,
}  # fmt: skip


@dataclass(frozen=True)
class RecordSet:
    """The records a figure counts: their kind and their ids (a query of ids, or ids computed in Python)."""

    kind: str
    ids: sa.Select | tuple[int, ...]

    @property
    def model(self) -> type:
        return KINDS[self.kind]

    def condition(self) -> sa.ColumnElement[bool]:
        """The SQL condition on the kind's model selecting these records."""
        return self.model.id.in_(self.ids)


Builder = Callable[[Scope], RecordSet]
_BUILDERS: dict[str, Builder] = {}
_PUBLIC: set[str] = set()


def figure(*keys: str, public: bool = False) -> Callable[[Builder], Builder]:
    """Register ``builder`` as the records of the figures ``keys`` (``public``: shown to everyone too)."""

    def register(builder: Builder) -> Builder:
        for key in keys:
            _BUILDERS[key] = builder
            if public:
                _PUBLIC.add(key)
        return builder

    return register


def is_known(key: str, public: bool = False) -> bool:
    """Whether ``key`` names a figure with records (among the public ones, for the public dashboard)."""
    return key in _BUILDERS and (not public or key in _PUBLIC)


def is_public(key: str) -> bool:
    return key in _PUBLIC


def records_of(key: str, scope: Scope) -> RecordSet:
    """The records behind the figure ``key`` in ``scope`` (KeyError if unknown or not public for the public)."""
    if not is_known(key, scope.public):
        raise KeyError(key)
    return _BUILDERS[key](scope)


def count(records: RecordSet) -> int:
    """How many records: the figure's value."""
    return counts(records)[0]


def counts(*sets: RecordSet) -> tuple[int, ...]:
    """How many records in each set, the queries of several sets answered by one statement."""
    return answer(*(counting(records) for records in sets))


def counting(records: RecordSet) -> sa.ScalarSelect | int:
    """The query counting the records (or their number, when the ids were computed in Python)."""
    if isinstance(records.ids, tuple):
        return len(set(records.ids))
    return sa.select(sa.func.count()).select_from(records.ids.subquery()).scalar_subquery()  # fmt: skip


def summing(records: RecordSet, column: sa.ColumnElement) -> sa.ScalarSelect:
    """The query summing ``column`` (of the kind's model) over the records."""
    return (
        sa.select(sa.func.coalesce(sa.func.sum(column), 0))
        .where(records.condition())
        .scalar_subquery()
    )


def answer(*queries: sa.ScalarSelect | int) -> tuple[int, ...]:
    """The values of scalar queries (``counting``, ``summing``…) in one statement; numbers pass through."""
    asked = [query for query in queries if not isinstance(query, int)]
    row = iter(db.session.execute(sa.select(*asked)).one() if asked else ())
    return tuple(
        query if isinstance(query, int) else int(next(row) or 0) for query in queries
    )


def record_ids(key: str, scope: Scope) -> list[int]:
    """The ids behind the figure ``key``, in ascending order."""
    records = records_of(key, scope)
    if isinstance(records.ids, tuple):
        return sorted(set(records.ids))
    stmt = sa.select(records.model.id).where(records.condition())
    return list(db.session.scalars(stmt.order_by(records.model.id)))


def list_records(key: str, scope: Scope, page: object = 1, per_page: int = 50):
    """One page of the records behind the figure ``key``, newest first (a Pagination with ``kind``)."""
    records = records_of(key, scope)
    stmt = sa.select(records.model).where(records.condition())
    result = paginate(stmt.order_by(records.model.id.desc()), page, per_page)
    result.kind = records.kind
    return result


def ids_of(rows: Sequence[int]) -> tuple[int, ...]:
    """Ids computed in Python, as a record set's ``ids``."""
    return tuple(sorted(set(rows)))
