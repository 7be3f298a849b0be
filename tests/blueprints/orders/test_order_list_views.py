"""The orders list page: officials' columns and sorting, the public's simpler list, a page's fixed query count."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from matchmaker.extensions import db
from matchmaker.models import (
    Disbursement,
    InstitutionKind,
    Milestone,
    Role,
    Tranche,
    utcnow,
)


def _add_work(order, paid: int, late: bool) -> None:
    tranche = Tranche(order_id=order.id, number=1, planned_amount=paid * 2)
    db.session.add(tranche)
    db.session.flush()
    db.session.add(
        Disbursement(
            tranche_id=tranche.id,
            amount=paid,
            disbursed_on=date(2026, 1, 5),
            reference="UNC",
        )
    )
    if late:
        db.session.add(
            Milestone(
                order_id=order.id, title="Báo cáo kỳ 1", due_date=date(2020, 1, 1)
            )
        )
    db.session.commit()


@pytest.fixture
def money_orders(make_order):
    published = make_order("Dự báo mặn sông Hậu", state_budget=2_900_000_000)
    running = make_order("Sấy lúa bằng trấu", state="in_progress", state_budget=1_500_000_000,
                         contract_value=1_400_000_000)  # fmt: skip
    _add_work(running, 700_000_000, late=True)
    hidden = make_order(
        "Nháp nội bộ về đê bao", state="draft", state_budget=4_400_000_000
    )
    return published, running, hidden


def test_officials_see_the_money_and_the_schedule(client, auth, money_orders):
    auth.login_as(Role.OFFICIAL)
    page = client.get("/orders/").get_data(as_text=True)
    assert "2,9 tỷ ₫" in page and 'title="2.900.000.000 ₫"' in page
    assert "1,4 tỷ ₫" in page  # contract value
    assert 'data-amount="700000000"' in page and "700 triệu ₫" in page  # disbursed
    assert "Nháp nội bộ về đê bao" in page and "4,4 tỷ ₫" in page
    assert 'data-schedule="late"' in page and "Mốc tiến độ “Báo cáo kỳ 1”" in page
    assert 'data-sort="disbursed"' in page


@pytest.mark.parametrize("role", [None, Role.RESEARCHER, Role.ENTERPRISE])
def test_the_public_never_sees_money_nor_unpublished_orders(
    client, auth, money_orders, role
):
    if role:
        auth.login_as(role)
    page = client.get("/orders/?sort=budget&dir=desc").get_data(as_text=True)
    assert "Dự báo mặn sông Hậu" in page and "Sấy lúa bằng trấu" in page
    assert "Nháp nội bộ về đê bao" not in page
    for secret in (
        "₫",
        "tỷ",
        "triệu",
        "data-money",
        "data-schedule",
        'data-sort="budget"',
        "aria-sort",
    ):
        assert secret not in page, secret
    assert "còn 29 ngày" in page or "còn 30 ngày" in page  # the open call's time left


def test_sorted_header_says_so_and_links_the_other_way(client, auth, money_orders):
    auth.login_as(Role.OFFICIAL)
    page = client.get("/orders/?sort=disbursed&dir=desc&q=s").get_data(as_text=True)
    header = re.search(
        r'<th[^>]*data-sort="disbursed"[^>]*>.*?</th>', page, flags=re.S
    ).group(0)
    assert 'aria-sort="descending"' in header and "bi-arrow-down" in header
    assert "sort=disbursed" in header and "dir=asc" in header and "q=s" in header
    assert page.count("aria-sort=") == 1


@pytest.mark.parametrize(
    "query",
    [
        "sort=%00&dir=up",
        "sort=title&dir=%27;--",
        "sort[]=x",
        "agency=abc",
        "agency=99999999999999999999",
        "page=-3&late=2",
    ],
)
def test_bad_parameters_fall_back_to_the_default_list(
    client, auth, money_orders, query
):
    auth.login_as(Role.OFFICIAL)
    response = client.get(f"/orders/?{query}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    if "sort=title" in query:  # a known column with a bad direction: its natural one
        assert 'aria-sort="ascending"' in page
    else:
        assert "aria-sort" not in page
    assert page.index("Dự báo mặn sông Hậu") < page.index(
        "Sấy lúa bằng trấu"
    )  # open call first


def test_pages_keep_the_filters_and_the_sort(client, auth, make_order):
    for n in range(22):
        make_order(f"Nhiệm vụ số {n:02d}")
    auth.login_as(Role.OFFICIAL)
    page = client.get("/orders/?q=nhiem&sort=title&dir=desc&open=1").get_data(
        as_text=True
    )
    links = re.findall(r'class="page-link" href="([^"]+)"', page)
    assert links and all(
        all(part in link for part in ("q=nhiem", "sort=title", "dir=desc", "open=1"))
        for link in links
    )
    second = client.get("/orders/?q=nhiem&sort=title&dir=desc&open=1&page=2").get_data(
        as_text=True
    )
    assert "Nhiệm vụ số 01" in second and "Nhiệm vụ số 21" not in second


def _statements(client, path: str) -> int:
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    db.session.remove()  # an empty identity map: every agency and figure must come from this request
    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


@pytest.fixture
def twenty_orders(make_order, make_institution):
    """20 orders of 20 agencies in four states, the running ones paid and some late; 5 are "nhóm A"."""
    for n in range(20):
        agency = make_institution(f"so-{n}", f"Sở số {n}", InstitutionKind.AGENCY)
        state = ("published", "in_progress", "awarded", "closed")[n % 4]
        order = make_order(f"{'Nhóm A' if n < 5 else 'Nhóm B'} nhiệm vụ {n}", agency_id=agency.id, state=state,
                           state_budget=n * 10**8, application_deadline=utcnow() + timedelta(days=n - 3))  # fmt: skip
        if state in {"in_progress", "awarded"}:
            _add_work(order, 10**8, late=n % 8 == 1)


@pytest.mark.parametrize("role", [Role.OFFICIAL, None])
@pytest.mark.parametrize("sort", ["", "&sort=disbursed&dir=desc", "&sort=agency"])
def test_a_page_of_5_or_20_orders_costs_the_same_queries(
    client, auth, twenty_orders, role, sort
):
    if role:
        auth.login_as(role)
    client.get(
        "/orders/"
    )  # warm up: the first request of a session loads more than the list
    five = _statements(client, f"/orders/?q=nhom+a{sort}")
    twenty = _statements(client, f"/orders/?q={sort}")
    assert twenty == five
