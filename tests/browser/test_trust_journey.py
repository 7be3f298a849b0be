"""On the demo data, people find whom a domain expert would name, and read why, on the real pages."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from matchmaker.demo import loader as demo
from matchmaker.extensions import db
from matchmaker.matching.text import fold, normalise
from matchmaker.models import Project, ResearcherProfile, ResearchOrder, User

pytestmark = pytest.mark.browser

JUDGMENTS = (
    Path(__file__).resolve().parents[2] / "bench" / "relevance" / "judgments.json"
)
SALINITY_CALL = "du-bao-canh-bao-som-xam-nhap-man-song-hau"
RICE_DISEASE_AI = "nhan-dang-som-dao-on-ray-nau-anh-drone"
GASIFICATION = "khi-hoa-trau-phat-dien-nha-may-xay-xat"
TOP = 5

WASTEWATER_TITLE = "Xử lý nước thải chế biến thủy sản cá tra đạt chuẩn xả thải"
WASTEWATER_PROBLEM = (
    "Nhà máy chế biến cá tra phi lê của công ty thải mỗi ngày khoảng 1.500 m³ nước thải giàu chất hữu cơ, "
    "mỡ cá, nitơ và phốt pho. Hệ thống xử lý nước thải hiện có (bể tuyển nổi, bể hiếu khí) không đạt cột A "
    "của QCVN 11-MT:2015/BTNMT về nước thải chế biến thủy sản, bùn thải nhiều và tốn điện."
)
WASTEWATER_OUTCOME = (
    "Quy trình xử lý nước thải chế biến thủy sản bằng lọc sinh học, kết hợp thu hồi biogas từ bùn thải, "
    "để nước sau xử lý đạt chuẩn xả thải và tái sử dụng được một phần cho vệ sinh nhà xưởng."
)
# Domain experts for this need, read from matchmaker/demo/data/researchers.json: Mai Quốc Bảo treats the
# wastewater of catfish ponds with biological filters and aquatic plants (recirculating aquaculture);
# Ngô Thị Diễm Kiều turns catfish-pond sludge and aquaculture waste into biogas. Either is whom an expert on
# seafood-processing wastewater would call first among the demo researchers.
WASTEWATER_EXPERTS = {
    "mai.quoc.bao@demo.cantho.example",
    "ngo.thi.diem.kieu@demo.cantho.example",
}


# The order as the page shows it: its column, without the matches section (whose chips it would contain).
ORDER_TEXT_SCRIPT = """() => {
  const column = document.querySelector("#matches").parentElement.cloneNode(true);
  column.querySelector("#matches").remove();
  return document.querySelector("h1").innerText + "\\n" + column.innerText;
}"""


def _demo_rows(name: str) -> list[dict]:
    return json.loads((demo.DATA_DIR / f"{name}.json").read_text(encoding="utf-8"))


def _order_row(key: str) -> dict:
    return next(r for r in _demo_rows("orders") if r["key"] == key)


@pytest.fixture(scope="module")
def demo_site(live_server, tmp_path_factory) -> dict:
    """The demo data loaded into the live server, with researchers' profile ids by e-mail."""
    app = live_server.app
    app.config["SEARCH_INDEX_PATH"] = str(tmp_path_factory.mktemp("index") / "search")
    with app.test_request_context():
        demo.load_demo_data()
        profiles = {
            email: str(pk)
            for email, pk in db.session.execute(
                sa.select(User.email, ResearcherProfile.id).join(ResearcherProfile.user)
            )
        }
        orders = {
            key: db.session.scalar(
                sa.select(ResearchOrder.id).where(
                    ResearchOrder.title == normalise(_order_row(key)["title"])
                )
            )
            for key in (SALINITY_CALL, GASIFICATION)
        }
        project = db.session.scalar(
            sa.select(Project).where(
                Project.title == normalise(_order_row(RICE_DISEASE_AI)["title"])
            )
        )
        return {
            "profiles": profiles,
            "orders": orders,
            "project_id": project.id,
            "project_title": project.title,
        }


