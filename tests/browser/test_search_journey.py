"""A visitor searches without diacritics, narrows the results by a facet and opens a project."""

from __future__ import annotations

import pytest

from matchmaker.extensions import db
from matchmaker.models import Institution, InstitutionKind, Role, User
from matchmaker.services.projects import registry as projects
from matchmaker.services.projects.registry import ProjectInput
from matchmaker.services.search import index as search

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def journey_catalogue(live_server, tmp_path_factory) -> dict[str, int]:
    """Projects of two universities, indexed in a folder of this test's own."""
    app = live_server.app
    app.config["SEARCH_INDEX_PATH"] = str(tmp_path_factory.mktemp("index") / "search")
    with app.test_request_context():
        official = User(
            email="so.khcn@demo.cantho.example",
            full_name="Cán bộ Sở",
            role=Role.OFFICIAL,
        )
        ctu = Institution(
            slug="ctu",
            name_vi="Trường Đại học Cần Thơ",
            kind=InstitutionKind.UNIVERSITY,
        )
        ctuet = Institution(
            slug="ctuet",
            name_vi="Trường Đại học Kỹ thuật – Công nghệ Cần Thơ",
            kind=InstitutionKind.UNIVERSITY,
        )
        db.session.add_all([official, ctu, ctuet])
        db.session.commit()
        search.rebuild()
        made = {}
        for key, title, place, area in [
            ("forecast", "Dự báo xâm nhập mặn trên sông Hậu", ctu, "salinity_water"),
            (
                "stations",
                "Trạm quan trắc xâm nhập mặn dùng LoRaWAN",
                ctuet,
                "salinity_water",
            ),
            (
                "water",
                "Trữ nước ngọt hộ gia đình vùng xâm nhập mặn",
                ctu,
                "salinity_water",
            ),
            ("solar", "Điện mặt trời áp mái", ctuet, "renewable_energy"),
        ]:
            made[key] = projects.create_project(official, ProjectInput(
                title=title, pi_name="Võ Chí Thiện", institution_id=place.id, priority_area=area,
            )).id  # fmt: skip
        return made


def test_visitor_searches_narrows_and_opens_a_project(page, journey_catalogue):
    page.goto("/")
    page.goto("/search/")
    page.locator("#q").fill("xam nhap man")
    page.locator("#q").press("Enter")
    results = page.locator("#search-results > li")
    assert results.count() == 3
    assert (
        page.locator("#search-results mark").first.inner_text().lower()
        == "xâm nhập mặn"
    )

    page.locator('a[data-facet="institution"]', has_text="Kỹ thuật – Công nghệ").click()
    assert results.count() == 1
    assert page.locator('a[data-facet="institution"][aria-current="true"]').count() == 1

    results.first.locator("a").click()
    assert page.url.endswith(f"/projects/{journey_catalogue['stations']}")
    assert (
        page.locator("#project-title").inner_text()
        == "Trạm quan trắc xâm nhập mặn dùng LoRaWAN"
    )
    assert "Võ Chí Thiện" in page.content()
