"""The one place dates, times, numbers and money are written for people, in the chosen language.

Templates use the filters registered by :func:`init_app` (``|date``, ``|datetime``, ``|time``, ``|number``,
``|vnd``); Python code that writes a message (a flash, a notification, a validation message) calls the
functions of the same names. Years always have four digits and times are 24-hour, in Cần Thơ's time zone
(``BABEL_DEFAULT_TIMEZONE``). Money is the exact amount in đồng with the language's separators
(``1.500.000.000 ₫``; ``₫1,500,000,000`` in English): budgets are compared and copied, so none is rounded,
except in the compact form that crowded lists use (``1,5 tỷ ₫``), which is always shown beside or over the
exact amount. ``time_left`` says in words how long is left before a deadline (``còn 5 ngày``).

A page such as the dashboard writes hundreds of numbers, so each function looks the request's locale
up once and calls Babel with it directly, and number patterns are parsed once per process
(:func:`_number_pattern`; Babel parses a pattern given as text on every call, and caches only date
patterns). The output is what Flask-Babel's ``format_*`` functions write, character for character.
"""

from __future__ import annotations

import functools
from datetime import UTC, timedelta
from datetime import date as Date
from datetime import datetime as DateTime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import flask_babel
from babel import Locale, dates, numbers
from flask import Flask
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

# Babel patterns per language. Vietnamese writes 22/04/2025; English writes 22 Apr 2025, so neither
# reader can take the day for the month.
DATE_PATTERNS = {"vi": "dd/MM/yyyy", "en": "d MMM yyyy"}
TIME_PATTERN = "HH:mm"
DATETIME_PATTERNS = {lang: f"{p} {TIME_PATTERN}" for lang, p in DATE_PATTERNS.items()}
DATETIME_PATTERNS["en"] = f"{DATE_PATTERNS['en']}, {TIME_PATTERN}"

Number = int | float | Decimal
# Cần Thơ's time zone: "today" of a deadline given as a day is the city's today.
LOCAL_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
# Compact money: the largest unit that leaves at least 1 once rounded to one decimal (as "1,5 tỷ" is typed).
COMPACT_UNITS = (
    (10**12, _l("%(number)s trillion ₫")),
    (10**9, _l("%(number)s billion ₫")),
    (10**6, _l("%(number)s million ₫")),
    (10**3, _l("%(number)s thousand ₫")),
)
_TENTH = Decimal("0.1")


def _language(locale: Locale) -> str:
    return locale.language if locale.language in DATE_PATTERNS else "vi"


@functools.lru_cache(maxsize=64)
def _number_pattern(pattern: str) -> numbers.NumberPattern:
    """A number pattern parsed once: the parsed form does not depend on the locale."""
    return numbers.parse_pattern(pattern)


def _decimal(value: Number, pattern: str | None, locale: Locale) -> str:
    """``flask_babel.format_decimal`` with a parsed pattern (None: the locale's own)."""
    parsed = None if pattern is None else _number_pattern(pattern)
    return numbers.format_decimal(value, format=parsed, locale=locale)


def date(value: Date | DateTime | None) -> str:
    """A day: ``22/04/2025`` (Vietnamese), ``22 Apr 2025`` (English); a datetime gives its local day."""
    if value is None:
        return ""
    locale = flask_babel.get_locale()
    if isinstance(value, DateTime):
        value = flask_babel.to_user_timezone(value)
    return dates.format_date(value, DATE_PATTERNS[_language(locale)], locale=locale)


def datetime(value: DateTime | None) -> str:
    """A moment in Cần Thơ's time: ``22/04/2025 09:00`` (Vietnamese), ``22 Apr 2025, 09:00`` (English)."""
    if value is None:
        return ""
    if not isinstance(value, DateTime):
        return date(value)
    locale = flask_babel.get_locale()
    pattern = DATETIME_PATTERNS[_language(locale)]
    return dates.format_datetime(
        value, pattern, tzinfo=flask_babel.get_timezone(), locale=locale
    )


def time(value: DateTime | None) -> str:
    """The local time of a moment, 24-hour: ``09:00``."""
    if value is None:
        return ""
    return dates.format_time(
        value,
        TIME_PATTERN,
        tzinfo=flask_babel.get_timezone(),
        locale=flask_babel.get_locale(),
    )


def number(value: Number | None, digits: int | None = None) -> str:
    """A number with the language's separators: ``1.234,5`` / ``1,234.5``; ``digits`` fixes the decimals."""
    if value is None:
        return ""
    if digits is None:
        return _decimal(value, None, flask_babel.get_locale())
    pattern = "#,##0." + "0" * digits if digits > 0 else "#,##0"
    return _decimal(value, pattern, flask_babel.get_locale())


def vnd(amount: Number | None, compact: bool = False) -> str:
    """An amount in đồng, exact: ``1.500.000.000 ₫`` (Vietnamese), ``₫1,500,000,000`` (English).

    ``compact`` rounds to one decimal of the largest unit that fits: ``1,5 tỷ ₫`` / ``1.5 billion ₫``,
    ``250 triệu ₫``; amounts under a thousand stay exact.
    """
    if amount is None:
        return ""
    locale = flask_babel.get_locale()
    if compact:
        for size, pattern in COMPACT_UNITS:
            rounded = (abs(Decimal(amount)) / size).quantize(_TENTH, ROUND_HALF_UP)
            if rounded >= 1:
                written = _decimal(rounded, "#,##0.#", locale)
                return str(pattern) % {"number": ("-" if amount < 0 else "") + written}
    # Babel puts a no-break space before ₫; a plain one reads the same and is what people type and search.
    return numbers.format_currency(amount, "VND", locale=locale).replace("\xa0", " ")


def time_left(deadline: Date | DateTime | None, now: DateTime | None = None) -> str:
    """How long is left before ``deadline``, in words: ``còn 5 ngày``, ``còn 3 giờ``, ``còn 20 phút``.

    A moment counts whole days, then whole hours, then minutes from ``now`` (default: this moment); a
    day (no time) counts days in Cần Thơ, its last one being ``hết hạn hôm nay`` (closes today). A deadline
    already past is ``đã hết hạn`` (closed). A naive moment is taken as UTC, as the database stores it.
    """
    if deadline is None:
        return ""
    now = now or DateTime.now(UTC)
    if not isinstance(deadline, DateTime):
        days = (deadline - now.astimezone(LOCAL_ZONE).date()).days
        if days < 0:
            return _("closed")
        if days == 0:
            return _("closes today")
        return ngettext("%(num)d day left", "%(num)d days left", days)
    if deadline.tzinfo is None:
        deadline = deadline.replace(tzinfo=UTC)
    left = deadline - now
    if left <= timedelta(0):
        return _("closed")
    if left >= timedelta(days=1):
        return ngettext("%(num)d day left", "%(num)d days left", left.days)
    if left >= timedelta(hours=1):
        hours = left // timedelta(hours=1)
        return ngettext("%(num)d hour left", "%(num)d hours left", hours)
    minutes = max(1, left // timedelta(minutes=1))
    return ngettext("%(num)d minute left", "%(num)d minutes left", minutes)


FILTERS = {
    "date": date,
    "datetime": datetime,
    "time": time,
    "number": number,
    "vnd": vnd,
    "time_left": time_left,
}


def init_app(app: Flask) -> None:
    """Register the filters; Flask-Babel's own (``dateformat`` ...) stay, but templates do not use them."""
    app.jinja_env.filters.update(FILTERS)
