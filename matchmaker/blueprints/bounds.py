"""Bounds for every number and date a form accepts, one per kind of value, each within what its column stores.

Every numeric field of every form carries a :class:`Bounded` validator (a ``NumberRange`` with both ends and
a message in the user's language), and every date field a :class:`DateWithin`; a test walks the forms and
fails on a field without them or with a bound its database column cannot hold. Cross-field checks (an end
after its start, tranches within the contract) are here too, so the forms share one wording.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from wtforms.validators import NumberRange, ValidationError

from matchmaker.formatting import date as format_date
from matchmaker.formatting import number as format_decimal

INT4_MAX = 2**31 - 1  # sa.Integer on PostgreSQL
BIGINT_MAX = 2**63 - 1  # sa.BigInteger
# Money in đồng (BigInteger columns): a million billion đồng, far above any city task or enterprise need.
MONEY_MAX = 10**15
YEAR_MIN, YEAR_MAX = 1900, 2100
MONTHS_MAX = 120
# Dates the platform records: contracts, decisions, milestones, payments and deadlines of the city's
# S&T tasks, whose oldest records date from 1975.
DATE_MIN, DATE_MAX = date(1975, 1, 1), date(2100, 12, 31)
# A contract's last tranche (the settlement after acceptance) may fall due after its end date.
SETTLEMENT_GRACE = timedelta(days=365)

MESSAGES = {
    "money": _l("Enter an amount from %(min)s to %(max)s đồng."),
    "percent": _l("Enter a percentage from %(min)s to %(max)s."),
    "year": _l("Enter a year from %(min)s to %(max)s."),
    "months": _l("Enter a number of months from %(min)s to %(max)s."),
    "count": _l("Enter a whole number from %(min)s to %(max)s."),
}


class Bounded(NumberRange):
    """A number from ``min`` to ``max`` (both required), refused with a message naming the range in words."""

    def __init__(self, min: int, max: int, kind: str = "count") -> None:  # noqa: A002 - NumberRange's names
        if min is None or max is None or kind not in MESSAGES:
            raise ValueError("a bounded number needs both ends and a known kind")
        super().__init__(min=min, max=max)
        self.kind = kind

    def __call__(self, form, field) -> None:
        data = field.data
        if field.process_errors or (data is not None and self.min <= data <= self.max):
            return  # a value that could not be read already says what to type
        write = str if self.kind == "year" else format_decimal  # 2026, not 2.026
        raise ValidationError(
            str(MESSAGES[self.kind]) % {"min": write(self.min), "max": write(self.max)}
        )


def money(low: int = 0, high: int = MONEY_MAX) -> Bounded:
    """An amount in đồng, ``low`` to ``high`` (at most :data:`MONEY_MAX`)."""
    return Bounded(low, min(high, MONEY_MAX), "money")


def percent() -> Bounded:
    return Bounded(0, 100, "percent")


def year(low: int = YEAR_MIN, high: int = YEAR_MAX) -> Bounded:
    return Bounded(max(low, YEAR_MIN), min(high, YEAR_MAX), "year")


def months(low: int = 1, high: int = MONTHS_MAX) -> Bounded:
    return Bounded(low, high, "months")


def count(low: int, high: int) -> Bounded:
    return Bounded(low, min(high, INT4_MAX), "count")


class DateWithin:
    """A date (or date and time) from :data:`DATE_MIN` to :data:`DATE_MAX`: no contract is due in year 1."""

    def __init__(self, low: date = DATE_MIN, high: date = DATE_MAX) -> None:
        self.min, self.max = low, high

    def __call__(self, form, field) -> None:
        value = field.data
        if value is None:
            return
        day = value.date() if isinstance(value, datetime) else value
        if not self.min <= day <= self.max:
            raise ValidationError(
                _l(
                    "Enter a date from %(min)s to %(max)s.",
                    min=format_date(self.min),
                    max=format_date(self.max),
                )
            )


def dates() -> DateWithin:
    return DateWithin()


def check_period(start: date | None, end: date | None) -> str | None:
    """Why ``end`` cannot close a period opened on ``start``, or None."""
    if start is not None and end is not None and end <= start:
        return str(_l("The end date comes after the start date."))
    return None


def check_tranches(
    tranches: list[dict], start: date | None, end: date | None
) -> str | None:
    """Why a payment schedule does not fit its contract (amounts, due dates within the period), or None."""
    if check_period(start, end):
        start = end = (
            None  # the period itself is refused: say that, not that every tranche is outside it
        )
    for number, tranche in enumerate(tranches, start=1):
        amount, due = tranche.get("amount"), tranche.get("due_date")
        if not isinstance(amount, int) or not 0 < amount <= MONEY_MAX:
            return str(
                _l(
                    "Tranche %(n)s: enter an amount from 1 to %(max)s đồng.",
                    n=number,
                    max=format_decimal(MONEY_MAX),
                )
            )
        if due is None:
            continue
        if not DATE_MIN <= due <= DATE_MAX:
            return str(
                _l(
                    "Tranche %(n)s: enter a due date from %(min)s to %(max)s.",
                    n=number,
                    min=format_date(DATE_MIN),
                    max=format_date(DATE_MAX),
                )
            )
        if (start and due < start) or (end and due > end + SETTLEMENT_GRACE):
            return str(
                _l(
                    "Tranche %(n)s is due on %(due)s: tranches are due from the contract's start "
                    "(%(start)s) to one year after its end (%(end)s).",
                    n=number,
                    due=format_date(due),
                    start=format_date(start) if start else "…",
                    end=format_date(end) if end else "…",
                )
            )
    return None


def row_id(text: str) -> int:
    """A row id read from a query string or form (``type=row_id``): 1 to ``MAX_ROW_ID``, else ValueError.

    With ``request.args.get(name, type=row_id)`` an id no column can hold is the same as no id.
    """
    from matchmaker.blueprints import MAX_ROW_ID

    value = int(text)
    if not 1 <= value <= MAX_ROW_ID:
        raise ValueError(text)
    return value
