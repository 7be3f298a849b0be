"""The public API's lists and records: pagination, links, filters, sorting, ETags, CORS, errors and limits."""

from __future__ import annotations

import pytest

from matchmaker.services.search import index as search

BASE = "http://matchmaker.test/api/v1"


@pytest.fixture
def three_orders(make_order):
    return [
        make_order("Cảm biến độ mặn", field_code="20101"),
        make_order("Bản đồ ngập lụt", field_code="20102", state="in_progress"),
        make_order("Anh đào giống mới", field_code="40101"),
    ]


def test_order_list_pages_with_total_and_absolute_links(client, three_orders):
    first = client.get("/api/v1/orders?per_page=2").get_json()
    assert first["total"] == 3 and len(first["items"]) == 2
    assert first["links"] == {
        "self": f"{BASE}/orders?per_page=2&page=1", "first": f"{BASE}/orders?per_page=2&page=1",
        "last": f"{BASE}/orders?per_page=2&page=2", "next": f"{BASE}/orders?per_page=2&page=2", "prev": None,
    }  # fmt: skip
    second = client.get(
        first["links"]["next"].removeprefix("http://matchmaker.test")
    ).get_json()
    assert len(second["items"]) == 1 and second["links"]["next"] is None
    assert second["links"]["prev"] == f"{BASE}/orders?per_page=2&page=1"


def test_links_never_come_from_the_host_header(client, three_orders):
    body = client.get("/api/v1/orders", headers={"Host": "evil.example"}).get_json()
    assert all("evil" not in (link or "") for link in body["links"].values())


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("state=in_progress", ["Bản đồ ngập lụt"]),
        ("field=201", ["Cảm biến độ mặn", "Bản đồ ngập lụt"]),
        ("q=cam bien", ["Cảm biến độ mặn"]),
        ("sort=title", ["Anh đào giống mới", "Bản đồ ngập lụt", "Cảm biến độ mặn"]),
        (
            "sort=title&dir=desc",
            ["Cảm biến độ mặn", "Bản đồ ngập lụt", "Anh đào giống mới"],
        ),
    ],
)
def test_order_filters_and_sort(client, three_orders, query, titles):
    items = client.get(f"/api/v1/orders?{query}").get_json()["items"]
    found = [item["title"] for item in items]
    assert (
        found == titles if query.startswith("sort") else sorted(found) == sorted(titles)
    )


def test_filters_are_kept_in_the_links(client, three_orders):
    links = client.get("/api/v1/orders?state=published&per_page=1").get_json()["links"]
    assert links["next"] == f"{BASE}/orders?per_page=1&state=published&page=2"


@pytest.mark.parametrize(
    ("name", "key", "q"),
    [
        ("orders", "order", "xâm nhập"),
        ("projects", "project", "lúa"),
        ("researchers", "researcher", "Công Khai"),
        ("institutions", "institution", "Sở Khoa"),
        ("needs", "need", "nước thải"),
        ("results", None, "bản đồ"),
    ],
)
def test_each_list_finds_its_public_record_by_text_and_has_a_detail(
    client, api_records, name, key, q
):
    body = client.get(f"/api/v1/{name}", query_string={"q": q}).get_json()
    assert body["total"] >= 1
    assert (
        client.get(f"/api/v1/{name}", query_string={"q": "khongcotu"}).get_json()[
            "total"
        ]
        == 0
    )
    record_id = body["items"][0]["id"]
    if key:
        assert record_id == api_records["public"][key]
    detail = client.get(f"/api/v1/{name}/{record_id}")
    assert detail.status_code == 200 and detail.get_json() == body["items"][0]


def test_public_parts_shown_internal_parts_null(client, api_records):
    public = client.get(f"/api/v1/orders/{api_records['public']['order']}").get_json()
    assert (
        public["main_content"] == "Mạng cảm biến độ mặn."
        and public["state_budget"] == 500_000_000
    )
    internal = client.get(
        f"/api/v1/orders/{api_records['public']['internal_order']}"
    ).get_json()
    assert internal["title"] == "Nhiệm vụ có phần nội bộ"
    assert [
        internal[p]
        for p in ("necessity", "main_content", "state_budget", "contract_value")
    ] == [None] * 4


def test_an_order_names_its_need_only_when_the_need_is_public(client, api_records):
    public = client.get(f"/api/v1/orders/{api_records['public']['order']}").get_json()
    internal = client.get(
        f"/api/v1/orders/{api_records['public']['internal_order']}"
    ).get_json()
    assert (
        public["need_id"] == api_records["public"]["need"]
        and internal["need_id"] is None
    )


def test_summary_need_gives_its_summary_only(client, api_records):
    need = client.get(
        f"/api/v1/needs/{api_records['public']['summary_need']}"
    ).get_json()
    assert need["details"] is False and need["description"] is None and need["title"]


