"""Small hand-made corpora for the matching tests (no app needed)."""

from __future__ import annotations

import pytest

from matchmaker.matching import Candidate, Document, TfidfMatcher
from tests.fixtures.matching import researcher


@pytest.fixture
def corpus() -> list[Candidate]:
    """Five researchers in Cần Thơ; texts in Vietnamese, English or both."""
    return [
        researcher(
            "aqua",
            Document(
                "aqua:1",
                title="Nuôi trồng thủy sản bền vững",
                body="Mô hình nuôi tôm ở Sóc Trăng",
            ),
            Document(
                "aqua:2",
                title="Dịch bệnh trên cá tra",
                body="Kháng sinh trong ao nuôi cá",
            ),
            fields={"thủy sản"},
            institution_id="ctu",
            institution_kind="university",
        ),
        researcher(
            "salt",
            Document(
                "salt:1",
                title="Xâm nhập mặn ở đồng bằng sông Cửu Long",
                body="Độ mặn và giống lúa",
            ),
            fields={"môi trường"},
            institution_id="ctu",
            institution_kind="university",
        ),
        researcher(
            "ml",
            Document(
                "ml:1",
                title="Machine learning for crop yield",
                keywords="deep learning, remote sensing",
            ),
            Document(
                "ml:2", title="Học máy dự báo năng suất lúa", body="Dữ liệu ảnh vệ tinh"
            ),
            fields={"cntt"},
            institution_id="vnpt",
            institution_kind="enterprise",
        ),
        researcher(
            "solar",
            Document(
                "solar:1",
                title="Renewable energy for rural households",
                body="Solar panels and batteries",
            ),
            fields={"năng lượng"},
            institution_id="evn",
            institution_kind="enterprise",
            available=False,
        ),
        researcher(
            "it",
            Document(
                "it:1",
                title="Công nghệ thông tin trong quản lý đô thị",
                body="Hệ thống thông tin địa lý",
            ),
            fields={"cntt"},
            institution_id="ctu",
            institution_kind="university",
            public=False,
        ),
    ]


@pytest.fixture
def matcher(corpus: list[Candidate]) -> TfidfMatcher:
    return TfidfMatcher().fit(corpus)
