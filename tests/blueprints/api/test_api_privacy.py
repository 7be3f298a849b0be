"""No private or internal value ever reaches an anonymous API answer or an open data download: every field
that must stay private holds a planted word (tests/fixtures/api.py), and every list, record and search answer,
and every download (CSV, JSON, XLSX), schema, catalogue and data package is searched for it. With an official's
access token the same API walk finds the internal ones (the walk can see them), and still never what no API
answer gives anyone."""

from __future__ import annotations

import io

import pytest

from matchmaker.models import Role
from matchmaker.services.accounts import api_tokens
from matchmaker.services.search import index as search
from tests.fixtures.api import PLANTED

LISTS = [
    "orders",
    "results",
    "projects",
    "researchers",
    "institutions",
    "needs",
    "search",
]


def _every_answer(client, headers=None) -> list[tuple[str, str]]:
    spec = client.get("/api/v1/openapi.json").get_json()
    urls = []
    for path in spec["paths"]:
        if "{" in path:
            urls += [path.split("{")[0] + str(n) for n in range(1, 16)]
        else:
            urls += [f"{path}?per_page=100", f"{path}?per_page=100&lang=en"]
    urls += [
        f"/api/v1/search?per_page=100&kind={k}"
        for k in ("order", "need", "researcher", "project")
    ]
    return [
        (url, client.get(url, headers=headers or {}).get_data(as_text=True))
        for url in urls
    ]


def test_no_planted_word_reaches_any_anonymous_answer(app, client, api_records):
    search.rebuild()
    answers = _every_answer(client)
    assert len(answers) > 100
    words = [str(w).lower() for w in api_records["words"].values()]
    leaks = [(url, w) for url, body in answers for w in words if w in body.lower()]
    assert leaks == []


def test_the_walk_reads_the_public_records(app, client, api_records):
    """The privacy walk is not vacuous: public records and the public parts are in the answers."""
    search.rebuild()
    text = " ".join(body for _url, body in _every_answer(client))
    for public in ("Giám sát xâm nhập mặn sông Hậu", "Nguyễn Văn Công Khai", "Bản đồ độ mặn",
                   "Dự án giống lúa chịu mặn", "Xử lý nước thải ao tôm", "Nhu cầu chỉ công khai tóm tắt"):  # fmt: skip
        assert public in text


@pytest.mark.parametrize("name", LISTS)
def test_searching_a_list_for_a_planted_word_finds_nothing(
    app, client, api_records, name
):
    search.rebuild()
    for word in api_records["words"].values():
        body = client.get(f"/api/v1/{name}", query_string={"q": str(word)}).get_json()
        assert body["total"] == 0, (name, word)


def test_a_signed_in_browser_still_gets_the_public_view(app, client, api_records, auth):
    auth.login_as(Role.OFFICIAL)
    order = client.get(
        f"/api/v1/orders/{api_records['public']['internal_order']}"
    ).get_json()
    assert order["main_content"] is None and order["state_budget"] is None
    assert (
        client.get(f"/api/v1/orders/{api_records['hidden']['order']}").status_code
        == 404
    )


# What an official reads on the website, and so with a token: internal parts and money, drafts, unlisted
# profiles and contact addresses, private needs and the details of needs shown in summary.
INTERNAL = [
    "order_necessity", "order_objectives", "order_content", "order_products", "order_budget",
    "order_cofunding", "order_contract_value", "draft_title", "draft_content", "hidden_profile_name",
    "hidden_profile_summary", "contact_email", "private_need_title", "private_need_text",
    "summary_need_description", "summary_need_outcome", "summary_need_targets", "summary_need_budget",
    "early_result",
]  # fmt: skip
# What no API answer gives anyone: a closed account, a login address, the messages of an interest, the
# history's notes, a team member or PI who has not confirmed, an enterprise's tax code.
NEVER = [
    "inactive_name", "login_email", "interest_message", "order_history", "pending_member", "pending_pi",
    "enterprise_tax_code",
]  # fmt: skip


def test_every_planted_word_is_either_internal_or_never_given():
    assert sorted(INTERNAL + NEVER) == sorted(PLANTED)


@pytest.mark.parametrize("role", [Role.OFFICIAL, Role.ADMIN])
def test_a_token_reads_the_internal_words_and_never_the_others(
    app, client, api_records, make_user, role
):
    search.rebuild()
    secret = api_tokens.create(make_user(role), "Báo cáo").secret
    answers = _every_answer(client, {"Authorization": f"Bearer {secret}"})
    text = " ".join(body for _url, body in answers).lower()
    words = api_records["words"]
    assert [name for name in INTERNAL if str(words[name]).lower() not in text] == []
    assert [name for name in NEVER if str(words[name]).lower() in text] == []


def _every_download(client) -> list[tuple[str, str]]:
    """Every open data file (CSV, JSON, the XLSX's cell values), schema, the catalogue and the data package."""
    from openpyxl import load_workbook

    from matchmaker.services.opendata import DATASETS, SCHEMA_VERSION

    found = []
    for path in (
        "/open-data/",
        "/open-data/catalog.jsonld",
        "/open-data/datapackage.json",
    ):
        found.append((path, client.get(path).get_data(as_text=True)))
    for key in DATASETS:
        base = f"/open-data/v{SCHEMA_VERSION}/{key}"
        found.append(
            (f"{base}.csv", client.get(f"{base}.csv").data.decode("utf-8-sig"))
        )
        found.append(
            (f"{base}.json", client.get(f"{base}.json").get_data(as_text=True))
        )
        found.append(
            (
                f"{base}.schema.json",
                client.get(f"{base}.schema.json").get_data(as_text=True),
            )
        )
        book = load_workbook(io.BytesIO(client.get(f"{base}.xlsx").data))
        cells = [
            str(c.value)
            for sheet in book
            for row in sheet.iter_rows()
            for c in row
            if c.value is not None
        ]
        found.append((f"{base}.xlsx", "\n".join(cells)))
    return found


def test_no_planted_word_reaches_any_open_data_download(app, client, api_records):
    downloads = _every_download(client)
    words = [str(w).lower() for w in api_records["words"].values()]
    leaks = [(url, w) for url, body in downloads for w in words if w in body.lower()]
    assert leaks == []
    # Not vacuous: the public records and their public parts are in every format.
    for url, body in downloads:
        if (
            url.endswith((".csv", ".json", ".xlsx"))
            and "schema" not in url
            and "/orders." in url
        ):
            assert (
                "Giám sát xâm nhập mặn sông Hậu" in body
                and "Nhiệm vụ có phần nội bộ" in body
            ), url
            assert "500000000" in body.replace(",", "").replace(" ", ""), url
        if "/researchers." in url and "schema" not in url:
            assert "Nguyễn Văn Công Khai" in body, url
        if "/figures." in url and "schema" not in url:
            assert "Nhiệm vụ được công bố" in body, (
                url
            )  # the public figures, labelled in Vietnamese
        if "/needs." in url and "schema" not in url:
            assert (
                "Nhu cầu chỉ công khai tóm tắt" in body
                and "Xử lý nước thải ao tôm" in body
            ), url
