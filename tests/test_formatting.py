"""Dates, times, numbers and money written in one style per language, and only through matchmaker.formatting."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import babel.numbers
import flask_babel
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


@pytest.mark.parametrize("language", ["vi", "en"])
def test_formatting_writes_what_flask_babel_writes(ctx, language):
    # The functions call Babel directly with a parsed pattern: the text must not change by a byte.
    numbers = [
        0,
        7,
        -1234,
        2026,
        1234567.5,
        0.005,
        -0.25,
        Decimal("100.4"),
        Decimal("-9.99"),
    ]
    moments = [MOMENT, datetime(2025, 12, 31, 20, 0, tzinfo=UTC), datetime(2025, 6, 1)]
    with force_locale(language):
        pattern = formatting.DATE_PATTERNS[language]
        both = [(formatting.number(n), flask_babel.format_decimal(n)) for n in numbers]
        for digits, pattern_n in ((0, "#,##0"), (2, "#,##0.00")):
            both += [
                (formatting.number(n, digits), flask_babel.format_decimal(n, pattern_n))
                for n in numbers
            ]
        both += [
            (
                formatting.vnd(n),
                flask_babel.format_currency(n, "VND").replace("\xa0", " "),
            )
            for n in numbers
        ]
        both += [
            (formatting.date(m), flask_babel.format_date(m, pattern)) for m in moments
        ]
        with_time = formatting.DATETIME_PATTERNS[language]
        both += [
            (formatting.datetime(m), flask_babel.format_datetime(m, with_time))
            for m in moments
        ]
        both += [
            (formatting.time(m), flask_babel.format_time(m, "HH:mm")) for m in moments
        ]
    assert [ours for ours, _ in both] == [theirs for _, theirs in both]


def test_number_patterns_are_parsed_once(ctx, monkeypatch):
    parsed: list[str] = []
    parse = babel.numbers.parse_pattern

    def counting(pattern):
        # Only text is parsed; a parsed pattern passed back in is returned as it is.
        if isinstance(pattern, str):
            parsed.append(pattern)
        return parse(pattern)

    monkeypatch.setattr(babel.numbers, "parse_pattern", counting)
    for language in ("vi", "en"):
        with force_locale(language):
            for n in range(200):
                formatting.number(n * 1.5, 1)
                formatting.number(n, 0)
                formatting.vnd(n * 10**6, compact=True)
                formatting.vnd(n)
    # Once per process (none if an earlier test parsed them), not once per number.
    assert len(parsed) == len(set(parsed))
    assert set(parsed) <= {"#,##0", "#,##0.#", "#,##0.0"}


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


AWARD = {
    "contract_number": "07/HĐ-SKHCN", "contract_value": 1_500_000_000,
    "start_date": date(2026, 11, 1), "end_date": date(2028, 6, 30),
    "payment_schedule": [{"amount": 1_500_000_000, "due_date": date(2027, 12, 1), "label": "Đợt 1"}],
}  # fmt: skip
TWO_DIGIT_YEAR = re.compile(r"\b\d{1,2}/\d{1,2}/\d{2}\b")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def _text(page: str) -> str:
    """What a reader sees: the page without its tags (date inputs carry ISO values, as HTML requires)."""
    return re.sub(r"<[^>]+>", " ", page)


def test_work_page_writes_dates_and_money_in_vietnamese(
    client, auth, make_awarded_order, pi
):
    start = datetime(2026, 10, 1, 2, 0, tzinfo=UTC)
    order = make_awarded_order(
        start,
        start + timedelta(days=14),
        start + timedelta(days=16),
        AWARD,
        pi=pi,
        started=True,
    )
    auth.login(pi.email)
    text = _text(client.get(f"/orders/{order.id}/work").get_data(as_text=True))
    assert "01/11/2026 – 30/06/2028" in text and "01/12/2027" in text
    assert "1.500.000.000 ₫" in text
    assert not TWO_DIGIT_YEAR.search(text) and not ISO_DATE.search(text)
    page = _text(client.get(f"/orders/{order.id}").get_data(as_text=True))
    assert "15/10/2026 09:00" in page  # the application deadline, in Cần Thơ time
    assert not TWO_DIGIT_YEAR.search(page) and not ISO_DATE.search(page)


# --- time left before a deadline, and compact money -----------------------------------------------------------

DEADLINE = datetime(2030, 1, 15, 10, 0, tzinfo=UTC)  # 17:00 in Cần Thơ


@pytest.mark.parametrize(
    "before, vi, en",
    [
        (timedelta(days=5), "còn 5 ngày", "5 days left"),
        (timedelta(days=1, hours=23), "còn 1 ngày", "1 day left"),
        (timedelta(days=1), "còn 1 ngày", "1 day left"),
        (timedelta(hours=23, minutes=59), "còn 23 giờ", "23 hours left"),
        (timedelta(hours=3), "còn 3 giờ", "3 hours left"),
        (timedelta(hours=1), "còn 1 giờ", "1 hour left"),
        (timedelta(minutes=59), "còn 59 phút", "59 minutes left"),
        (timedelta(seconds=20), "còn 1 phút", "1 minute left"),
        (timedelta(0), "đã hết hạn", "closed"),
        (-timedelta(hours=1), "đã hết hạn", "closed"),
    ],
)
def test_time_left_before_a_moment_at_the_boundaries(ctx, before, vi, en):
    now = DEADLINE - before
    with force_locale("vi"):
        assert formatting.time_left(DEADLINE, now) == vi
    with force_locale("en"):
        assert formatting.time_left(DEADLINE, now) == en


def test_time_left_takes_a_stored_naive_moment_as_utc(ctx):
    naive = DEADLINE.replace(tzinfo=None)
    assert formatting.time_left(naive, DEADLINE - timedelta(hours=3)) == "còn 3 giờ"


@pytest.mark.parametrize(
    "now, vi",
    [
        # 16:59 UTC on the 14th is 23:59 on the 14th in Cần Thơ: the day due is tomorrow there.
        (datetime(2030, 1, 14, 16, 59, tzinfo=UTC), "còn 1 ngày"),
        # 17:00 UTC on the 14th is already the 15th in Cần Thơ.
        (datetime(2030, 1, 14, 17, 0, tzinfo=UTC), "hết hạn hôm nay"),
        (datetime(2030, 1, 15, 16, 59, tzinfo=UTC), "hết hạn hôm nay"),
        (datetime(2030, 1, 15, 17, 0, tzinfo=UTC), "đã hết hạn"),
        (datetime(2030, 1, 10, 2, 0, tzinfo=UTC), "còn 5 ngày"),
    ],
)
def test_time_left_before_a_day_counts_days_in_can_tho(ctx, now, vi):
    assert formatting.time_left(date(2030, 1, 15), now) == vi


def test_time_left_of_nothing_is_empty(ctx):
    assert formatting.time_left(None) == ""


@pytest.mark.parametrize(
    "amount, vi, en",
    [
        (1_500_000_000, "1,5 tỷ ₫", "1.5 billion ₫"),
        (2_000_000_000, "2 tỷ ₫", "2 billion ₫"),
        (250_000_000, "250 triệu ₫", "250 million ₫"),
        (1_234_567_890, "1,2 tỷ ₫", "1.2 billion ₫"),
        (
            999_960_000,
            "1 tỷ ₫",
            "1 billion ₫",
        ),  # rounds up into the next unit, never "1.000 triệu"
        (949_000_000, "949 triệu ₫", "949 million ₫"),
        (12_500_000_000_000, "12,5 nghìn tỷ ₫", "12.5 trillion ₫"),
        (800_000, "800 nghìn ₫", "800 thousand ₫"),
        (-1_500_000_000, "-1,5 tỷ ₫", "-1.5 billion ₫"),
        (500, "500 ₫", "₫500"),
        (0, "0 ₫", "₫0"),
    ],
)
def test_vnd_compact_rounds_to_the_largest_unit(ctx, amount, vi, en):
    with force_locale("vi"):
        assert formatting.vnd(amount, compact=True) == vi
    with force_locale("en"):
        assert formatting.vnd(amount, compact=True) == en
    assert (
        formatting.vnd(amount) != formatting.vnd(amount, compact=True)
        or abs(amount) < 1000
    )
