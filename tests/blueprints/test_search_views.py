"""The search page: results, facets, sorting, paging, snippets, hints, malformed queries and a broken index."""

from __future__ import annotations

import re
import shutil
from urllib.parse import parse_qs, urlsplit

import pytest

from matchmaker.extensions import db
from matchmaker.models import Institution, InstitutionKind, Role
from matchmaker.services.projects import registry as projects
from matchmaker.services.projects.registry import ProjectInput
from matchmaker.services.search import index as search


@pytest.fixture
def catalogue(app, make_user):
    """Twelve salinity projects of two universities, and one solar project."""
    official = make_user(Role.OFFICIAL)
    ctu = Institution(
        slug="ctu", name_vi="Trường Đại học Cần Thơ", kind=InstitutionKind.UNIVERSITY
    )
    tdu = Institution(
        slug="tdu", name_vi="Trường Đại học Tây Đô", kind=InstitutionKind.UNIVERSITY
    )
    db.session.add_all([ctu, tdu])
    db.session.commit()
    made = {}
    with app.test_request_context():
        search.rebuild()
        for n in range(12):
            made[n] = projects.create_project(official, ProjectInput(
                title=f"Xâm nhập mặn vùng ven biển {n}", pi_name="Trương Hoàng Phúc",
                summary="Dự báo độ mặn <b>theo giờ</b> trên sông Hậu.",
                institution_id=(ctu if n < 9 else tdu).id, field_code="105",
                priority_area="salinity_water", start_year=2010 + n, end_year=2011 + n,
            ))  # fmt: skip
        made["solar"] = projects.create_project(
            official, ProjectInput(title="Điện mặt trời áp mái", pi_name="Hồ Minh Trí", end_year=2024)
        )  # fmt: skip
    return made


def _result_links(page: str) -> list[str]:
    block = page.split('id="search-results"')[1].split("</ol>")[0]
    return re.findall(r'href="(/projects/\d+)"', block)


def test_search_without_diacritics_finds_and_marks_matches(client, english, catalogue):
    response = client.get("/search/?q=dien mat troi")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _result_links(page) == [f"/projects/{catalogue['solar'].id}"]
    assert "<mark>Điện mặt trời</mark>" in page
    assert "1 result" in page


def test_snippet_is_escaped_then_marked(client, catalogue):
    page = client.get("/search/?q=độ mặn").get_data(as_text=True)
    assert "&lt;b&gt;theo giờ&lt;/b&gt;" in page
    assert "<b>theo giờ</b>" not in page
    assert "<mark>mặn</mark>" in page


def test_results_are_paginated(client, english, catalogue):
    first = client.get("/search/?q=xâm nhập mặn").get_data(as_text=True)
    second = client.get("/search/?q=xâm nhập mặn&page=2").get_data(as_text=True)
    assert "12 results" in first
    assert len(_result_links(first)) == 10 and len(_result_links(second)) == 2
    assert not set(_result_links(first)) & set(_result_links(second))
    assert 'rel="next"' in first and 'rel="prev"' in second


def test_facets_show_counts_and_narrow_the_results(client, english, catalogue):
    page = client.get("/search/?q=xâm nhập mặn").get_data(as_text=True)
    assert re.search(r"Trường Đại học Tây Đô</a> <span[^>]*>\(3\)", page)
    assert re.search(r"Natural sciences</a> <span[^>]*>\(12\)", page)
    link = re.search(
        r'href="([^"]+)"[^>]*data-facet="institution">[^<]*Tây Đô', page
    ).group(1)
    assert parse_qs(urlsplit(link.replace("&amp;", "&")).query)["institution"] == [
        "Trường Đại học Tây Đô"
    ]
    narrowed = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert "3 results" in narrowed
    assert 'aria-current="true"' in narrowed and 'id="clear-filters"' in narrowed  # fmt: skip


def test_sort_by_date_puts_newest_first(client, catalogue):
    page = client.get("/search/?q=xâm nhập mặn&sort=date").get_data(as_text=True)
    assert _result_links(page)[0] == f"/projects/{catalogue[11].id}"


def test_did_you_mean_offers_the_known_spelling(client, english, catalogue):
    page = client.get("/search/?q=xam nhap mam").get_data(as_text=True)
    assert 'id="did-you-mean"' in page
    assert "xam nhap man" in page


@pytest.mark.parametrize("query", ["và của", "the and of", "-mặn"])
def test_stop_words_only_query_says_so_and_lists_the_records(
    client, english, catalogue, query
):
    page = client.get("/search/", query_string={"q": query}).get_data(as_text=True)
    assert 'id="search-empty"' in page
    assert "are not searched on their own" in page
    assert len(_result_links(page)) == 10  # the first page of the 13 records