@pytest.mark.parametrize(
    "path", ["orders/{order}", "needs/{need}", "orders/999", "researchers/2"]
)
def test_hidden_or_missing_records_are_json_404(client, api_records, path):
    response = client.get("/api/v1/" + path.format(**api_records["hidden"]))
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize(
    "query",
    [
        "per_page=101",
        "per_page=0",
        "page=0",
        "page=abc",
        "state=bogus",
        "sort=bogus",
        "sort=budget",
        "dir=up",
        "field=abc",
    ],
)
def test_bad_parameters_are_json_400(client, query):
    response = client.get(f"/api/v1/orders?{query}")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_parameter"


def test_error_messages_follow_the_callers_language(client):
    vietnamese = client.get("/api/v1/orders/999").get_json()["error"]["message"]
    english = client.get("/api/v1/orders/999?lang=en").get_json()["error"]["message"]
    by_header = client.get(
        "/api/v1/orders/999", headers={"Accept-Language": "en-GB,en;q=0.9"}
    )
    assert english == "There is no such record, or it is not public."
    assert by_header.get_json()["error"]["message"] == english and vietnamese != english


def test_unknown_address_and_wrong_method_are_json(client):
    missing = client.get("/api/v1/nothing-here")
    assert (
        missing.status_code == 404
        and missing.get_json()["error"]["code"] == "not_found"
    )
    post = client.post("/api/v1/orders")
    assert (
        post.status_code == 405
        and post.get_json()["error"]["code"] == "method_not_allowed"
    )


def test_unexpected_error_is_json_500_without_detail(app, client):
    @app.route("/api/v1/boom")
    def boom():
        raise RuntimeError("secret detail")

    response = client.get("/api/v1/boom")
    assert response.status_code == 500 and "secret detail" not in response.get_data(
        as_text=True
    )
    assert response.get_json()["error"]["code"] == "server_error"


@pytest.mark.parametrize("path", ["orders", "orders/1", "institutions", "openapi.json"])
def test_etag_round_trip_and_cors(client, three_orders, path):
    first = client.get(f"/api/v1/{path}")
    assert (
        first.status_code == 200 and first.headers["Access-Control-Allow-Origin"] == "*"
    )
    etag = first.headers["ETag"]
    again = client.get(f"/api/v1/{path}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert (
        client.get(f"/api/v1/{path}", headers={"If-None-Match": '"other"'}).status_code
        == 200
    )


def test_etag_changes_with_the_data(client, three_orders, make_order):
    etag = client.get("/api/v1/orders").headers["ETag"]
    make_order("Nhiệm vụ mới")
    assert (
        client.get("/api/v1/orders", headers={"If-None-Match": etag}).status_code == 200
    )


def test_website_pages_get_no_cors_header(client):
    assert "Access-Control-Allow-Origin" not in client.get("/orders/").headers


def test_rate_limit_is_429_json_with_retry_after(app, client):
    app.config["API_RATE_LIMIT"] = "2 per minute"
    assert [client.get("/api/v1/institutions").status_code for _ in range(2)] == [
        200,
        200,
    ]
    refused = client.get("/api/v1/institutions")
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "too_many_requests"
    # The window is a minute; the limiter counts its end to the next whole second.
    assert 1 <= int(refused.headers["Retry-After"]) <= 61


def test_search_uses_the_site_search(client, api_records):
    search.rebuild()
    body = client.get("/api/v1/search", query_string={"q": "xâm nhập mặn"}).get_json()
    kinds = {(hit["kind"], hit["id"]) for hit in body["items"]}
    assert ("order", api_records["public"]["order"]) in kinds
    hit = next(h for h in body["items"] if h["kind"] == "order")
    assert (
        hit["href"] == f"{BASE}/orders/{hit['id']}" and "<mark>" not in hit["snippet"]
    )


def test_openapi_document_is_3_1_and_lists_every_operation(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    assert spec["servers"] == [{"url": "http://matchmaker.test"}]
    for name in (
        "orders",
        "results",
        "projects",
        "researchers",
        "institutions",
        "needs",
    ):
        assert (
            f"/api/v1/{name}" in spec["paths"]
            and f"/api/v1/{name}/{{{name[:-1]}_id}}" in spec["paths"]
        )
    assert {
        "Order",
        "Result",
        "Project",
        "Researcher",
        "Institution",
        "Need",
        "ErrorBody",
    } <= set(spec["components"]["schemas"])


def test_interactive_docs_are_served_locally(client):
    page = client.get("/api/v1/docs/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "swagger-ui" in html
    assert (
        "http://" not in html
        and "https://" not in html
        and "//" not in html.replace("://", "")
    )
    for asset in (
        "swagger-ui.css",
        "swagger-ui-bundle.js",
        "swagger-ui-standalone-preset.js",
    ):
        response = client.get(f"/api/v1/docs/assets/{asset}")
        response.close()
        assert response.status_code == 200
    assert client.get("/api/v1/docs/assets/other.js").status_code == 404
