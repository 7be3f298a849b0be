"""Validators for the fields an action records: text, dates, deadlines, amounts and payment tranches."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from matchmaker.lifecycle.errors import INVALID_FIELD, TransitionRefused
from matchmaker.lifecycle.states import SelectionMethod

# Vietnam keeps UTC+7 all year; a decision dated "today" in Cần Thơ may be tomorrow in UTC.
VIETNAM_TZ = timezone(timedelta(hours=7), "ICT")


@dataclass(frozen=True)
class Tranche:
    """One payment of a contract (đợt cấp kinh phí), in whole VND."""

    amount: int
    due_date: date | None = None
    label: str = ""


Validator = Callable[[str, object, datetime], object]


def _refuse(field: str, reason: str, **extra: object) -> TransitionRefused:
    return TransitionRefused(INVALID_FIELD, {"field": field, "reason": reason, **extra})


def is_blank(value: object) -> bool:
    """Whether a submitted value counts as absent (``None`` or a blank string)."""
    return value is None or (isinstance(value, str) and not value.strip())


def text(field: str, value: object, now: datetime) -> str:
    """Non-blank text, stripped."""
    if not isinstance(value, str):
        raise _refuse(field, "not_text")
    return value.strip()


def calendar_date(field: str, value: object, now: datetime) -> date:
    """A :class:`date` (a datetime is refused: dates and instants are not interchangeable)."""
    if not isinstance(value, date) or isinstance(value, datetime):
        raise _refuse(field, "not_a_date")
    return value


def past_date(field: str, value: object, now: datetime) -> date:
    """A date no later than today in Vietnam."""
    day = calendar_date(field, value, now)
    today = now.astimezone(VIETNAM_TZ).date()
    if day > today:
        raise _refuse(field, "in_future", today=today)
    return day


def aware_datetime(field: str, value: object, now: datetime) -> datetime:
    """A timezone-aware :class:`datetime`."""
    if not isinstance(value, datetime):
        raise _refuse(field, "not_a_datetime")
    if value.tzinfo is None or value.utcoffset() is None:
        raise _refuse(field, "naive_datetime")
    return value


def future_datetime(field: str, value: object, now: datetime) -> datetime:
    """A timezone-aware instant strictly after ``now``."""
    moment = aware_datetime(field, value, now)
    if moment <= now:
        raise _refuse(field, "not_in_future", now=now)
    return moment


def positive_int(field: str, value: object, now: datetime) -> int:
    """A whole number above zero (an amount in VND); floats and booleans are refused."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise _refuse(field, "not_an_integer")
    if value <= 0:
        raise _refuse(field, "not_positive")
    return value


def selection_method(field: str, value: object, now: datetime) -> SelectionMethod:
    """A :class:`SelectionMethod` or its string value."""
    try:
        return SelectionMethod(value)
    except ValueError:
        choices = [method.value for method in SelectionMethod]
        raise _refuse(field, "unknown_choice", choices=choices) from None


def _tranche(field: str, index: int, item: object) -> Tranche:
    if isinstance(item, Mapping):
        item = Tranche(
            amount=item.get("amount"),  # type: ignore[arg-type]
            due_date=item.get("due_date"),  # type: ignore[arg-type]
            label=item.get("label") or "",  # type: ignore[arg-type]
        )
    if not isinstance(item, Tranche):
        raise _refuse(field, "invalid_tranche", index=index)
    amount, due = item.amount, item.due_date
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise _refuse(field, "invalid_tranche", index=index)
    if due is not None and (not isinstance(due, date) or isinstance(due, datetime)):
        raise _refuse(field, "invalid_tranche", index=index)
    if not isinstance(item.label, str):
        raise _refuse(field, "invalid_tranche", index=index)
    return item


def tranches(field: str, value: object, now: datetime) -> tuple[Tranche, ...]:
    """A non-empty list of :class:`Tranche` or mappings with ``amount``, ``due_date``, ``label``."""
    if not isinstance(value, list | tuple):
        raise _refuse(field, "not_a_list")
    if not value:
        raise _refuse(field, "empty")
    return tuple(_tranche(field, index, item) for index, item in enumerate(value))


VALIDATORS: Mapping[str, Validator] = {
    "text": text,
    "date": calendar_date,
    "past_date": past_date,
    "aware_datetime": aware_datetime,
    "future_datetime": future_datetime,
    "positive_int": positive_int,
    "selection_method": selection_method,
    "tranches": tranches,
}
