"""The one place dates, times, numbers and money are written for people, in the chosen language.

Templates use the filters registered by :func:`init_app` (``|date``, ``|datetime``, ``|time``, ``|number``,
``|vnd``); Python code that writes a message (a flash, a notification, a validation message) calls the
functions of the same names. Years always have four digits and times are 24-hour, in Cần Thơ's time zone
(``BABEL_DEFAULT_TIMEZONE``). Money is the exact amount in đồng with the language's separators
(``1.500.000.000 ₫``; ``₫1,500,000,000`` in English): budgets are compared and copied, so none is rounded.
"""

from __future__ import annotations

from datetime import date as Date
from datetime import datetime as DateTime
from decimal import Decimal

import flask_babel
from flask import Flask

# Babel patterns per language. Vietnamese writes 22/04/2025; English writes 22 Apr 2025, so neither
# reader can take the day for the month.
DATE_PATTERNS = {"vi": "dd/MM/yyyy", "en": "d MMM yyyy"}
TIME_PATTERN = "HH:mm"
DATETIME_PATTERNS = {lang: f"{p} {TIME_PATTERN}" for lang, p in DATE_PATTERNS.items()}
DATETIME_PATTERNS["en"] = f"{DATE_PATTERNS['en']}, {TIME_PATTERN}"

Number = int | float | Decimal


def _language() -> str:
    language = flask_babel.get_locale().language
    return language if language in DATE_PATTERNS else "vi"


def date(value: Date | DateTime | None) -> str:
    """A day: ``22/04/2025`` (Vietnamese), ``22 Apr 2025`` (English); a datetime gives its local day."""
    if value is None:
        return ""
    return flask_babel.format_date(value, DATE_PATTERNS[_language()])


def datetime(value: DateTime | None) -> str:
    """A moment in Cần Thơ's time: ``22/04/2025 09:00`` (Vietnamese), ``22 Apr 2025, 09:00`` (English)."""
    if value is None:
        return ""
    if not isinstance(value, DateTime):
        return date(value)
    return flask_babel.format_datetime(value, DATETIME_PATTERNS[_language()])


def time(value: DateTime | None) -> str:
    """The local time of a moment, 24-hour: ``09:00``."""
    if value is None:
        return ""
    return flask_babel.format_time(value, TIME_PATTERN)


def number(value: Number | None, digits: int | None = None) -> str:
    """A number with the language's separators: ``1.234,5`` / ``1,234.5``; ``digits`` fixes the decimals."""
    if value is None:
        return ""
    if digits is None:
        return flask_babel.format_decimal(value)
    pattern = "#,##0." + "0" * digits if digits > 0 else "#,##0"
    return flask_babel.format_decimal(value, pattern)


def vnd(amount: Number | None) -> str:
    """An amount in đồng, exact: ``1.500.000.000 ₫`` (Vietnamese), ``₫1,500,000,000`` (English)."""
    if amount is None:
        return ""
    # Babel puts a no-break space before ₫; a plain one reads the same and is what people type and search.
    return flask_babel.format_currency(amount, "VND").replace("\xa0", " ")


FILTERS = {
    "date": date,
    "datetime": datetime,
    "time": time,
    "number": number,
    "vnd": vnd,
}


def init_app(app: Flask) -> None:
    """Register the filters; Flask-Babel's own (``dateformat`` ...) stay, but templates do not use them."""
    app.jinja_env.filters.update(FILTERS)
