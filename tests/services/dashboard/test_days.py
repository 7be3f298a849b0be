"""``local_day``: the day number of an instant's date in Cần Thơ, in SQL, against Python's answer."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.lifecycle import VIETNAM_TZ
from matchmaker.services.dashboard.days import local_day

INSTANTS = [
    datetime(
        2026, 12, 31, 16, 59, 59, tzinfo=UTC
    ),  # 23:59:59 on 31 December in Cần Thơ
    datetime(2026, 12, 31, 17, 0, tzinfo=UTC),  # midnight: 1 January there
    datetime(2027, 2, 28, 3, 0, tzinfo=UTC),
    datetime(2027, 3, 1, 16, 30, tzinfo=UTC),  # 23:30 on 1 March there
    datetime(2028, 2, 29, 20, 0, tzinfo=UTC),  # 1 March 2028 there (a leap year)
]


def test_day_numbers_differ_by_the_days_between_the_local_dates(app):
    numbers = [
        db.session.scalar(
            sa.select(local_day(sa.literal(moment, sa.DateTime(timezone=True))))
        )
        for moment in INSTANTS
    ]
    dates = [moment.astimezone(VIETNAM_TZ).date() for moment in INSTANTS]
    assert [n - numbers[0] for n in numbers] == [(d - dates[0]).days for d in dates]
    assert numbers[1] - numbers[0] == 1 and numbers[4] - numbers[3] == 366
