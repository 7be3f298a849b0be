"""The institutions a form offers, and the look-up that finds them by a few typed letters.

One rule (``policy.choosable_institutions``) decides both what a form's list holds and what its look-up
answers, so typing never reveals an institution the person could not have chosen from the list. The match
ignores case and accents ("can tho" finds "Cần Thơ", "dai hoc" finds "Đại học") and every typed word must
appear in the Vietnamese name, the English name or the short name.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import Institution, User
from matchmaker.services import policy, text_filter

MIN_CHARS = 2  # letters (spaces aside) before anything is looked up
LIMIT = 12  # at most this many institutions per look-up


@dataclass(frozen=True)
class Lookup:
    """What a look-up found: the institutions, whether more matched, whether the query was too short."""

    institutions: list[Institution]
    more: bool = False
    too_short: bool = False


def _choosable(user: User | None, purpose: str) -> sa.Select:
    return (
        sa.select(Institution)
        .where(policy.choosable_institutions(user, purpose))
        .order_by(Institution.name_vi, Institution.id)
    )


def list_choosable(user: User | None, purpose: str) -> list[Institution]:
    """Every institution ``user`` may choose in the form of ``purpose``, by Vietnamese name."""
    return list(db.session.scalars(_choosable(user, purpose)))


def is_long_enough(query: str | None) -> bool:
    """Whether ``query`` has enough letters (spaces aside) to look anything up."""
    return len(text_filter.query_text(query).replace(" ", "")) >= MIN_CHARS


def words_match(query: str, *columns: sa.ColumnElement) -> sa.ColumnElement[bool]:
    """Every word of ``query`` (already through ``text_filter.query_text``) is in one of ``columns``."""
    return sa.and_(*(text_filter.contains(word, *columns) for word in query.split()))


def find_choosable(
    user: User | None, purpose: str, query: str | None, limit: int = LIMIT
) -> Lookup:
    """The institutions ``user`` may choose for ``purpose`` whose names contain every word of ``query``
    (case and accents ignored), by name; at most ``limit``; nothing for a query shorter than ``MIN_CHARS``."""
    if not is_long_enough(query):
        return Lookup([], too_short=True)
    text = text_filter.query_text(query)
    stmt = _choosable(user, purpose).where(
        words_match(
            text, Institution.name_vi, Institution.name_en, Institution.short_name
        )
    )
    found = list(db.session.scalars(stmt.limit(limit + 1)))
    return Lookup(found[:limit], more=len(found) > limit)
