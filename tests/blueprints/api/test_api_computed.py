"""The API's computed answers: researchers for a text (public profiles only, explained, rate-limited) and
the public dashboard's figures (the very numbers of its page)."""

from __future__ import annotations

import re

import pytest

from matchmaker.extensions import db
from matchmaker.services import dashboard
from tests.fixtures.dashboard import TODAY

MATCH = "/api/v1/matches/researchers"
SALINITY = "Dự báo xâm nhập mặn trên sông Hậu bằng mô hình thủy lực"


@pytest.fixture
def match_people(make_researcher):
    """Two salinity researchers (the better one not publicly listed), a closed account and a fish expert."""
    listed = make_researcher(
        "Trương Hoàng Phúc", "ctu", ["xâm nhập mặn", "thủy văn"], "Mô hình thủy lực sông Hậu.",
        papers=("Mô phỏng xâm nhập mặn sông Hậu bằng mô hình thủy lực",),
    )  # fmt: skip
    make_researcher(
        "Lê Thị Ẩn Danh", "ctu", ["xâm nhập mặn", "dự báo"], "Dự báo xâm nhập mặn sông Hậu, mô hình thủy lực.",
        papers=("Dự báo xâm nhập mặn trên sông Hậu bằng mô hình thủy lực",), public=False,
    )  # fmt: skip
    closed = make_researcher(
        "Đã Nghỉ Hưu", "vlu", ["xâm nhập mặn"], "Xâm nhập mặn sông Hậu.",
        papers=("Xâm nhập mặn sông Hậu",),
    )  # fmt: skip
    closed.active = False
    make_researcher(
        "Nguyễn Thị Cá", "tvu", ["bệnh cá tra"], "Bệnh gan thận mủ trên cá tra.",
        papers=("Vắc xin cho cá tra nuôi ao",),
    )  # fmt: skip
    db.session.commit()
    return listed


def test_matching_lists_public_researchers_with_level_terms_and_evidence(
    client, match_people
):
    response = client.post(MATCH, json={"text": SALINITY, "k": 5})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    body = response.get_json()
    names = [item["researcher"]["name"] for item in body["items"]]
    assert names[0].endswith("Trương Hoàng Phúc") and body["total"] == len(names)
    assert not any("Ẩn Danh" in n or "Nghỉ Hưu" in n for n in names)
    best = body["items"][0]
    assert best["researcher"]["contact_email"] is None
    assert 0 < best["score"] <= 1 and best["level"] in {"strong", "good", "related"}
    assert "xâm nhập mặn" in best["terms"]
    assert best["evidence"] == {
        "kind": "publication",
        "title": "Mô phỏng xâm nhập mặn sông Hậu bằng mô hình thủy lực",
    }


def test_match_level_words_follow_the_callers_language(client, match_people):
    english = client.post(f"{MATCH}?lang=en", json={"text": SALINITY}).get_json()
    vietnamese = client.post(MATCH, json={"text": SALINITY}).get_json()
    labels = {"strong": "Strong match", "good": "Good match", "related": "Related"}
    top = english["items"][0]
    assert top["level_label"] == labels[top["level"]]
    assert vietnamese["items"][0]["level_label"] != top["level_label"]


def test_match_filters_are_the_websites(client, match_people):
    fish_place = client.post(
        MATCH, json={"text": SALINITY, "filters": {"institution_kind": "institute"}}
    ).get_json()
    assert fish_place["items"] == []
    one = client.post(
        MATCH, json={"text": SALINITY + " cá tra", "filters": {"per_institution": 1}}
    ).get_json()
    places = [i["researcher"]["institution"]["slug"] for i in one["items"]]
    assert len(places) == len(set(places)) >= 1


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"text": "   "}, "empty_text"),
        ({"text": ""}, "empty_text"),
        ({"text": "mặn " * 2501}, "text_too_long"),
        ({"text": "mặn", "k": 0}, "bad_parameter"),
        ({"text": "mặn", "k": 51}, "bad_parameter"),
        ({"text": "mặn", "filters": {"field": "999"}}, "bad_parameter"),
        ({"text": "mặn", "extra": 1}, "bad_parameter"),
        ({"k": 3}, "bad_parameter"),
        ([1, 2], "bad_parameter"),
    ],
)
def test_bad_match_requests_are_json_400_with_a_stable_code(client, body, code):
    response = client.post(MATCH, json=body)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == code


def test_empty_text_is_told_in_the_callers_language(client):
    english = client.post(f"{MATCH}?lang=en", json={"text": " "}).get_json()
    vietnamese = client.post(MATCH, json={"text": " "}).get_json()
    assert english["error"]["message"] == "Give a text to match: it is empty."
    assert vietnamese["error"]["message"] != english["error"]["message"]


