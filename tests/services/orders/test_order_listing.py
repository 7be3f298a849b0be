"""The orders list: open calls first by closing time, then the most recently changed; sorting; filters."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import (
    Disbursement,
    InstitutionKind,
    Milestone,
    Role,
    Tranche,
    User,
)
from matchmaker.services.orders import work as progress
from matchmaker.services.orders.listing import OrderFilters, list_orders

# 02:00 UTC is 09:00 in Cần Thơ.
NOW = datetime(2030, 1, 10, 2, 0, tzinfo=UTC)
TODAY = date(2030, 1, 10)


def _titles(listing) -> list[str]:
    return [row.order.title for row in listing.rows]


def _ago(**delta) -> datetime:
    return NOW - timedelta(**delta)


def _pay(order, amount: int) -> None:
    tranche = Tranche(order_id=order.id, number=1, planned_amount=amount * 2)
    db.session.add(tranche)
    db.session.flush()
    db.session.add(
        Disbursement(
            tranche_id=tranche.id, amount=amount, disbursed_on=TODAY, reference="UNC-1"
        )
    )
    db.session.commit()


def _overdue_milestone(order) -> None:
    db.session.add(
        Milestone(order_id=order.id, title="Báo cáo giữa kỳ", due_date=date(2030, 1, 2))
    )
    db.session.commit()


@pytest.fixture
def mixed(make_order):
    """Two open calls, a published order whose deadline has passed, a running order and a draft."""
    return {
        "later": make_order("Mở, đóng sau", application_deadline=NOW + timedelta(days=5), updated_at=_ago(days=9)),
        "sooner": make_order("Mở, đóng trước", application_deadline=NOW + timedelta(hours=2), updated_at=_ago(days=8)),
        "passed": make_order("Hết hạn nộp", application_deadline=_ago(days=1), updated_at=_ago(days=3)),
        "running": make_order("Đang làm", state="in_progress", application_deadline=_ago(days=90), updated_at=_ago(hours=1)),
        "draft": make_order("Bản nháp", state="draft", application_deadline=None, updated_at=_ago(days=2)),
    }  # fmt: skip


def test_open_calls_come_first_soonest_closing_then_most_recently_changed(
    mixed, official
):
    listing = list_orders(official, now=NOW)
    assert _titles(listing) == [
        "Mở, đóng trước",
        "Mở, đóng sau",
        "Đang làm",
        "Bản nháp",
        "Hết hạn nộp",
    ]
    assert [row.is_open_call for row in listing.rows] == [
        True,
        True,
        False,
        False,
        False,
    ]


def test_the_public_default_is_the_same_without_unpublished_orders(mixed, make_user):
    for viewer in (None, make_user(Role.RESEARCHER)):
        listing = list_orders(viewer, now=NOW)
        assert _titles(listing) == [
            "Mở, đóng trước",
            "Mở, đóng sau",
            "Đang làm",
            "Hết hạn nộp",
        ]


def test_open_calls_only(mixed, make_user):
    listing = list_orders(
        make_user(Role.RESEARCHER), OrderFilters(open_only=True), now=NOW
    )
    assert _titles(listing) == ["Mở, đóng trước", "Mở, đóng sau"]


@pytest.fixture
def three(make_order, make_institution, places):
    """Three orders with a different place in every sort."""
    ban = make_institution(
        "ban", "Ban Quản lý khu công nghệ cao", InstitutionKind.AGENCY
    )
    ubnd = make_institution("ubnd", "UBND phường Ninh Kiều", InstitutionKind.AGENCY)
    x = make_order(
        "Bê tông tro trấu",
        agency_id=places["so"].id,
        application_deadline=NOW + timedelta(days=10),
        state_budget=3_000_000_000,
        updated_at=_ago(days=1),
    )
    y = make_order(
        "Ấp trứng cá tra",
        agency_id=ban.id,
        state="in_progress",
        application_deadline=NOW + timedelta(days=1),
        state_budget=1_000_000_000,
        updated_at=_ago(days=5),
    )
    z = make_order("Cá tra giống", agency_id=ubnd.id, state="awarded", application_deadline=None,
                   state_budget=None, updated_at=_ago(days=2))  # fmt: skip
    _pay(y, 500_000_000)
    _pay(z, 200_000_000)
    return x, y, z


X, Y, Z = "Bê tông tro trấu", "Ấp trứng cá tra", "Cá tra giống"
SORTED = {
    # key: (ascending, descending); missing deadlines and budgets stay last both ways.
    "title": ([Y, X, Z], [Z, X, Y]),  # Ấp < Bê < Cá, accents ignored
    "agency": ([Y, X, Z], [Z, X, Y]),  # Ban < Sở < UBND
    "state": (
        [X, Z, Y],
        [Y, Z, X],
    ),  # published, awarded, in progress: the lifecycle's order
    "deadline": ([Y, X, Z], [X, Y, Z]),
    "budget": ([Y, X, Z], [X, Y, Z]),
    "disbursed": ([X, Z, Y], [Y, Z, X]),
    "changed": ([Y, Z, X], [X, Z, Y]),
}


@pytest.mark.parametrize("key", SORTED)
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_each_sort_key_both_ways(three, official, key, direction):
    listing = list_orders(
        official, OrderFilters(sort=key, direction=direction), now=NOW
    )
    assert _titles(listing) == SORTED[key][direction == "desc"]
    assert (listing.sort, listing.direction) == (key, direction)
    assert listing.aria_sort(key) == (
        "ascending" if direction == "asc" else "descending"
    )
    assert listing.direction_after(key) == ("desc" if direction == "asc" else "asc")


@pytest.mark.parametrize(
    "sort, direction",
    [
        ("password", "asc"),
        ("title; drop table", "desc"),
        ("", "sideways"),
        ("__class__", ""),
        ("x" * 5000, "asc"),
    ],
)
def test_an_unknown_sort_falls_back_to_the_default(three, official, sort, direction):
    listing = list_orders(
        official, OrderFilters(sort=sort, direction=direction), now=NOW
    )
    assert _titles(listing) == _titles(list_orders(official, now=NOW))
    assert listing.sort == "" and listing.link_params() == {}


def test_a_known_sort_with_a_bad_direction_takes_its_natural_one(three, official):
    listing = list_orders(
        official, OrderFilters(sort="disbursed", direction="up"), now=NOW
    )
    assert listing.direction == "desc" and _titles(listing) == SORTED["disbursed"][1]


@pytest.mark.parametrize("key", ["budget", "disbursed"])
def test_the_public_cannot_sort_by_money(three, make_user, key):
    viewer = make_user(Role.RESEARCHER)
    listing = list_orders(viewer, OrderFilters(sort=key, direction="desc"), now=NOW)
    assert listing.sort == "" and _titles(listing) == _titles(
        list_orders(viewer, now=NOW)
    )
    assert all(row.disbursed is None and row.schedule is None for row in listing.rows)


def test_officials_get_the_amount_disbursed_of_each_row(three, official):
    rows = {
        row.order.title: row.disbursed for row in list_orders(official, now=NOW).rows
    }
    assert rows == {X: 0, Y: 500_000_000, Z: 200_000_000}


def test_sort_and_filters_are_kept_in_the_links(three, official, places):
    filters = OrderFilters(
        text="tro",
        agency_id=places["so"].id,
        open_only=True,
        sort="title",
        direction="desc",
    )
    listing = list_orders(official, filters, now=NOW)
    assert _titles(listing) == [X]
    assert listing.link_params() == {
        "q": "tro",
        "agency": places["so"].id,
        "open": "1",
        "sort": "title",
        "dir": "desc",
    }
    # A header link keeps the filters, starts again at page 1 and sorts by its column.
    assert listing.sort_params("budget") == {"q": "tro", "agency": places["so"].id, "open": "1", "sort": "budget", "dir": "desc"}  # fmt: skip


def test_filters_by_agency(three, official, places):
    listing = list_orders(official, OrderFilters(agency_id=places["so"].id), now=NOW)
    assert _titles(listing) == [X]


def test_pages_keep_the_sort(make_order, official):
    for n in range(5):
        make_order(f"Nhiệm vụ {n}", state_budget=(n + 1) * 100_000_000)
    filters = OrderFilters(sort="budget", direction="asc")
    first = list_orders(official, filters, page=1, per_page=2, now=NOW)
    third = list_orders(official, filters, page=3, per_page=2, now=NOW)
    assert (_titles(first), _titles(third), first.page.total) == (
        ["Nhiệm vụ 0", "Nhiệm vụ 1"],
        ["Nhiệm vụ 4"],
        5,
    )


@pytest.fixture
def schedules(make_order):
    late = make_order("Chậm", state="in_progress")
    _overdue_milestone(late)
    on_time = make_order("Đúng hạn", state="in_progress")
    closed = make_order("Đã đóng", state="closed")
    return late, on_time, closed


def test_the_schedule_column_agrees_with_schedule_status(schedules, official):
    rows = {row.order.id: row.schedule for row in list_orders(official, now=NOW).rows}
    for order in schedules:
        assert rows[order.id] == progress.schedule_status(order, TODAY)
    late, on_time, closed = schedules
    assert (
        rows[late.id].is_late and rows[late.id].reasons[0].subject == "Báo cáo giữa kỳ"
    )
    assert rows[on_time.id].applies and not rows[on_time.id].is_late
    assert not rows[closed.id].applies


def test_late_only_lists_the_late_running_orders_and_counts_them(
    schedules, official, make_order
):
    listing = list_orders(official, OrderFilters(late_only=True), now=NOW)
    assert _titles(listing) == ["Chậm"] and listing.page.total == 1


def test_late_only_is_for_officials(schedules, make_user):
    listing = list_orders(
        make_user(Role.RESEARCHER), OrderFilters(late_only=True), now=NOW
    )
    assert len(listing.rows) == 3 and "late" not in listing.link_params()


def test_a_listing_loads_its_agencies_with_the_orders(
    make_order, make_institution, official
):
    """Without the agencies' list of the page around it, 5 or 20 rows still cost the same statements."""
    for n in range(20):
        agency = make_institution(f"so-{n}", f"Sở số {n}", InstitutionKind.AGENCY)
        make_order(
            f"{'Nhóm A' if n < 5 else 'Nhóm B'} {n}",
            agency_id=agency.id,
            state="in_progress",
        )
    official_id = official.id
    counts = []
    for text in ("nhom a", ""):
        db.session.remove()
        viewer = db.session.get(User, official_id)
        statements: list[str] = []

        def count(*args, into=statements):
            into.append(args[2])

        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            listing = list_orders(viewer, OrderFilters(text=text), now=NOW)
            names = [row.order.agency.name_vi for row in listing.rows]
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        counts.append((len(names), len(statements)))
    assert counts[0][0] == 5 and counts[1][0] == 20 and counts[0][1] == counts[1][1]