def test_an_empty_query_lists_every_record_newest_first(client, catalogue):
    page = client.get("/search/", query_string={"q": ""}).get_data(as_text=True)
    assert 'id="search-browsing"' in page and 'id="search-empty"' not in page
    # The solar project ends in 2024, salinity project n ends in 2011 + n (2022 for the newest).
    assert _result_links(page)[:2] == [
        f"/projects/{catalogue['solar'].id}",
        f"/projects/{catalogue[11].id}",
    ]


def test_a_facet_with_an_empty_query_lists_that_facet(client, catalogue):
    tdu = catalogue[9].institution.name_vi
    page = client.get("/search/", query_string={"q": "", "institution": tdu}).get_data(
        as_text=True
    )
    assert sorted(_result_links(page)) == sorted(
        f"/projects/{catalogue[n].id}" for n in (9, 10, 11)
    )


def test_empty_box_shows_only_the_form(client, catalogue):
    page = client.get("/search/").get_data(as_text=True)
    assert (
        'id="q"' in page and "search-results" not in page and "search-empty" not in page
    )


@pytest.mark.parametrize(
    "query",
    [
        '"xâm nhập',
        "(xâm nhập",
        "xâm nhập))",
        "kind: xâm nhập",
        "title: xâm nhập",
        "field:",
        "xâm\x00nhập\x1b",
        '"',
        "*",
        ":::",
    ],
)
def test_malformed_queries_never_fail(client, catalogue, query):
    response = client.get("/search/", query_string={"q": query})
    assert response.status_code == 200


def test_ten_thousand_character_query_is_cut_with_a_note(client, english, catalogue):
    response = client.get(
        "/search/", query_string={"q": "xâm nhập mặn " + "x" * 10_000}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="search-truncated"' in page
    assert len(_result_links(page)) == 10


@pytest.mark.parametrize(
    "params",
    [
        {"q": "mặn", "page": "-3"},
        {"q": "mặn", "page": "abc"},
        {"q": "mặn", "page": "99999"},
        {"q": "mặn", "sort": "'; drop"},
        {"q": "mặn", "year": "năm ngoái"},
        {"q": "mặn", "kind": "secret"},
        {"q": "mặn", "kind": ""},
    ],
)
def test_odd_parameters_never_fail(client, catalogue, params):
    assert client.get("/search/", query_string=params).status_code == 200


def test_filter_in_the_query_text_narrows_by_kind(client, english, catalogue):
    page = client.get("/search/?q=mặn kind:need").get_data(as_text=True)
    assert 'id="no-results"' in page


def test_missing_index_shows_temporarily_unavailable_then_recovers(
    app, client, english, catalogue
):
    with app.test_request_context():
        shutil.rmtree(search.index_path())
    response = client.get("/search/?q=mặn")
    assert response.status_code == 503
    assert 'id="search-unavailable"' in response.get_data(as_text=True)
    assert "12 results" in client.get("/search/?q=mặn").get_data(as_text=True)


@pytest.mark.filterwarnings("ignore:unclosed file:ResourceWarning")
def test_corrupt_index_shows_temporarily_unavailable(app, client, english, catalogue):
    with app.test_request_context():
        for toc in search.index_path().glob("v-*/*.toc"):
            toc.write_bytes(b"\x00garbage" * 10)
        app.extensions.pop(search.EXTENSION, None)  # as a freshly started worker would
    response = client.get("/search/?q=mặn")
    assert response.status_code == 503
    assert "12 results" in client.get("/search/?q=mặn").get_data(as_text=True)


@pytest.mark.filterwarnings("ignore:unclosed file:ResourceWarning")
def test_index_naming_a_missing_class_shows_unavailable_then_recovers(
    app, client, english, catalogue
):
    with app.test_request_context():
        for toc in search.index_path().glob("v-*/*.toc"):
            data = toc.read_bytes()
            assert b"SyllableField" in data
            toc.write_bytes(data.replace(b"SyllableField", b"SyllableFielX"))
        app.extensions.pop(search.EXTENSION, None)  # as a freshly started worker would
    response = client.get("/search/?q=mặn")
    assert response.status_code == 503
    assert 'id="search-unavailable"' in response.get_data(as_text=True)
    assert client.get("/search/suggest?q=mặ").status_code == 200
    assert "12 results" in client.get("/search/?q=mặn").get_data(as_text=True)


def test_partial_results_say_which_words_were_not_found(client, english, catalogue):
    page = client.get("/search/?q=điện mặt trời xyzqw").get_data(as_text=True)
    assert _result_links(page) == [f"/projects/{catalogue['solar'].id}"]
    assert 'id="search-partial"' in page
    assert "No result contains all the words" in page
    assert "Not found: xyzqw." in page
    assert "Missing: xyzqw" in page