def test_matching_has_its_own_stricter_limit(app, client, match_people):
    app.config["API_MATCH_RATE_LIMIT"] = "2 per minute"
    codes = [client.post(MATCH, json={"text": "mặn"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    refused = client.post(MATCH, json={"text": "mặn"})
    assert refused.get_json()["error"]["code"] == "too_many_requests"
    assert 1 <= int(refused.headers["Retry-After"]) <= 61
    assert (
        client.get("/api/v1/institutions").status_code == 200
    )  # the reads have their own


def test_other_sites_may_post_to_the_matching(client):
    preflight = client.options(
        MATCH,
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
        },
    )
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]


@pytest.fixture
def api_today(monkeypatch):
    monkeypatch.setattr(dashboard, "local_today", lambda: TODAY)


def _page_values(html: str) -> dict[str, str]:
    return dict(re.findall(r'id="figure-([a-z_]+)".*?data-value="([^"]*)"', html, re.S))


@pytest.mark.parametrize(
    "query",
    ["year=2027", "year=2026", "period=quarter&year=2027&quarter=1",
     "period=custom&from=2026-06-01&to=2027-03-31"],
)  # fmt: skip
def test_figures_are_the_public_dashboards_numbers(client, city, api_today, query):
    html = client.get(f"/dashboard/public?{query}").get_data(as_text=True)
    body = client.get(f"/api/v1/figures?{query}").get_json()
    shown = _page_values(html)
    api = {
        f["key"]: "" if f["value"] is None else str(f["value"]) for f in body["items"]
    }
    assert api == shown and len(api) >= 10
    assert {f["section"] for f in body["items"]} == {"orders", "results"}  # no money


def test_figures_follow_the_filters_as_the_page_does(client, city, api_today):
    for query in (
        f"year=2027&agency={city.farm.id}",
        f"year=2026&institution={city.ctu.id}",
    ):
        html = client.get(f"/dashboard/public?{query}").get_data(as_text=True)
        body = client.get(f"/api/v1/figures?{query}").get_json()
        api = {
            f["key"]: "" if f["value"] is None else str(f["value"])
            for f in body["items"]
        }
        assert api == _page_values(html)
    everything = client.get("/api/v1/figures?year=2027").get_json()
    filtered = client.get(f"/api/v1/figures?year=2027&agency={city.farm.id}").get_json()
    assert [f["value"] for f in filtered["items"]] != [
        f["value"] for f in everything["items"]
    ]


def test_figures_link_their_public_records(client, city, api_today):
    everything = client.get("/api/v1/figures?year=2027").get_json()
    published = next(f for f in everything["items"] if f["key"] == "published")
    assert published["records"].startswith(
        "http://matchmaker.test/dashboard/public/records/published?"
    )
    assert published["unit"] == "count" and published["definition"]
    records = client.get(published["records"].removeprefix("http://matchmaker.test"))
    assert records.status_code == 200
    assert everything["period"] == {
        "kind": "year",
        "start": "2027-01-01",
        "end": "2027-12-31",
    }


def test_figures_of_an_unknown_agency_are_404(client):
    response = client.get("/api/v1/figures?agency=99999")
    assert (
        response.status_code == 404
        and response.get_json()["error"]["code"] == "not_found"
    )


def test_figures_in_english(client, city, api_today):
    body = client.get("/api/v1/figures?year=2027&lang=en").get_json()
    published = next(f for f in body["items"] if f["key"] == "published")
    assert (
        published["label"] == "Orders published" and published["unit_label"] == "count"
    )


@pytest.mark.parametrize(
    ("query", "name"),
    [("field=999", "field"), ("area=moon", "area"), ("province=Atlantis", "province"),
     ("period=custom&from=2027-02-01", "period"), ("period=decade", "period"), ("year=1999", "year")],
)  # fmt: skip
def test_figures_refuse_filters_the_dashboard_would_set_aside(client, query, name):
    response = client.get(f"/api/v1/figures?{query}&lang=en")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "bad_parameter" and f"“{name}”" in error["message"]


def test_matching_on_planted_words_reveals_nothing_private(client, api_records):
    """Matched on the very words hidden profiles, internal order parts and private needs hold, the answer
    names none of them (the privacy walk's planted words, tests/fixtures/api.py)."""
    words = [str(w).lower() for w in api_records["words"].values()]
    for text in [
        " ".join(words),
        "xâm nhập mặn " + " ".join(words),
        "Thủy văn xâm nhập mặn",
    ]:
        response = client.post(MATCH, json={"text": text, "k": 50})
        assert response.status_code == 200
        body = response.get_data(as_text=True).lower()
        assert [w for w in words if w in body] == []
    found = client.post(MATCH, json={"text": "Thủy văn xâm nhập mặn"}).get_json()
    assert [i["researcher"]["id"] for i in found["items"]] == [
        api_records["public"]["researcher"]
    ]
