"""Type-ahead suggestions: public titles only, accents optional, bounded input, a broken index."""

from __future__ import annotations

import shutil
from datetime import date, timedelta

import pytest

from matchmaker.models import (
    Confidentiality,
    Role,
)
from matchmaker.services.enterprises import needs
from matchmaker.services.enterprises.needs import NeedInput
from matchmaker.services.orders import lifecycle as orders
from matchmaker.services.projects import registry as projects
from matchmaker.services.projects.registry import ProjectInput
from matchmaker.services.search import index as search


@pytest.fixture
def records(app, official, rep, make_published_order):
    """A solar project, a published order, and a private need of an enterprise, all through services."""
    with app.test_request_context():
        search.rebuild()
        project = projects.create_project(
            official, ProjectInput(title="Điện mặt trời áp mái", pi_name="Hồ Minh Trí")
        )
        now = orders.utcnow()
        order = make_published_order(
            now,
            now + timedelta(days=30),
            title="Điện gió ven biển Cần Thơ",
            objectives="Đo gió.",
        )
        search.sync([("order", order.id)])
        need = needs.create_need(rep, NeedInput(
            title="Điện phân bùn thải zyxwvut", description="Quy trình độc quyền qwertyab.",
            confidentiality=Confidentiality.PRIVATE,
        ), today=date(2026, 1, 1))  # fmt: skip
    return {"project": project, "order": order, "need": need}


def suggestions(client, prefix: str) -> list[str]:
    response = client.get("/search/suggest", query_string={"q": prefix})
    assert response.status_code == 200
    assert response.is_json
    return response.get_json()["suggestions"]


@pytest.mark.parametrize("prefix", ["điện", "dien", "Dien", "ĐIỆ", "die"])
def test_prefix_with_or_without_accents_suggests_public_titles(client, records, prefix):
    assert sorted(suggestions(client, prefix)) == [
        "Điện gió ven biển Cần Thơ",
        "Điện mặt trời áp mái",
    ]


def test_later_words_narrow_the_suggestions(client, records):
    assert suggestions(client, "dien mat tr") == ["Điện mặt trời áp mái"]
    assert suggestions(client, "điện gi") == ["Điện gió ven biển Cần Thơ"]
    assert suggestions(client, "dien xyzq") == []


def test_confidential_need_words_are_never_suggested(client, records):
    for prefix in ("zyxw", "qwerty", "điện phân", "dien phan", "bùn th", "Gạo V"):
        assert suggestions(client, prefix) == []
    assert all("zyxwvut" not in title for title in suggestions(client, "dien"))


@pytest.mark.parametrize(
    "prefix", ["", "   ", "đ", "d" * 10_000, "điện " * 2_000, "\x00\x1b", '"(*:-']
)
def test_empty_tiny_long_or_odd_prefixes_get_nothing(client, records, prefix):
    assert suggestions(client, prefix) == []


def test_missing_q_gets_nothing(client, records):
    response = client.get("/search/suggest")
    assert response.status_code == 200
    assert response.get_json() == {"suggestions": []}


def test_suggestions_are_not_cached_and_hold_no_user_data(client, auth, records):
    auth.login_as(Role.RESEARCHER, email="mai.private@example.com")
    response = client.get("/search/suggest?q=dien")
    assert response.headers["Cache-Control"] == "no-store"
    assert set(response.get_json()) == {"suggestions"}
    assert "mai.private" not in response.get_data(as_text=True)


def test_limit_is_bounded(app, records):
    with app.test_request_context():
        assert len(search.suggest("dien", limit=1)) == 1
        assert len(search.suggest("dien", limit=-5)) == 1
        assert len(search.suggest("dien", limit=10**9)) == 2


def test_missing_index_gets_nothing_then_recovers(app, client, records):
    with app.test_request_context():
        shutil.rmtree(search.index_path())
    assert suggestions(client, "dien") == []
    assert "Điện mặt trời áp mái" in suggestions(client, "dien")


@pytest.mark.filterwarnings("ignore:unclosed file:ResourceWarning")
def test_corrupt_index_gets_nothing(app, client, records):
    with app.test_request_context():
        for toc in search.index_path().glob("v-*/*.toc"):
            toc.write_bytes(b"\x00garbage" * 10)
        app.extensions.pop(search.EXTENSION, None)
    assert suggestions(client, "dien") == []


def test_search_page_carries_the_suggest_url(client):
    page = client.get("/search/").get_data(as_text=True)
    assert 'data-suggest-url="/search/suggest"' in page
    assert '<script src="/static/js/app.js"' in page
