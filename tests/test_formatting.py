"""Dates, times, numbers and money written in one style per language, and only through matchmaker.formatting."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from flask_babel import force_locale

from matchmaker import formatting

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# 02:00 UTC is 09:00 in Cần Thơ (UTC+7).
MOMENT = datetime(2025, 4, 22, 2, 0, tzinfo=UTC)

EXPECTED = {
    "vi": {
        "date": "22/04/2025",
        "datetime": "22/04/2025 09:00",
        "time": "09:00",
        "number": "1.234.567,5",
        "score": "100,40",
        "vnd": "1.500.000.000 ₫",
    },
    "en": {
        "date": "22 Apr 2025",
        "datetime": "22 Apr 2025, 09:00",
        "time": "09:00",
        "number": "1,234,567.5",
        "score": "100.40",
        "vnd": "₫1,500,000,000",
    },
}


@pytest.mark.parametrize("language", ["vi", "en"])
def test_formatting_writes_each_kind_in_the_language(ctx, language):
    with force_locale(language):
        written = {
            "date": formatting.date(date(2025, 4, 22)),
            "datetime": formatting.datetime(MOMENT),
            "time": formatting.time(MOMENT),
            "number": formatting.number(1234567.5),
            "score": formatting.number(Decimal("100.4"), 2),
            "vnd": formatting.vnd(1_500_000_000),
        }
    assert written == EXPECTED[language]


def test_formatting_gives_the_day_in_can_tho(ctx):
    late_evening_utc = datetime(
        2025, 12, 31, 20, 0, tzinfo=UTC
    )  # 03:00 on 1 January in Cần Thơ
    assert formatting.date(late_evening_utc) == "01/01/2026"
    assert formatting.datetime(late_evening_utc) == "01/01/2026 03:00"


def test_formatting_writes_nothing_for_no_value(ctx):
    values = [formatting.date(None), formatting.datetime(None), formatting.time(None)]
    values += [formatting.number(None), formatting.vnd(None)]
    assert values == ["", "", "", "", ""]


def test_formatting_writes_whole_numbers_and_small_amounts(ctx):
    assert formatting.number(2026) == "2.026"  # a count; years are printed as they are
    assert formatting.number(0.5, 0) == "0"
    assert formatting.vnd(999) == "999 ₫" and formatting.vnd(0) == "0 ₫"


def test_templates_use_the_filters(app):
    assert {"date", "datetime", "time", "number", "vnd"} <= set(app.jinja_env.filters)
    page = app.jinja_env.from_string("{{ d|date }} · {{ n|number(1) }} · {{ m|vnd }}")
    with app.test_request_context():
        text = page.render(d=date(2026, 10, 24), n=100.44, m=2_000_000)
    assert text == "24/10/2026 · 100,4 · 2.000.000 ₫"


# Writing a date or number without the filters: Python's own formats, or Flask-Babel's filters with the
# language's short patterns (two-digit years). Keys such as 'deliver-%d'|format(id) are not shown to people.
FORBIDDEN = {
    "strftime": re.compile(r"strftime"),
    "isoformat": re.compile(r"isoformat"),
    "Flask-Babel filter (use |date, |datetime, |time, |number, |vnd)": re.compile(
        r"\|\s*(?:date|datetime|time|timedelta|number|decimal|currency|percent|scientific)format\b"
    ),
    "printf number (use |number(digits))": re.compile(r"%[-+ 0#]*\d*\.\d+[fFeEgG]"),
    "round (use |number(digits))": re.compile(r"\|\s*round\b"),
}


def test_templates_write_dates_and_numbers_only_through_the_filters():
    problems = []
    for path in sorted(TEMPLATES.rglob("*")):
        if path.suffix not in {".html", ".txt"}:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for what, pattern in FORBIDDEN.items():
                if pattern.search(line):
                    problems.append(f"{path.relative_to(TEMPLATES)}:{number}: {what}")
    assert not problems, "\n".join(problems)