def _sign_in(page, email: str) -> None:
    page.goto("/lang/en")
    page.goto("/auth/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _top_researchers(page) -> list[str]:
    """Profile ids of the best-matching researchers listed on the page, best first."""
    rows = page.locator("#matched-researchers > li.match")
    return [
        rows.nth(i).get_attribute("data-key") for i in range(min(rows.count(), TOP))
    ]


def _chips(page) -> list[str]:
    """The shared terms shown as the reasons of the top researchers."""
    chips = []
    for i in range(min(page.locator("#matched-researchers > li.match").count(), TOP)):
        row = page.locator("#matched-researchers > li.match").nth(i)
        chips += row.locator(".why .badge").all_inner_texts()
    return [c.strip() for c in chips]


def _occurs_as_words(term: str, text: str) -> bool:
    """``term`` is in ``text`` as whole words, with its exact accents (case aside)."""
    pattern = rf"(?<!\w){re.escape(term)}(?!\w)"
    return re.search(pattern, text, flags=re.IGNORECASE) is not None


def _assert_chips_in(chips: list[str], text: str) -> None:
    assert chips, "the top researchers show no shared term"
    absent = [c for c in chips if not _occurs_as_words(c, text)]
    assert not absent, f"chips not found as words of the text: {absent}"


def test_enterprise_drafts_a_wastewater_need_and_reads_who_fits(page, demo_site):
    _sign_in(page, "enterprise@demo.cantho.example")
    page.goto("/enterprises/needs/new")
    page.get_by_label("Title").fill(WASTEWATER_TITLE)
    page.get_by_label("The problem").fill(WASTEWATER_PROBLEM)
    page.get_by_label("Desired outcome").fill(WASTEWATER_OUTCOME)
    page.locator("#check-duplicates").click()

    listed = page.locator("#duplicate-list > li.similar-text")
    duplicates = {
        (
            listed.nth(i).get_attribute("data-kind"),
            listed.nth(i).get_attribute("data-key"),
        )
        for i in range(listed.count())
    }
    gasification = str(demo_site["orders"][GASIFICATION])
    assert ("order", gasification) not in duplicates
    assert page.get_by_label("Title").input_value() == WASTEWATER_TITLE

    page.get_by_role("button", name="Save the need").click()
    assert page.locator("h1").inner_text() == WASTEWATER_TITLE
    top = set(_top_researchers(page))
    experts = {demo_site["profiles"][e] for e in WASTEWATER_EXPERTS}
    assert top & experts, (
        "no wastewater or aquaculture expert among the top researchers"
    )

    need_text = "\n".join(
        [page.locator("h1").inner_text(), page.locator("#need-details").inner_text()]
    )
    _assert_chips_in(_chips(page), need_text)


def test_official_reads_who_fits_the_open_salinity_call(page, demo_site):
    judged = json.loads(JUDGMENTS.read_text(encoding="utf-8"))
    grades = next(
        m["judgments"]
        for m in judged["matching"]
        if m["kind"] == "order" and m["key"] == SALINITY_CALL
    )
    first_named = {
        demo_site["profiles"][email]
        for email, (grade, _why) in grades.items()
        if grade == 3
    }
    _sign_in(page, "official@demo.cantho.example")
    page.goto(f"/orders/{demo_site['orders'][SALINITY_CALL]}")

    assert set(_top_researchers(page)) >= first_named
    order_text = page.evaluate(ORDER_TEXT_SCRIPT)
    _assert_chips_in(_chips(page), order_text)


def test_rice_disease_ai_project_lists_its_pi_first_with_the_project_as_evidence(
    page, demo_site
):
    pi_email = _order_row(RICE_DISEASE_AI)["proposals"][0]["pi"]
    page.goto(f"/projects/{demo_site['project_id']}")

    first = page.locator("#matched-researchers > li.match").first
    assert first.get_attribute("data-key") == demo_site["profiles"][pi_email]
    assert first.locator(".match-level").get_attribute("data-level") in {
        "strong",
        "good",
    }
    assert first.locator(".match-level").inner_text().strip()
    assert first.locator(".why q").inner_text() == demo_site["project_title"]


# "AI" in capitals is the acronym. A lower-case "ai" is the Vietnamese stop word "who" in an accented query
# ("ai nghiên cứu lúa" = who researches rice) but the acronym in one typed without diacritics, where people
# skip capitals too ("ai nong nghiep").
@pytest.mark.parametrize(
    "query", ["AI nông nghiệp", "AI nong nghiep", "ai nong nghiep"]
)
def test_natural_query_finds_the_rice_disease_ai_work(page, demo_site, query):
    page.goto("/lang/en")
    page.goto("/search/")
    page.locator("#q").fill(query)
    page.locator("#q").press("Enter")

    hits = page.locator("#search-results > li")
    by_link = {
        hits.nth(i).locator("a").first.get_attribute("href"): hits.nth(i)
        for i in range(hits.count())
    }
    project = by_link.get(f"/projects/{demo_site['project_id']}")
    assert project is not None, "the rice-disease AI project is not on the first page"
    # The project's text has no "nông nghiệp" (the example): its hit says which words it lacks.
    words = {fold(w).lower() for w in query.split()}
    lacking = project.locator(".hit-missing")
    assert lacking.count() == 1
    named = lacking.inner_text().split(":", 1)[1].split(",")
    assert {fold(w.strip()).lower() for w in named} <= words
